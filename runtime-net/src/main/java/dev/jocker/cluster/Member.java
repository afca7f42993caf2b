package dev.jocker.cluster;

import dev.jocker.ipam.Ipv4;
import java.net.Inet4Address;

/**
 * One host of the cluster as its record in etcd holds it, under the host's lease.
 *
 * @param hostname the host's identity, unique in the cluster (Docker's rule)
 * @param instanceId what tells this host's own earlier run (same data root) from another machine
 *     using the same hostname
 * @param address the advertised IPv4 address: the host's VTEP
 * @param port the advertised port
 * @param interfaceName the interface holding {@code address} on that host
 * @param joinedAtMillis when the host joined, epoch milliseconds
 */
public record Member(
    String hostname,
    String instanceId,
    String address,
    int port,
    String interfaceName,
    long joinedAtMillis) {
  /** The VTEP address. */
  public Inet4Address vtep() {
    return Ipv4.toInet(Ipv4.parse(address));
  }
}
