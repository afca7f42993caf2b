package dev.jocker.cluster;

import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Subnet;

/**
 * Where each record lives in etcd, all under {@code /jocker/}. One prefix per kind, so a host reads
 * or watches one kind with one range request:
 *
 * <pre>
 * /jocker/hosts/HOSTNAME                  Member, under the host's lease
 * /jocker/networks/ID                     OverlayNetwork
 * /jocker/network-names/NAME              ID: names are unique
 * /jocker/vnis/VNI                        ID: VNIs are unique
 * /jocker/subnets/A.B.C.D-LEN             ID: subnets are unique
 * /jocker/blocks/ID/A.B.C.D-LEN           HOSTNAME, under the host's lease
 * /jocker/endpoints/ID/ENDPOINT           EndpointRecord, under the host's lease
 * </pre>
 */
final class Keys {
  static final String ROOT = "/jocker/";
  static final String HOSTS = ROOT + "hosts/";
  static final String NETWORKS = ROOT + "networks/";
  static final String NAMES = ROOT + "network-names/";
  static final String VNIS = ROOT + "vnis/";
  static final String SUBNETS = ROOT + "subnets/";
  static final String BLOCKS = ROOT + "blocks/";
  static final String ENDPOINTS = ROOT + "endpoints/";

  private Keys() {}

  static String host(String hostname) {
    return HOSTS + hostname;
  }

  static String network(String id) {
    return NETWORKS + id;
  }

  static String name(String name) {
    return NAMES + name;
  }

  static String vni(int vni) {
    return VNIS + vni;
  }

  static String subnet(Subnet subnet) {
    return SUBNETS + cidr(subnet);
  }

  static String blocks(String networkId) {
    return BLOCKS + networkId + "/";
  }

  static String block(String networkId, Subnet block) {
    return blocks(networkId) + cidr(block);
  }

  static String endpoints(String networkId) {
    return ENDPOINTS + networkId + "/";
  }

  static String endpoint(String networkId, String endpointId) {
    return endpoints(networkId) + endpointId;
  }

  /** A subnet as a key segment: {@code 10.0.0.64-26} (a slash would read as another level). */
  static String cidr(Subnet subnet) {
    return Ipv4.format(subnet.network()) + "-" + subnet.prefixLength();
  }

  /** The subnet of a key segment written by {@link #cidr}. */
  static Subnet parseCidr(String segment) {
    return Subnet.parse(segment.replace('-', '/'));
  }

  /** The last segment of a key. */
  static String last(String key) {
    return key.substring(key.lastIndexOf('/') + 1);
  }
}
