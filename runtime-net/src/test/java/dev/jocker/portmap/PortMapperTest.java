package dev.jocker.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The mapper's bookkeeping, as libnetwork's bridge driver does it: the IPv4 and {@code ::}
 * bindings, Docker's errors, retries of ephemeral ports, and nothing left behind by a failure (its
 * kernel side is {@code PortPublishingIT}'s).
 */
class PortMapperTest {
  private final FakeListeners listeners = new FakeListeners();
  private final MemoryPortStore store = new MemoryPortStore();

  private PortMapper mapper(boolean userlandProxy) {
    return new PortMapper(
        null, "DOCKER", new PortAllocator(32768, 60999), listeners, userlandProxy, "0.0.0.0");
  }

  private static List<PortRequest> publish(String... specs) {
    PortConfig c = PortSpecs.parse(List.of(specs), List.of());
    return PortPlan.requests(c.exposedPorts(), c.portBindings(), false);
  }

  private static PublishedPort port(String owner, String ip, int host, boolean proxy) {
    return new PublishedPort(owner, "docker0", proxy, "tcp", ip, host, "172.17.0.2", 80);
  }

  @Test
  void theUserlandProxyAddsTheIpv6BindingBesideTheIpv4One() {
    PortMapper mapper = mapper(true);
    List<PublishedPort> ports =
        mapper.allocate(store, "c1", "docker0", "172.17.0.2", publish("8080:80"));
    assertEquals(List.of(port("c1", "0.0.0.0", 8080, true), port("c1", "::", 8080, true)), ports);
    assertEquals(ports, store.ports());
    assertEquals(ports, mapper.ports("c1"));
    assertEquals(List.of("0.0.0.0:8080/tcp", ":::8080/tcp"), listeners.keys());
  }

  @Test
  void withoutTheProxyOnlyTheIpv4PortIsHeldAndWithoutIpv6NoIpv6Binding() {
    assertEquals(
        List.of(port("c1", "0.0.0.0", 8080, false)),
        mapper(false).allocate(store, "c1", "docker0", "172.17.0.2", publish("8080:80")));
    listeners.ipv6 = false;
    assertEquals(
        List.of(port("c2", "0.0.0.0", 8081, true)),
        mapper(true).allocate(store, "c2", "docker0", "172.17.0.2", publish("8081:80")));
  }

  @Test
  void aTakenPortFailsWithDockersMessageAndLeavesNothing() {
    PortMapper mapper = mapper(true);
    mapper.allocate(store, "c1", "docker0", "172.17.0.2", publish("8080:80"));
    List<PublishedPort> before = store.ports();
    PortMapException e =
        assertThrows(
            PortMapException.class,
            () ->
                mapper.allocate(
                    store, "c2", "docker0", "172.17.0.3", publish("9090:90", "8080:80")));
    assertEquals("Bind for 0.0.0.0:8080 failed: port is already allocated", e.getMessage());
    assertEquals(before, store.ports());
    assertEquals(List.of("0.0.0.0:8080/tcp", ":::8080/tcp"), listeners.keys());
    assertEquals(List.of(), mapper.ports("c2"));
    // 9090, taken and given back by the failed call, is free again.
    mapper.allocate(store, "c3", "docker0", "172.17.0.4", publish("9090:90"));
  }

  @Test
  void aRequestedPortHeldByAnotherProgramIsNotRetried() {
    listeners.heldElsewhere.add("0.0.0.0:8090/tcp");
    PortMapper mapper = mapper(true);
    PortMapException e =
        assertThrows(
            PortMapException.class,
            () -> mapper.allocate(store, "c1", "docker0", "172.17.0.2", publish("8090:80")));
    assertEquals(
        "Error starting userland proxy: listen tcp4 0.0.0.0:8090: bind: address already in use",
        e.getMessage());
    assertEquals(List.of(), listeners.keys());
    assertEquals(List.of(), store.ports());
  }

  @Test
  void anEphemeralPortHeldElsewhereIsSkippedForTheNextAsDockerDoes() {
    // Docker's "-P --expose 53/udp" beside a 127.0.0.1:32768/udp listener: 0.0.0.0 got 32769.
    listeners.heldElsewhere.add("0.0.0.0:32768/udp");
    List<PortRequest> requests = List.of(new PortRequest("udp", 53, "", 0, 0));
    List<PublishedPort> ports =
        mapper(true).allocate(store, "c1", "docker0", "172.17.0.2", requests);
    assertEquals(List.of(32769, 32768), ports.stream().map(PublishedPort::hostPort).toList());
  }

  @Test
  void aFailedIpv6BindingGivesBackTheIpv4One() {
    listeners.heldElsewhere.add(":::8080/tcp");
    PortMapper mapper = mapper(true);
    assertThrows(
        PortMapException.class,
        () -> mapper.allocate(store, "c1", "docker0", "172.17.0.2", publish("8080:80")));
    assertEquals(List.of(), listeners.keys());
    listeners.heldElsewhere.clear();
    mapper.allocate(store, "c1", "docker0", "172.17.0.2", publish("8080:80"));
  }

  @Test
  void releaseClosesFreesAndForgets() {
    PortMapper mapper = mapper(true);
    List<PublishedPort> ports =
        mapper.allocate(store, "c1", "docker0", "172.17.0.2", publish("8080:80"));
    mapper.release(store, ports);
    assertEquals(List.of(), listeners.keys());
    assertEquals(List.of(), store.ports());
    assertEquals(List.of(), mapper.ports("c1"));
    assertEquals(ports, mapper.allocate(store, "c1", "docker0", "172.17.0.2", publish("8080:80")));
  }

  @Test
  void afterARestartRecordedPortsAreTakenAgainOrCleanedUp() {
    mapper(true).allocate(store, "live", "docker0", "172.17.0.2", publish("8080:80"));
    mapper(true).allocate(store, "dead", "docker0", "172.17.0.3", publish("8081:80"));
    listeners.open.clear();

    PortMapper restarted = mapper(true);
    List<PublishedPort> live =
        store.ports().stream().filter(p -> p.owner().equals("live")).toList();
    List<PublishedPort> dead =
        store.ports().stream().filter(p -> p.owner().equals("dead")).toList();
    assertEquals(List.of(), restarted.restore(live));
    restarted.release(store, dead);
    assertEquals(List.of("0.0.0.0:8080/tcp", ":::8080/tcp"), listeners.keys());
    assertEquals(live, store.ports());
    assertThrows(
        PortMapException.class,
        () -> restarted.allocate(store, "new", "docker0", "172.17.0.4", publish("8080:80")));
    restarted.allocate(store, "new", "docker0", "172.17.0.4", publish("8081:80"));
  }

  @Test
  void aProtocolLibnetworkCannotMapIsRefusedAsDockerRefusesIt() {
    assertEquals(
        "invalid transport protocol: icmp",
        assertThrows(
                PortMapException.class,
                () ->
                    mapper(true)
                        .allocate(
                            store,
                            "c1",
                            "docker0",
                            "172.17.0.2",
                            List.of(new PortRequest("icmp", 80, "", 0, 0))))
            .getMessage());
  }
}
