package dev.jocker.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** libnetwork's port allocator: per address, protocol and port, ephemeral ports in turn. */
class PortAllocatorTest {
  private final PortAllocator allocator = PortAllocator.ofLocalPortRange("32768\t60999\n");

  @Test
  void ephemeralPortsComeInOrderFromTheStartOfTheKernelsRangeAndMoveOn() {
    assertEquals(32768, allocator.request("0.0.0.0", "tcp", 0, 0));
    assertEquals(32769, allocator.request("0.0.0.0", "tcp", 0, 0));
    allocator.release("0.0.0.0", "tcp", 32768);
    // Docker goes on after the last port handed out, not back to the lowest free one.
    assertEquals(32770, allocator.request("0.0.0.0", "tcp", 0, 0));
    // Each address and protocol counts on its own.
    assertEquals(32768, allocator.request("::", "tcp", 0, 0));
    assertEquals(32768, allocator.request("0.0.0.0", "udp", 0, 0));
    assertEquals(32768, allocator.request("127.0.0.1", "tcp", 0, 0));
  }

  @Test
  void theEphemeralRangeWrapsAroundAndRunsOut() {
    PortAllocator small = new PortAllocator(40000, 40002);
    assertEquals(40000, small.request("0.0.0.0", "tcp", 0, 0));
    assertEquals(40001, small.request("0.0.0.0", "tcp", 0, 0));
    small.release("0.0.0.0", "tcp", 40000);
    assertEquals(40002, small.request("0.0.0.0", "tcp", 0, 0));
    assertEquals(40000, small.request("0.0.0.0", "tcp", 0, 0));
    assertEquals(
        "all ports are allocated",
        assertThrows(PortMapException.class, () -> small.request("0.0.0.0", "tcp", 0, 0))
            .getMessage());
  }

  @Test
  void aRequestedPortIsTakenOnceWithDockersMessage() {
    assertEquals(8080, allocator.request("0.0.0.0", "tcp", 8080, 8080));
    assertEquals(
        "Bind for 0.0.0.0:8080 failed: port is already allocated",
        assertThrows(PortMapException.class, () -> allocator.request("0.0.0.0", "tcp", 8080, 8080))
            .getMessage());
    assertEquals(
        "Bind for :::8080 failed: port is already allocated",
        assertThrows(
                PortMapException.class,
                () -> {
                  allocator.request("::", "tcp", 8080, 8080);
                  allocator.request("::", "tcp", 8080, 8080);
                })
            .getMessage());
    allocator.release("0.0.0.0", "tcp", 8080);
    assertEquals(8080, allocator.request("0.0.0.0", "tcp", 8080, 8080));
  }

  @Test
  void aHostRangeGivesItsPortsInTurn() {
    allocator.mark("0.0.0.0", "udp", 9001);
    assertEquals(9000, allocator.request("0.0.0.0", "udp", 9000, 9002));
    assertEquals(9002, allocator.request("0.0.0.0", "udp", 9000, 9002));
    assertEquals(
        "all ports are allocated",
        assertThrows(PortMapException.class, () -> allocator.request("0.0.0.0", "udp", 9000, 9002))
            .getMessage());
    assertEquals(
        "invalid port range: 90-80",
        assertThrows(PortMapException.class, () -> allocator.request("0.0.0.0", "udp", 90, 80))
            .getMessage());
    assertEquals(
        "unknown protocol",
        assertThrows(PortMapException.class, () -> allocator.request("0.0.0.0", "icmp", 90, 90))
            .getMessage());
  }

  @Test
  void anUnreadableKernelRangeFallsBackToLibnetworks() {
    assertEquals(49153, PortAllocator.ofLocalPortRange("garbage").begin());
    assertEquals(65535, PortAllocator.ofLocalPortRange(null).end());
  }
}
