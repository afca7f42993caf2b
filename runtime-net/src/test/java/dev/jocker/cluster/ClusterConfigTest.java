package dev.jocker.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Subnet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code --cluster-store} and {@code --cluster-advertise} as jockerd reads them, and the errors.
 */
class ClusterConfigTest {
  private static final List<ClusterConfig.LocalAddress> HERE =
      List.of(
          new ClusterConfig.LocalAddress("eth0", 2, Ipv4.toInet(Ipv4.parse("192.0.2.1"))),
          new ClusterConfig.LocalAddress("eth1", 3, Ipv4.toInet(Ipv4.parse("198.51.100.7"))));

  private static String error(Runnable r) {
    return assertThrows(ClusterException.class, r::run).getMessage();
  }

  @Test
  void storesAreEtcdUrls() {
    assertEquals(
        List.of("http://10.0.0.1:2379", "http://etcd-2:2380"),
        ClusterConfig.parseStore("etcd://10.0.0.1:2379,etcd-2:2380"));
    assertEquals(List.of("http://10.0.0.1:2379"), ClusterConfig.parseStore("etcd://10.0.0.1/"));
    ClusterConfig config = ClusterConfig.parse("etcd://10.0.0.1:2379,10.0.0.2", "eth0:2376");
    assertEquals("etcd://10.0.0.1:2379,10.0.0.2:2379", config.storeText());
    assertEquals(ClusterConfig.DEFAULT_TTL, config.ttl());
  }

  @Test
  void badStoresSayWhatIsWrong() {
    assertEquals(
        "--cluster-store consul://h:8500: jocker's cluster store is etcd (etcd://HOST:PORT), not"
            + " consul",
        error(() -> ClusterConfig.parseStore("consul://h:8500")));
    assertEquals(
        "--cluster-store 10.0.0.1:2379: expected etcd://HOST:PORT[,HOST:PORT…]",
        error(() -> ClusterConfig.parseStore("10.0.0.1:2379")));
    assertEquals(
        "--cluster-store etcd://h:99999: port 99999 is outside 1..65535",
        error(() -> ClusterConfig.parseStore("etcd://h:99999")));
    assertEquals(
        "--cluster-store etcd://h:2379,: an empty HOST:PORT in the list",
        error(() -> ClusterConfig.parseStore("etcd://h:2379,")));
    assertEquals(
        "--cluster-store etcd://h:2379/docker: a key prefix (/docker) is not supported; jocker's"
            + " keys live under /jocker",
        error(() -> ClusterConfig.parseStore("etcd://h:2379/docker")));
    assertEquals(
        "--cluster-store etcd://h:x: port \"x\" is not a number",
        error(() -> ClusterConfig.parseStore("etcd://h:x")));
  }

  @Test
  void bothOptionsGoTogether() {
    assertEquals(
        "--cluster-advertise eth0:2376 needs --cluster-store etcd://HOST:PORT",
        error(() -> ClusterConfig.parse(null, "eth0:2376")));
    assertEquals(
        "--cluster-store etcd://h:2379 needs --cluster-advertise IFACE:PORT or ADDR:PORT: the"
            + " address other hosts reach this one on",
        error(() -> ClusterConfig.parse("etcd://h:2379", "")));
  }

  @Test
  void advertiseResolvesToALocalAddress() {
    ClusterConfig byName = ClusterConfig.parse("etcd://h:2379", "eth1:2376");
    assertEquals(new ClusterConfig.Resolved(HERE.get(1), 2376), byName.resolve(HERE));
    ClusterConfig byAddress = ClusterConfig.parse("etcd://h:2379", "192.0.2.1:2376");
    assertEquals(new ClusterConfig.Resolved(HERE.get(0), 2376), byAddress.resolve(HERE));
  }

  @Test
  void anAdvertisedAddressThatIsNotLocalIsRefused() {
    assertEquals(
        "--cluster-advertise 203.0.113.9:2376: 203.0.113.9 is not an address of this host (its"
            + " addresses: 192.0.2.1 on eth0, 198.51.100.7 on eth1); other hosts would send its"
            + " VXLAN traffic elsewhere",
        error(() -> ClusterConfig.parse("etcd://h:2379", "203.0.113.9:2376").resolve(HERE)));
    assertEquals(
        "--cluster-advertise eth9:2376: interface eth9 has no IPv4 address here (interfaces with"
            + " one: 192.0.2.1 on eth0, 198.51.100.7 on eth1)",
        error(() -> ClusterConfig.parse("etcd://h:2379", "eth9:2376").resolve(HERE)));
    assertEquals(
        "--cluster-advertise eth0: expected IFACE:PORT or ADDR:PORT, e.g. eth0:2376",
        error(() -> ClusterConfig.parseAdvertise("eth0")));
    assertEquals(
        "--cluster-advertise 10.0.0.300:2376: invalid IPv4 address \"10.0.0.300\": 300 is larger"
            + " than 255",
        error(() -> ClusterConfig.parseAdvertise("10.0.0.300:2376")));
  }

  @Test
  void blocksAreSmallerInSmallSubnets() {
    assertEquals(26, OverlayNetworks.blockPrefix(Subnet.parse("10.1.0.0/16")));
    assertEquals(28, OverlayNetworks.blockPrefix(Subnet.parse("10.0.0.0/24")));
    assertEquals(29, OverlayNetworks.blockPrefix(Subnet.parse("10.0.0.0/27")));
    assertEquals(30, OverlayNetworks.blockPrefix(Subnet.parse("10.0.0.0/30")));
    assertEquals("10.0.0.64-26", Keys.cidr(Subnet.parse("10.0.0.64/26")));
    assertEquals(Subnet.parse("10.0.0.64/26"), Keys.parseCidr("10.0.0.64-26"));
  }
}
