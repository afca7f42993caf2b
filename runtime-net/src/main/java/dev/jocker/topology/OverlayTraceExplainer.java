package dev.jocker.topology;

import dev.jocker.ipam.Subnet;
import java.util.ArrayList;
import java.util.List;

/**
 * Explains {@code jocker network trace} on an overlay network. A destination that is another host's
 * endpoint takes the encapsulated path: ARP answered on this host by the VXLAN device's proxy, the
 * frame switched to the device, wrapped by it in UDP to the other host's VTEP, carried by the
 * underlay, unwrapped there and switched to the container. Any other destination (a container on
 * this host, the gateway, the world) takes the bridge's paths, which {@link TraceExplainer}
 * explains.
 */
public final class OverlayTraceExplainer {
  private OverlayTraceExplainer() {}

  /**
   * The path from {@code containerName} to {@code destination} (dotted IPv4).
   *
   * @throws IllegalArgumentException as {@link TraceExplainer#explain}
   */
  public static Trace explain(OverlayTopology t, String containerName, String destination) {
    OverlayView o = t.overlay();
    OverlayView.Endpoint to = o.endpointAt(destination);
    if (to == null) {
      return TraceExplainer.explain(t.local(), containerName, destination);
    }
    ContainerView from =
        t.local().containers().stream()
            .filter(c -> containerName.equals(c.name()))
            .findFirst()
            .orElse(null);
    if (from == null || from.presence() == Presence.RECORD_ONLY || from.address() == null) {
      // The bridge explainer names what is wrong with the container.
      return TraceExplainer.explain(t.local(), containerName, destination);
    }
    OverlayView.Host remote = o.hostOf(destination);
    OverlayView.Host self = o.self();
    OverlayView.Vxlan vx = o.vxlan();
    String bridge = t.local().bridge().name();
    Subnet subnet = Subnet.containing(from.address());
    String ns = "ip netns exec " + from.netns() + " ";
    List<Trace.Hop> hops = new ArrayList<>();
    hops.add(
        new Trace.Hop(
            "route in " + from.label(),
            List.of(
                destination + " is inside " + subnet + ", eth0's on-link route: no gateway, the",
                "packet is delivered at layer 2 on eth0, as if " + to.name() + " were next to it.",
                "see: " + ns + "ip route get " + destination),
            ns + "tcpdump -ni eth0 host " + destination));
    if (vx == null || !to.neighbour()) {
      hops.add(
          new Trace.Hop(
              "ARP for " + destination,
              vx == null
                  ? List.of(
                      from.label() + " asks \"who has " + destination + "?\" and nobody answers:",
                      "this host has no VXLAN device for the network.")
                  : List.of(
                      from.label() + " asks \"who has " + destination + "?\" and nobody answers:",
                      vx.name() + " has no neighbour entry for " + destination + ": the watch has",
                      "not programmed it (is the cluster store reachable? see jocker network"
                          + " topology)."),
              ns + "tcpdump -eni eth0 arp"));
      return new Trace(
          from.label(),
          destination,
          "The packet does not get through: this host has no way to "
              + to.name()
              + " on "
              + remote.hostname()
              + ".",
          hops);
    }
    hops.add(
        new Trace.Hop(
            "ARP for " + destination + ", answered on this host",
            List.of(
                from.label()
                    + " broadcasts \"who has "
                    + destination
                    + "?\"; "
                    + bridge
                    + " floods it to its ports,",
                vx.name() + " among them. The device does not send it across: with its ARP proxy",
                "it answers from its own neighbour table, where jocker wrote "
                    + destination
                    + " lladdr",
                to.mac() + " nud permanent from the cluster store. No ARP crosses the underlay.",
                "see: ip neigh show dev " + vx.name()),
            ns + "tcpdump -eni eth0 arp"));
    hops.add(
        new Trace.Hop(
            "veth pair of " + from.label(),
            List.of(
                "eth0@if"
                    + from.eth0PeerIndex()
                    + " in "
                    + from.netns()
                    + " ⇄ "
                    + from.hostVeth()
                    + " on the host: the frame to "
                    + to.mac()
                    + ",",
                "at most 1450 bytes (the MTU of eth0, the bridge and the VXLAN device)."),
            "tcpdump -eni " + from.hostVeth() + " host " + destination));
    List<String> bridging = new ArrayList<>();
    bridging.add(
        bridge + " sends the frame out of " + vx.name() + ", its port towards " + to.mac());
    bridging.add("(learned there from replies; flooded there before, as no other port has it).");
    if (t.local().bridgeNfCallIptables()) {
      bridging.add(
          "bridge-nf-call-iptables=1: the bridged frame crosses filter FORWARD (-i and -o "
              + bridge
              + "),");
      bridging.add("which the network's rules accept, as between two containers on one bridge.");
    }
    bridging.add("see: bridge fdb show br " + bridge + " | grep " + to.mac());
    hops.add(
        new Trace.Hop(
            "bridge " + bridge, bridging, "tcpdump -eni " + vx.name() + " host " + destination));
    if (!to.fdb()) {
      hops.add(
          new Trace.Hop(
              vx.name(),
              List.of(
                  vx.name() + " has no FDB entry for " + to.mac() + ": it knows no VTEP to send",
                  "the frame to and drops it (jocker gives the device no default destination).",
                  "see: bridge fdb show dev " + vx.name()),
              null));
      return new Trace(
          from.label(),
          destination,
          "The packet does not get through: this host has no FDB entry for "
              + to.name()
              + " on "
              + remote.hostname()
              + ".",
          hops);
    }
    String underlayLocal = vx.local();
    hops.add(
        new Trace.Hop(
            "VXLAN encapsulation on " + vx.name(),
            List.of(
                "Its FDB entry "
                    + to.mac()
                    + " dst "
                    + remote.vtep()
                    + " self permanent says which",
                "host has that MAC. The device wraps the whole Ethernet frame: VXLAN header (VNI "
                    + o.vni()
                    + "),",
                "UDP to port "
                    + vx.port()
                    + " (the source port hashed from the inner flow), IP "
                    + underlayLocal
                    + " → "
                    + remote.vtep()
                    + ",",
                "50 bytes of outer headers: why the overlay's MTU is 1450 on a 1500 underlay.",
                "see: bridge fdb show dev " + vx.name()),
            "tcpdump -ni " + vx.underlay() + " udp port " + vx.port()));
    hops.add(
        new Trace.Hop(
            "underlay " + vx.underlay(),
            List.of(
                "The UDP packet is the host's own: routed from "
                    + (self == null ? underlayLocal : self.hostname() + " (" + underlayLocal + ")")
                    + " to "
                    + remote.hostname()
                    + " ("
                    + remote.vtep()
                    + ")",
                "out of " + vx.underlay() + ", no NAT (it is not from the overlay's subnet).",
                "see: ip route get " + remote.vtep()),
            "tcpdump -ni "
                + vx.underlay()
                + " host "
                + remote.vtep()
                + " and udp port "
                + vx.port()));
    hops.add(
        new Trace.Hop(
            "on " + remote.hostname(),
            List.of(
                remote.hostname()
                    + "'s VXLAN device for VNI "
                    + o.vni()
                    + " receives UDP "
                    + vx.port()
                    + ", unwraps the frame and hands it to",
                "its own bridge for the network, which switches it to "
                    + to.name()
                    + "'s veth: it arrives on eth0",
                "with "
                    + from.ip()
                    + " → "
                    + destination
                    + " untouched. The reply comes back the same way:",
                remote.hostname()
                    + " has an FDB entry for "
                    + from.eth0Mac()
                    + " dst "
                    + underlayLocal
                    + " from the same store."),
            "on "
                + remote.hostname()
                + ": tcpdump -ni "
                + remote.vtepInterface()
                + " udp port "
                + vx.port()));
    return new Trace(
        from.label(),
        destination,
        destination
            + " is "
            + to.name()
            + " on "
            + remote.hostname()
            + ": switched to "
            + vx.name()
            + ", wrapped in VXLAN (VNI "
            + o.vni()
            + ") and sent to VTEP "
            + remote.vtep()
            + ".",
        hops);
  }
}
