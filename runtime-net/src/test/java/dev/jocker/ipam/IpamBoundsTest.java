package dev.jocker.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A pool narrowed to a range that is not a CIDR block, as CNI's rangeStart and rangeEnd say. */
class IpamBoundsTest {
  private static String error(Runnable r) {
    return assertThrows(IpamException.class, r::run).getMessage();
  }

  @Test
  void handsOutOnlyFromFirstToLast() {
    Ipam ipam = new Ipam();
    MemoryLeaseStore leases = new MemoryLeaseStore();
    Pool pool = Pool.of("10.1.0.0/24", null, null);
    ipam.register(leases, "n", "cni", pool, Ipv4.parse("10.1.0.10"), Ipv4.parse("10.1.0.12"));
    assertEquals(3, ipam.capacity("n"));
    assertEquals("10.1.0.10", Ipv4.format(ipam.allocate(leases, "n", null, "a")));
    assertEquals("10.1.0.11", Ipv4.format(ipam.allocate(leases, "n", null, "b")));
    assertEquals("10.1.0.12", Ipv4.format(ipam.allocate(leases, "n", null, "c")));
    assertEquals(
        "no available IPv4 addresses on network cni: all 3 addresses of 10.1.0.10-10.1.0.12 are"
            + " in use",
        error(() -> ipam.allocate(leases, "n", null, "d")));
    assertTrue(
        error(() -> ipam.allocate(leases, "n", "10.1.0.20", "d"))
            .contains("outside range 10.1.0.10-10.1.0.12"));
    assertTrue(
        error(() -> ipam.release(leases, "n", Ipv4.parse("10.1.0.20")))
            .contains("not in the pool"));
    ipam.release(leases, "n", Ipv4.parse("10.1.0.11"));
    assertEquals("10.1.0.11", Ipv4.format(ipam.allocate(leases, "n", null, "d")));
  }

  @Test
  void theGatewayInsideTheBoundsIsNeverHandedOut() {
    Ipam ipam = new Ipam();
    MemoryLeaseStore leases = new MemoryLeaseStore();
    Pool pool = Pool.of("10.1.0.0/24", null, "10.1.0.11");
    ipam.register(leases, "n", "cni", pool, Ipv4.parse("10.1.0.10"), Ipv4.parse("10.1.0.12"));
    assertEquals(2, ipam.capacity("n"));
    assertEquals("10.1.0.10", Ipv4.format(ipam.allocate(leases, "n", null, "a")));
    assertEquals("10.1.0.12", Ipv4.format(ipam.allocate(leases, "n", null, "b")));
  }

  @Test
  void boundsMustBeAscendingInsideTheRange() {
    Ipam ipam = new Ipam();
    MemoryLeaseStore leases = new MemoryLeaseStore();
    Pool pool = Pool.of("10.1.0.0/24", null, null);
    assertTrue(
        error(
                () ->
                    ipam.register(
                        leases, "n", "cni", pool, Ipv4.parse("10.1.0.20"), Ipv4.parse("10.1.0.10")))
            .contains("not an ascending range inside 10.1.0.0/24"));
    assertTrue(
        error(
                () ->
                    ipam.register(
                        leases, "n", "cni", pool, Ipv4.parse("10.1.0.2"), Ipv4.parse("10.2.0.10")))
            .contains("not an ascending range"));
  }
}
