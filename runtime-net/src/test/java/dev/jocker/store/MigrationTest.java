package dev.jocker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data root written by the release before schema 2 opens, its containers and journal intact. */
class MigrationTest {
  @TempDir Path dir;

  /** Schema 1 as the previous release made it, with what its engine wrote for two containers. */
  private static final String SCHEMA_1 =
      """
      CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE networks(id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, driver TEXT,
        subnet TEXT, ip_range TEXT, gateway TEXT, bridge TEXT, mtu INTEGER NOT NULL,
        mac TEXT, created TEXT NOT NULL);
      CREATE TABLE leases(network_id TEXT NOT NULL, address INTEGER NOT NULL, owner TEXT NOT NULL,
        PRIMARY KEY(network_id, address));
      CREATE TABLE containers(id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, image TEXT NOT NULL,
        image_id TEXT NOT NULL, command TEXT NOT NULL, env TEXT NOT NULL, hostname TEXT NOT NULL,
        network_mode TEXT NOT NULL, tty INTEGER NOT NULL, open_stdin INTEGER NOT NULL,
        auto_remove INTEGER NOT NULL, created TEXT NOT NULL, status TEXT NOT NULL,
        pid INTEGER NOT NULL, pid_start INTEGER NOT NULL, exit_code INTEGER NOT NULL,
        started_at TEXT, finished_at TEXT);
      CREATE TABLE endpoints(id TEXT PRIMARY KEY, network_id TEXT NOT NULL, container_id TEXT NOT NULL UNIQUE,
        host_veth TEXT NOT NULL UNIQUE, mac TEXT NOT NULL, address TEXT NOT NULL, netns TEXT NOT NULL);
      CREATE TABLE journal(id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
        subject TEXT NOT NULL, payload TEXT NOT NULL, created TEXT NOT NULL);
      INSERT INTO containers VALUES('c1', 'test1', 'busybox', 'sha256:b', '2:sh2:-c7:sleep 9',
        '6:PATH=/11:HOSTNAME=c1', 'c1', 'bridge', 0, 0, 1, '2024-01-01T00:00:00Z', 'running',
        4242, 99, 0, '2024-01-01T00:00:01Z', NULL);
      INSERT INTO containers VALUES('c2', 'test2', 'busybox', 'sha256:b', '2:sh', '', 'c2', 'none',
        1, 1, 0, '2024-01-01T00:00:02Z', 'exited', 0, 0, 3, NULL, NULL);
      INSERT INTO endpoints VALUES('e1', 'n1', 'c1', 'veth1234567', '02:42:ac:11:00:02',
        '172.17.0.2', 'jocker-test1');
      INSERT INTO journal(kind, subject, payload, created)
        VALUES('create', 'c2', 'netns=jocker-test2' || char(10) || 'veth=null', '2024-01-01T00:00:03Z');
      PRAGMA user_version=1;
      """;

  @Test
  void containersBecomeConfigDocumentsAndEndpointsBelongToSandboxes() throws Exception {
    Path db = dir.resolve("jocker.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement()) {
      for (String sql : SCHEMA_1.split(";")) {
        if (!sql.isBlank()) {
          s.execute(sql);
        }
      }
    }
    try (Store store = Store.open(db)) {
      assertEquals(5, store.schemaVersion());
      List<ContainerRecord> containers = store.inTransaction(tx -> tx.containers());
      ContainerRecord test1 =
          containers.stream().filter(x -> x.name().equals("test1")).findFirst().orElseThrow();
      assertEquals(List.of("sh", "-c", "sleep 9"), test1.config().cmd());
      assertEquals(List.of("PATH=/", "HOSTNAME=c1"), test1.config().env());
      assertEquals("bridge", test1.config().networkMode());
      assertEquals(true, test1.config().autoRemove());
      assertEquals(4242, test1.pid());
      assertEquals(List.of("sh", "-c", "sleep 9"), test1.config().argv(), "no entrypoint");
      assertEquals(ContainerRecord.RunState.NONE, test1.run(), "schema 3's state, empty");
      ContainerRecord test2 =
          containers.stream().filter(x -> x.name().equals("test2")).findFirst().orElseThrow();
      assertEquals(List.of(), test2.config().env());
      assertEquals(true, test2.config().tty());
      assertEquals(3, test2.exitCode());

      List<SandboxRecord> sandboxes = store.inTransaction(tx -> tx.sandboxes());
      assertEquals(
          Map.of("c1", "jocker-test1", "c2", "jocker-test2"),
          Map.of(
              sandboxes.get(0).containerId(), sandboxes.get(0).netns(),
              sandboxes.get(1).containerId(), sandboxes.get(1).netns()));
      EndpointRecord e = store.inTransaction(tx -> tx.endpoints()).get(0);
      assertEquals("eth0", e.ifname());
      assertEquals("veth1234567", e.hostVeth());
      assertFalse(e.reserved());

      List<JournalEntry> journal = store.inTransaction(tx -> tx.journal());
      assertEquals(1, journal.size());
      assertEquals(
          "container.remove", journal.get(0).kind(), "schema 1's unfinished create is undone");
      assertEquals("c2", journal.get(0).subject());
    }
  }

  @Test
  void aConfigFieldUnknownToThisReleaseIsIgnoredAndAMissingOneTakesItsDefault() throws Exception {
    Path db = dir.resolve("jocker.db");
    try (Store store = Store.open(db)) {
      assertEquals(5, store.schemaVersion());
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement()) {
      s.execute(
          "INSERT INTO containers VALUES('c9', 'later', '2024-01-01T00:00:00Z',"
              + " '{\"image\":\"busybox\",\"cmd\":[\"top\"],\"aFieldFromLater\":{\"name\":\"always\"}}',"
              + " 'created', 0, 0, 0, NULL, NULL, '{\"aStateFromLater\":1}')");
    }
    try (Store store = Store.open(db)) {
      ContainerConfig config = store.inTransaction(tx -> tx.container("c9")).orElseThrow().config();
      assertEquals(List.of("top"), config.cmd());
      assertEquals(List.of(), config.env());
      assertEquals(null, config.ipv4Address());
      assertFalse(config.tty());
      assertEquals("no", config.restartPolicyName());
      assertEquals(
          ContainerRecord.RunState.NONE,
          store.inTransaction(tx -> tx.container("c9")).orElseThrow().run());
    }
  }
}
