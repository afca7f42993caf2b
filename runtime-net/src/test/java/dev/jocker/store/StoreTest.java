package dev.jocker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.ipam.Ipam;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Pool;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.OSInfo;

class StoreTest {
  @TempDir Path dir;

  @Test
  void theDriverLoadsItsLibraryFromACopyUnderADataRootNotFromTmp() throws Exception {
    try (Store store = Store.open(dir.resolve("jocker.db"))) {
      String platform = OSInfo.getNativeLibFolderPathForCurrentOS().replace('/', '-');
      String path = System.getProperty("org.sqlite.lib.path");
      assertTrue(
          path != null && path.endsWith("native/" + SQLiteJDBCLoader.getVersion() + "-" + platform),
          String.valueOf(path));
      assertTrue(SQLiteJDBCLoader.isNativeMode());
      assertEquals(5, store.schemaVersion());
    }
  }

  @Test
  void aLeaseCommitsWithItsContainerOrNotAtAll() {
    Ipam ipam = new Ipam();
    try (Store store = Store.open(dir.resolve("jocker.db"))) {
      assertEquals(5, store.schemaVersion());
      store.inTransaction(
          tx -> {
            ipam.register(tx, "n1", "bridge", Pool.of("172.17.0.0/16", null, null));
            return null;
          });
      assertThrows(
          IllegalStateException.class,
          () ->
              store.inTransaction(
                  tx -> {
                    ipam.allocate(tx, "n1", null, "c1");
                    throw new IllegalStateException("kernel said no");
                  }));
      int address = store.inTransaction(tx -> ipam.allocate(tx, "n1", null, "c2"));
      assertEquals("172.17.0.2", Ipv4.format(address), "the rolled-back lease is free again");
      store.inTransaction(
          tx -> {
            tx.insertContainer(
                ContainerRecord.fresh(
                    "c2",
                    "test1",
                    Instant.EPOCH,
                    new ContainerConfig(
                        "busybox",
                        "sha256:x",
                        List.of("sh", "-c", "a b"),
                        List.of("A=1"),
                        "c2",
                        "bridge",
                        null,
                        false,
                        false,
                        false)));
            return null;
          });
    }
    try (Store reopened = Store.open(dir.resolve("jocker.db"))) {
      ContainerRecord c = reopened.inTransaction(tx -> tx.containers()).get(0);
      assertEquals(List.of("sh", "-c", "a b"), c.config().cmd());
      assertEquals(1, reopened.inTransaction(tx -> tx.leases("n1")).size());
    }
  }

  @Test
  void aDatabaseFromANewerJockerIsRefused() throws Exception {
    Path db = dir.resolve("newer.db");
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
        var st = c.createStatement()) {
      st.execute("PRAGMA user_version=99");
    }
    StoreException e = assertThrows(StoreException.class, () -> Store.open(db));
    assertEquals(true, e.getMessage().contains("newer jocker"), e.getMessage());
  }

  @Test
  void aHostPortHasOneOwnerAndItsRecordCommitsWithTheTransaction() {
    PortRecord web =
        new PortRecord("c1", "docker0", true, "tcp", "0.0.0.0", 8080, "172.17.0.2", 80);
    PortRecord web6 = new PortRecord("c1", "docker0", true, "tcp", "::", 8080, "172.17.0.2", 80);
    try (Store store = Store.open(dir.resolve("jocker.db"))) {
      store.inTransaction(
          tx -> {
            tx.insertPort(web);
            tx.insertPort(web6);
            return null;
          });
      PortRecord other =
          new PortRecord("c2", "docker0", true, "tcp", "0.0.0.0", 8080, "172.17.0.3", 80);
      StoreException taken =
          assertThrows(
              StoreException.class,
              () ->
                  store.inTransaction(
                      tx -> {
                        tx.insertPort(
                            new PortRecord(
                                "c2", "docker0", true, "udp", "0.0.0.0", 8080, "172.17.0.3", 80));
                        tx.insertPort(other);
                        return null;
                      }));
      assertTrue(taken.getMessage().contains("record port 0.0.0.0:8080/tcp"), taken.getMessage());
      assertEquals(List.of(web, web6), store.inTransaction(tx -> tx.ports()), "nothing of c2");
      store.inTransaction(
          tx -> {
            tx.deletePort(web);
            return null;
          });
      assertEquals(List.of(web6), store.inTransaction(tx -> tx.ports()));
    }
  }
}
