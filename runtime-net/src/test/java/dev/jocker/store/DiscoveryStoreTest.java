package dev.jocker.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What issue 23 keeps in the store: a network's {@code --internal} and driver options, a
 * container's networks, the interface numbers a sandbox gave out, and resolver ports.
 */
class DiscoveryStoreTest {
  @TempDir Path dir;

  private static ContainerConfig config(ContainerNetworking networking) {
    return new ContainerConfig(
            "busybox",
            "sha256:x",
            List.of("sh"),
            List.of(),
            "web",
            "mynet",
            null,
            false,
            false,
            false)
        .withNetworking(networking);
  }

  @Test
  void aNetworksOptionsAndAContainersNetworksSurviveAReopen() {
    Path db = dir.resolve("jocker.db");
    ContainerNetworking networking =
        new ContainerNetworking(
            List.of(
                new ContainerNetworking.Attachment("mynet", null, List.of("web", "www")),
                new ContainerNetworking.Attachment("other", "10.0.0.9", List.of())),
            List.of("198.51.100.1"),
            List.of("example.test"),
            List.of("ndots:2"),
            List.of("a.example:10.1.1.1"),
            List.of("db:database"),
            "02:42:ac:11:00:99",
            "example.test");
    try (Store store = Store.open(db)) {
      store.inTransaction(
          tx -> {
            tx.insertNetwork(
                new NetworkRecord(
                    "n1",
                    "intnet",
                    "bridge",
                    "172.21.0.0/16",
                    null,
                    "172.21.0.1",
                    "mybr0",
                    1400,
                    "02:42:00:00:00:01",
                    Instant.EPOCH,
                    true,
                    Map.of("com.docker.network.bridge.name", "mybr0")));
            tx.insertContainer(
                ContainerRecord.fresh(
                    "c1", "web", Instant.EPOCH, config(ContainerNetworking.of(List.of()))));
            tx.updateContainerConfig("c1", config(networking));
            return null;
          });
    }
    try (Store store = Store.open(db)) {
      NetworkRecord n = store.inTransaction(tx -> tx.networks()).get(0);
      assertTrue(n.internal());
      assertEquals(Map.of("com.docker.network.bridge.name", "mybr0"), n.options());
      assertEquals(1400, n.mtu());
      ContainerConfig c = store.inTransaction(tx -> tx.container("c1")).orElseThrow().config();
      assertEquals(networking, c.networking());
      assertEquals(networking, c.effectiveNetworking());
    }
  }

  @Test
  void aRecordWithoutNetworkingIsOnItsNetworkModeAndOnNoneForHostOrNone() {
    ContainerConfig mynet =
        new ContainerConfig(
            "busybox",
            "x",
            List.of("sh"),
            List.of(),
            "h",
            "mynet",
            "10.0.0.5",
            false,
            false,
            false);
    assertEquals(
        List.of(new ContainerNetworking.Attachment("mynet", "10.0.0.5", List.of())),
        mynet.effectiveNetworking().networks());
    for (String mode : List.of("host", "none")) {
      ContainerConfig c =
          new ContainerConfig(
              "busybox", "x", List.of("sh"), List.of(), "h", mode, null, false, false, false);
      assertEquals(List.of(), c.effectiveNetworking().networks(), mode);
    }
  }

  @Test
  void aSandboxNeverGivesOutAnInterfaceNumberTwiceInItsLife() {
    try (Store store = Store.open(dir.resolve("jocker.db"))) {
      store.inTransaction(
          tx -> {
            tx.insertSandbox(new SandboxRecord("c1", "jocker-web", Instant.EPOCH, Map.of()));
            tx.insertEndpoint(
                new EndpointRecord(
                    "e0",
                    "n1",
                    "c1",
                    "eth0",
                    "veth0000000",
                    "02:42:00:00:00:02",
                    "172.18.0.2",
                    false,
                    Map.of()));
            tx.interfacesTaken("c1", 1);
            return null;
          });
      int eth1 = store.inTransaction(tx -> tx.takeInterfaceNumber("c1"));
      // eth1 disconnected: its row goes, its number does not come back.
      int eth2 = store.inTransaction(tx -> tx.takeInterfaceNumber("c1"));
      assertEquals(List.of(1, 2), List.of(eth1, eth2));
    }
  }

  @Test
  void resolverPortsAreKeptUntilForgotten() {
    try (Store store = Store.open(dir.resolve("jocker.db"))) {
      store.inTransaction(
          tx -> {
            tx.putResolverPorts("c1", 58036, 43675);
            return null;
          });
      assertArrayEquals(
          new int[] {58036, 43675},
          store.inTransaction(tx -> tx.resolverPorts("c1")).orElseThrow());
      store.inTransaction(
          tx -> {
            tx.deleteResolverPorts("c1");
            return null;
          });
      assertTrue(store.inTransaction(tx -> tx.resolverPorts("c1")).isEmpty());
    }
  }
}
