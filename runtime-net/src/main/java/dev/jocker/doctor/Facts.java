package dev.jocker.doctor;

import dev.jocker.topology.Topology;
import java.util.List;

/**
 * What doctor looks at, gathered by the engine from netlink, iptables, {@code /proc} and its
 * records.
 *
 * @param topology the bridge network as the kernel holds it (bridge, uplink, rules, forwarding)
 * @param subnet the bridge's subnet, e.g. {@code 172.17.0.0/16}
 * @param bridgeAddress the address the bridge should have, e.g. {@code 172.17.0.1/16}
 * @param containerMtu the MTU jocker gives the bridge and every container's eth0
 * @param iptablesManaged false when jockerd runs with {@code --iptables=false}
 * @param ownedRules how many iptables rules jocker owns for the bridge
 * @param missingRules those of them absent now, as {@code -t TABLE -A CHAIN ARGS}
 * @param bridgeNfCallIptables {@code net.bridge.bridge-nf-call-iptables}, or null when br_netfilter
 *     is not loaded
 * @param iptablesBackend {@code nf_tables} or {@code legacy}: what {@code iptables} drives
 * @param otherBackendRules rules found in the backend {@code iptables} does not drive
 * @param overlappingRoutes host routes (not the bridge's own) whose destination overlaps the
 *     subnet, as {@code ip route} shows them
 * @param dockerdPids Docker daemons running in the same network namespace
 * @param orphanVeths veth ports on the bridge that no container record owns
 * @param orphanNamespaces jocker-named network namespaces that no container record owns
 * @param detachedVeths running containers' host veths that are missing or off their bridge, each as
 *     {@code vethX of container NAME (network N) is …}
 * @param orphanProcesses processes in a jocker namespace (or of a jocker container) whose container
 *     is not running, each as {@code process PID (COMMAND) …}
 * @param endpoints containers attached to a bridge network, on every bridge
 * @param neighbourLimit {@code net.ipv4.neigh.default.gc_thresh3}, the size of the one neighbour
 *     (ARP) table all namespaces share, or 0 when it is not visible from this namespace
 */
public record Facts(
    Topology topology,
    String subnet,
    String bridgeAddress,
    int containerMtu,
    boolean iptablesManaged,
    int ownedRules,
    List<String> missingRules,
    String bridgeNfCallIptables,
    String iptablesBackend,
    int otherBackendRules,
    List<String> overlappingRoutes,
    List<Long> dockerdPids,
    List<String> orphanVeths,
    List<String> orphanNamespaces,
    List<String> detachedVeths,
    List<String> orphanProcesses,
    int endpoints,
    int neighbourLimit) {
  public Facts {
    missingRules = List.copyOf(missingRules);
    overlappingRoutes = List.copyOf(overlappingRoutes);
    dockerdPids = List.copyOf(dockerdPids);
    orphanVeths = List.copyOf(orphanVeths);
    orphanNamespaces = List.copyOf(orphanNamespaces);
    detachedVeths = List.copyOf(detachedVeths);
    orphanProcesses = List.copyOf(orphanProcesses);
  }
}
