package dev.jocker.cni;

import dev.jocker.ipam.Subnet;
import dev.jocker.kernel.MacAddress;
import java.net.Inet4Address;
import java.util.List;
import java.util.Set;

/**
 * The seam between the CNI front door and what attaches containers to bridge networks: the network
 * controller ({@link ControllerBackend}), whose external sandboxes (keyed by the container ID, with
 * a namespace the orchestrator made) and endpoints (one per network and interface name) are exactly
 * these attachments. Everything here is in terms of networks, namespaces, addresses and container
 * IDs; nothing knows CNI's JSON. Every method may throw {@link CniException} with the code the
 * plugin returns.
 */
public interface CniBackend {
  /**
   * ADD: wires namespace {@code request.netns()} onto the network's bridge as {@code
   * request.key().ifname()}, creating the bridge, its address and rules with the network's first
   * attachment. Fails with {@link CniException#ALREADY_ATTACHED} for an attachment that exists,
   * {@link CniException#INTERFACE_EXISTS} when the namespace has the interface already, {@link
   * CniException#NO_FREE_ADDRESS} when the pool is full; on any failure nothing of the attempt
   * stays. An attempt that died half-way (its process killed) is rolled back by the next call for
   * the same key, by {@link #detach} and by {@link #gc}.
   */
  Attached attach(Attachment request);

  /**
   * DEL: removes the attachment's veth, lease and record, whatever is left of them (the namespace
   * may be gone); with the network's last attachment, its rules and the bridge jocker made go too.
   * Unknown attachments are fine: DEL is idempotent.
   */
  void detach(AttachmentKey key, BridgeNetwork network);

  /**
   * CHECK: fails with {@link CniException#UNKNOWN_CONTAINER} for an unknown attachment, and with
   * {@link CniException#ATTACHMENT_DAMAGED}, naming each problem, when its interface, address,
   * routes, bridge port, lease or the network's rules are not as ADD left them.
   *
   * @param expectedAddress the address the runtime's prevResult shows, {@code 10.88.0.2/16}, or
   *     null when it shows none
   */
  void check(AttachmentKey key, BridgeNetwork network, String expectedAddress);

  /**
   * GC: detaches every attachment of the network that is not in {@code valid}, and releases every
   * lease no attachment holds; carries on past a failure and returns the problems it met.
   */
  List<String> gc(BridgeNetwork network, Set<AttachmentKey> valid);

  /** STATUS: fails with {@link CniException#NOT_AVAILABLE} when an ADD could not get an address. */
  void status(BridgeNetwork network);

  /**
   * One attachment as CNI identifies it.
   *
   * @param network the network's name
   * @param containerId CNI_CONTAINERID
   * @param ifname CNI_IFNAME, the interface inside the container
   */
  record AttachmentKey(String network, String containerId, String ifname) {}

  /**
   * A bridge network as its configuration describes it.
   *
   * @param name the network's name
   * @param bridge the Linux bridge
   * @param mtu MTU of the bridge and veths
   * @param isGateway whether the bridge holds the gateway address
   * @param ipMasq whether the subnet is MASQUERADEd when it leaves the bridge
   * @param hairpin whether each container's bridge port is in hairpin mode
   * @param pool jocker's own address pool, or null when a delegated plugin hands out addresses
   */
  record BridgeNetwork(
      String name,
      String bridge,
      int mtu,
      boolean isGateway,
      boolean ipMasq,
      boolean hairpin,
      NetConf.JockerIpam pool) {}

  /**
   * An address a delegated IPAM plugin handed out.
   *
   * @param address the container's address
   * @param prefixLength its subnet's prefix length
   * @param gateway the gateway, or null
   */
  record Addressing(int address, int prefixLength, Integer gateway) {}

  /**
   * A route to install in the container.
   *
   * @param dst the destination
   * @param gw the next hop, or null for a route on the link
   */
  record RouteSpec(Subnet dst, Integer gw) {}

  /**
   * What ADD asks for.
   *
   * @param key the attachment
   * @param netns CNI_NETNS
   * @param network the network
   * @param given the address a delegated plugin chose, or null to lease one from the pool
   * @param routes the routes to install, each with its next hop resolved (null: on the link)
   * @param name the container's name as the runtime gives it in CNI_ARGS, or null
   */
  record Attachment(
      AttachmentKey key,
      String netns,
      BridgeNetwork network,
      Addressing given,
      List<RouteSpec> routes,
      String name) {}

  /**
   * What ADD made.
   *
   * @param bridgeMac the bridge's MAC
   * @param hostVeth the host end of the veth pair
   * @param hostMac its MAC
   * @param containerMac the MAC of the interface inside
   * @param address the container's address
   * @param prefixLength its prefix length
   * @param gateway the gateway, or null
   * @param routes the routes installed, each with its next hop resolved
   */
  record Attached(
      MacAddress bridgeMac,
      String hostVeth,
      MacAddress hostMac,
      MacAddress containerMac,
      Inet4Address address,
      int prefixLength,
      Integer gateway,
      List<RouteSpec> routes) {}
}
