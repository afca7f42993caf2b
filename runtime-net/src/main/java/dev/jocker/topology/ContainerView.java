package dev.jocker.topology;

import java.util.List;

/**
 * One container on the bridge: its namespace, its {@code eth0} and the host end of its veth pair.
 * Interface indexes are 0 and strings null for what the kernel does not hold.
 *
 * @param name the container's name, null for a kernel object no record owns
 * @param netns the name of its network namespace ({@code ip netns list})
 * @param eth0Index ifindex of {@code eth0} inside the namespace
 * @param eth0Mac MAC of {@code eth0}
 * @param address address of {@code eth0} with prefix, e.g. {@code 172.17.0.2/16}
 * @param eth0PeerIndex the peer index {@code eth0} reports ({@code eth0@ifN}): the host veth's
 *     ifindex
 * @param hostVeth name of the veth's host end, e.g. {@code veth3f2a1c9}
 * @param hostVethIndex ifindex of the host end
 * @param hostVethPeerIndex the peer index the host end reports ({@code vethXXXXXXX@ifM}): eth0's
 *     ifindex
 * @param presence whether record and kernel agree
 * @param ports the ports published for it, in the order they were taken
 */
public record ContainerView(
    String name,
    String netns,
    int eth0Index,
    String eth0Mac,
    String address,
    int eth0PeerIndex,
    String hostVeth,
    int hostVethIndex,
    int hostVethPeerIndex,
    Presence presence,
    List<PortView> ports) {
  public ContainerView {
    ports = ports == null ? List.of() : List.copyOf(ports);
  }

  /** A container that publishes no port. */
  public ContainerView(
      String name,
      String netns,
      int eth0Index,
      String eth0Mac,
      String address,
      int eth0PeerIndex,
      String hostVeth,
      int hostVethIndex,
      int hostVethPeerIndex,
      Presence presence) {
    this(
        name,
        netns,
        eth0Index,
        eth0Mac,
        address,
        eth0PeerIndex,
        hostVeth,
        hostVethIndex,
        hostVethPeerIndex,
        presence,
        List.of());
  }

  /** The address without its prefix length, or null. */
  public String ip() {
    return address == null ? null : address.substring(0, address.indexOf('/'));
  }

  /** The name to show: the container's, or {@code ?} when no record owns it. */
  public String label() {
    return name == null ? "?" : name;
  }
}
