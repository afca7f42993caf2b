package dev.jocker.cluster;

import dev.jocker.ipam.Ipv4;
import dev.jocker.kernel.MacAddress;
import java.net.Inet4Address;

/**
 * One endpoint of an overlay network as every host sees it in the store, under its host's lease:
 * enough for another host to reach it (the MAC behind which VTEP, the address at which MAC) and for
 * {@code network inspect} to list it.
 *
 * @param networkId the network
 * @param id the endpoint's ID (64 hex digits, as Docker's)
 * @param name the container's name, for inspect
 * @param host the hostname of the host it lives on
 * @param mac its MAC, {@code 02:42:…}
 * @param address its IPv4 address on the network
 * @param vtep the VTEP of its host (the host's advertised address)
 */
public record EndpointRecord(
    String networkId,
    String id,
    String name,
    String host,
    String mac,
    String address,
    String vtep) {
  /** The MAC parsed. */
  public MacAddress macAddress() {
    return MacAddress.parse(mac);
  }

  /** The address parsed. */
  public Inet4Address inetAddress() {
    return Ipv4.toInet(Ipv4.parse(address));
  }

  /** The VTEP parsed. */
  public Inet4Address vtepAddress() {
    return Ipv4.toInet(Ipv4.parse(vtep));
  }
}
