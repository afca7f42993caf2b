package dev.jocker.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class IpamTest {
  private static String error(Runnable r) {
    return assertThrows(IpamException.class, r::run).getMessage();
  }

  @Test
  void badSubnetsAreRefusedWithTheReason() {
    assertTrue(error(() -> Subnet.parse("172.17.0.0/33")).contains("larger than 32"));
    assertTrue(error(() -> Subnet.parse("300.1.1.1/16")).contains("300 is larger than 255"));
    assertTrue(error(() -> Subnet.parse("172.17.0.5/16")).contains("did you mean 172.17.0.0/16?"));
    assertTrue(error(() -> Subnet.parse("fd00::/64")).contains("IPv6 is not supported yet"));
    assertTrue(error(() -> Subnet.parse("")).contains("empty"));
    assertTrue(error(() -> Subnet.parse("garbage")).contains("CIDR"));
    assertTrue(error(() -> Subnet.parse("01.2.3.0/24")).contains("leading zero"));
    assertTrue(error(() -> Pool.of("0.0.0.0/0", null, null)).contains("too large"));
    assertTrue(error(() -> Pool.of("172.17.0.0/31", null, null)).contains("no room"));
    assertTrue(error(() -> Pool.of("172.17.0.0/32", null, null)).contains("no room"));
    assertTrue(
        error(() -> Pool.of("172.17.0.0/16", null, "10.0.0.1")).contains("not a host address"));
    assertTrue(error(() -> Pool.of("172.17.0.0/16", "10.0.0.0/24", null)).contains("not inside"));
  }

  @Test
  void subnetArithmeticAtTheEdges() {
    Subnet s30 = Subnet.parse("10.0.0.0/30");
    assertEquals(4, s30.size());
    assertEquals(Ipv4.parse("10.0.0.3"), s30.broadcast());
    assertEquals("255.255.0.0", Ipv4.format(Subnet.mask(16)));
    assertEquals(1L << 24, Subnet.parse("10.0.0.0/8").size());
    assertTrue(Subnet.parse("172.17.0.0/16").overlaps(Subnet.parse("172.17.5.0/24")));
    assertTrue(!Subnet.parse("172.17.0.0/16").overlaps(Subnet.parse("172.18.0.0/16")));
    assertEquals(1, Pool.of("10.0.0.0/30", null, null).capacity());
    assertEquals(65533, Pool.of("172.17.0.0/16", null, null).capacity());
  }

  @Test
  void lowestFreeFirstAndReleasedAtOnce() {
    Ipam ipam = new Ipam();
    MemoryLeaseStore leases = new MemoryLeaseStore();
    ipam.register(leases, "n1", "bridge", Pool.of("172.17.0.0/16", null, null));
    int a = ipam.allocate(leases, "n1", null, "test1");
    int b = ipam.allocate(leases, "n1", null, "test2");
    assertEquals("172.17.0.2", Ipv4.format(a));
    assertEquals("172.17.0.3", Ipv4.format(b));
    ipam.release(leases, "n1", a);
    assertTrue(
        error(() -> ipam.release(leases, "n1", Ipv4.parse("10.0.0.1")))
            .contains("not in the pool"));
    assertEquals("172.17.0.2", Ipv4.format(ipam.allocate(leases, "n1", null, "test3")));
  }

  @Test
  void anIpRangeStartsWithTheGatewayAndThenTheContainersAsDockers() {
    for (String[] c :
        new String[][] {
          {"10.30.0.0/16", "10.30.5.0/24", "10.30.5.0", "10.30.5.1"},
          {"10.30.5.0/24", "10.30.5.0/24", "10.30.5.1", "10.30.5.2"},
          {"10.10.0.0/24", "10.10.0.128/25", "10.10.0.128", "10.10.0.129"}
        }) {
      Ipam ipam = new Ipam();
      Pool pool = Pool.of(c[0], c[1], null);
      ipam.register(new MemoryLeaseStore(), "n", "net", pool);
      assertEquals(c[2], Ipv4.format(pool.gateway()), c[1] + " in " + c[0]);
      assertEquals(
          c[3], Ipv4.format(ipam.allocate(new MemoryLeaseStore(), "n", null, "first")), c[1]);
    }
  }

  @Test
  void staticRequestsSayWhichRuleFailed() {
    Ipam ipam = new Ipam();
    MemoryLeaseStore leases = new MemoryLeaseStore();
    ipam.register(leases, "n1", "bridge", Pool.of("172.17.0.0/16", "172.17.1.0/24", null));
    assertEquals("172.17.1.50", Ipv4.format(ipam.allocate(leases, "n1", "172.17.1.50", "c")));
    assertTrue(
        error(() -> ipam.allocate(leases, "n1", "10.0.0.5", "c")).contains("outside subnet"));
    assertTrue(
        error(() -> ipam.allocate(leases, "n1", "172.17.2.5", "c")).contains("outside ip-range"));
    assertTrue(
        error(() -> ipam.allocate(leases, "n1", "172.17.1.50", "c")).contains("already in use"));
    Ipam plain = new Ipam();
    plain.register(leases, "n2", "bridge", Pool.of("172.17.0.0/16", null, null));
    assertTrue(error(() -> plain.allocate(leases, "n2", "172.17.0.1", "c")).contains("reserved"));
    assertTrue(
        error(() -> plain.allocate(leases, "n2", "172.17.255.255", "c")).contains("reserved"));
  }

  @Test
  void exhaustionNamesTheNetworkAndItsSize() {
    Ipam ipam = new Ipam();
    MemoryLeaseStore leases = new MemoryLeaseStore();
    ipam.register(leases, "n1", "tiny", Pool.of("10.0.0.0/30", null, null));
    assertEquals("10.0.0.2", Ipv4.format(ipam.allocate(leases, "n1", null, "a")));
    String message = error(() -> ipam.allocate(leases, "n1", null, "b"));
    assertTrue(message.contains("network tiny") && message.contains("all 1 addresses"), message);
    assertEquals(1, leases.leases("n1").size());
  }

  @Test
  void recordedLeasesAreNeverHandedOutAgainAfterARestart() {
    MemoryLeaseStore leases = new MemoryLeaseStore();
    Ipam before = new Ipam();
    before.register(leases, "n1", "bridge", Pool.of("172.17.0.0/16", null, null));
    before.allocate(leases, "n1", null, "a");
    before.allocate(leases, "n1", null, "b");
    Ipam after = new Ipam();
    after.register(leases, "n1", "bridge", Pool.of("172.17.0.0/16", null, null));
    assertEquals("172.17.0.4", Ipv4.format(after.allocate(leases, "n1", null, "c")));
  }

  @Test
  void aSubnetOverlappingAnotherNetworkIsRefusedNamingIt() {
    Ipam ipam = new Ipam();
    MemoryLeaseStore leases = new MemoryLeaseStore();
    ipam.register(leases, "n1", "bridge", Pool.of("172.17.0.0/16", null, null));
    ipam.register(leases, "n2", "mynet", Pool.of("10.10.0.0/24", null, null));
    assertEquals(
        "subnet 10.10.0.128/25 overlaps network mynet (10.10.0.0/24); choose another --subnet",
        error(() -> ipam.checkNoOverlap(Subnet.parse("10.10.0.128/25"))));
    assertTrue(error(() -> ipam.checkNoOverlap(Subnet.parse("172.0.0.0/8"))).contains("bridge"));
    ipam.checkNoOverlap(Subnet.parse("10.10.1.0/24"));
    ipam.unregister("n2");
    ipam.checkNoOverlap(Subnet.parse("10.10.0.128/25"));
    assertEquals(List.of(Subnet.parse("172.17.0.0/16")), ipam.subnets());
  }

  @Test
  void nameserversAreReadFromResolvConf() {
    String resolvConf =
        "# generated\nsearch lab\nnameserver 172.20.0.53\nnameserver ::1\n  nameserver\t10.0.0.2 \n"
            + "nameserver 999.1.1.1\noptions edns0\n";
    assertEquals(
        List.of(Ipv4.parse("172.20.0.53"), Ipv4.parse("10.0.0.2")),
        DefaultPools.nameservers(resolvConf));
  }

  @Test
  void defaultPoolsSkipWhatIsTaken() {
    List<Subnet> taken = List.of(Subnet.parse("172.17.0.0/16"), Subnet.parse("172.18.5.0/24"));
    assertEquals("172.19.0.0/16", DefaultPools.next(taken, List.of()).orElseThrow().toString());
    assertEquals(
        "172.20.0.0/16",
        DefaultPools.next(taken, List.of(Ipv4.parse("172.19.0.53"))).orElseThrow().toString());
    assertEquals(15 + 16, DefaultPools.candidates().size());
    assertEquals("192.168.16.0/20", DefaultPools.candidates().get(16).toString());
  }
}
