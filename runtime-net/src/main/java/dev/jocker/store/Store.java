package dev.jocker.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.ipam.LeaseStore;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.OSInfo;

/**
 * The state database: one SQLite file in WAL mode with {@code synchronous=NORMAL}, which survives a
 * {@code kill -9} at any moment and a power loss without corruption (losing at most the last
 * transaction), at a fraction of the cost of an fsync per commit. One connection, transactions
 * serialised.
 */
public final class Store implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(Store.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

  /** One step of the schema, applied in a transaction of its own. */
  private interface Migration {
    void apply(Connection c) throws SQLException;
  }

  private static final List<Migration> MIGRATIONS =
      List.of(
          sql(
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
              """),
          Store::sandboxesAndConfigDocuments,
          // Schema 3: the rest of a container's state (its shim, restarts, OOM kill, start error,
          // pause, manual stop) as one JSON document.
          sql("ALTER TABLE containers ADD COLUMN run TEXT NOT NULL DEFAULT '{}'"),
          // Schema 4: the options of networks whose configuration an orchestrator gives (CNI).
          sql(
              """
              CREATE TABLE external_networks(network_id TEXT PRIMARY KEY, options TEXT NOT NULL);
              """),
          // Schema 5: published ports (PortRecord).
          sql(
              """
              CREATE TABLE ports(id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL,
                bridge TEXT NOT NULL, userland_proxy INTEGER NOT NULL, proto TEXT NOT NULL,
                host_ip TEXT NOT NULL, host_port INTEGER NOT NULL, container_ip TEXT NOT NULL,
                container_port INTEGER NOT NULL, UNIQUE(host_ip, proto, host_port));
              """));

  private final Connection connection;
  private final Path file;

  /**
   * Statements by SQL text, prepared once: SQLite compiles each one anew otherwise, which costs a
   * create request more than running it.
   */
  private final Map<String, PreparedStatement> statements = new HashMap<>();

  private static final String NATIVE_LIBRARY = "libsqlitejdbc.so";

  private Store(Connection connection, Path file) {
    this.connection = connection;
    this.file = file;
  }

  /**
   * Opens (creating if needed) the database at {@code file} and migrates it to the latest schema.
   */
  public static Store open(Path file) {
    return open(file, "NORMAL");
  }

  /**
   * As {@link #open(Path)} with another {@code synchronous} level: the IPAM benchmark measures
   * {@code FULL}, which syncs every commit, against the disk's own sync time.
   */
  static Store open(Path file, String synchronous) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      nativeLibraryIn(file.toAbsolutePath().getParent().resolve("native"));
      // The driver would otherwise run a second query after every INSERT to fetch keys that no
      // caller reads (beginJournal asks for its row ID itself).
      Properties driver = new Properties();
      driver.setProperty("jdbc.get_generated_keys", "false");
      Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, driver);
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=" + synchronous);
        s.execute("PRAGMA foreign_keys=ON");
        s.execute("PRAGMA busy_timeout=5000");
      }
      Store store = new Store(c, file);
      store.migrate();
      return store;
    } catch (SQLException | java.io.IOException e) {
      throw new StoreException("open state database " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Points the driver at its native library copied once under {@code dir}. Left alone, it copies
   * the library to a new file in /tmp in every JVM and deletes it at exit, which a killed daemon
   * never reaches: a megabyte left behind per kill. Under the data root, unlike /tmp, no other user
   * can plant a library there for root to load. The first store a JVM opens sets it for the JVM.
   */
  private static synchronized void nativeLibraryIn(Path dir) throws java.io.IOException {
    if (System.getProperty("org.sqlite.lib.path") != null) {
      return;
    }
    String platform = OSInfo.getNativeLibFolderPathForCurrentOS();
    try (InputStream in =
        SQLiteJDBCLoader.class.getResourceAsStream(
            "/org/sqlite/native/" + platform + "/" + NATIVE_LIBRARY)) {
      if (in == null) {
        return;
      }
      Path versioned =
          dir.resolve(SQLiteJDBCLoader.getVersion() + "-" + platform.replace('/', '-'));
      if (!Files.exists(versioned.resolve(NATIVE_LIBRARY))) {
        Files.createDirectories(versioned);
        Path partial = Files.createTempFile(versioned, NATIVE_LIBRARY, ".partial");
        Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(partial, versioned.resolve(NATIVE_LIBRARY), StandardCopyOption.ATOMIC_MOVE);
      }
      System.setProperty("org.sqlite.lib.path", versioned.toString());
      System.setProperty("org.sqlite.lib.name", NATIVE_LIBRARY);
    }
  }

  /** The database file. */
  public Path file() {
    return file;
  }

  /** The schema version this database is at. */
  public synchronized int schemaVersion() {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA user_version")) {
      return rs.next() ? rs.getInt(1) : 0;
    } catch (SQLException e) {
      throw new StoreException("read schema version: " + e.getMessage(), e);
    }
  }

  private synchronized void migrate() throws SQLException {
    int version = schemaVersion();
    if (version > MIGRATIONS.size()) {
      throw new SQLException(
          "schema version "
              + version
              + " was written by a newer jocker; this one knows up to "
              + MIGRATIONS.size());
    }
    for (int v = version; v < MIGRATIONS.size(); v++) {
      connection.setAutoCommit(false);
      try (Statement s = connection.createStatement()) {
        MIGRATIONS.get(v).apply(connection);
        s.execute("PRAGMA user_version=" + (v + 1));
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    }
  }

  private static Migration sql(String script) {
    return c -> {
      try (Statement s = c.createStatement()) {
        for (String sql : script.split(";")) {
          if (!sql.isBlank()) {
            s.execute(sql);
          }
        }
      }
    };
  }

  /**
   * Schema 2: a container's create-time configuration becomes one JSON document (later fields need
   * no migration), a container's network namespace is recorded with its sandbox, and a container
   * may have an endpoint per network ({@code eth0}, {@code eth1}…). What schema 1 left (every
   * container holding its endpoint from create to remove) becomes sandboxes that the first start
   * after the upgrade releases for every container that is not running; an unfinished create or
   * remove of schema 1's journal is finished as a remove.
   */
  private static void sandboxesAndConfigDocuments(Connection c) throws SQLException {
    sql("""
        CREATE TABLE containers2(id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created TEXT NOT NULL,
          config TEXT NOT NULL, status TEXT NOT NULL, pid INTEGER NOT NULL, pid_start INTEGER NOT NULL,
          exit_code INTEGER NOT NULL, started_at TEXT, finished_at TEXT);
        CREATE TABLE sandboxes(container_id TEXT PRIMARY KEY, netns TEXT NOT NULL UNIQUE,
          created TEXT NOT NULL, options TEXT NOT NULL);
        CREATE TABLE endpoints2(id TEXT PRIMARY KEY, network_id TEXT NOT NULL,
          container_id TEXT NOT NULL, ifname TEXT NOT NULL, host_veth TEXT NOT NULL UNIQUE,
          mac TEXT NOT NULL, address TEXT NOT NULL, reserved INTEGER NOT NULL, options TEXT NOT NULL,
          UNIQUE(container_id, network_id), UNIQUE(container_id, ifname));
        """)
        .apply(c);
    Map<String, String> netnsOf = new HashMap<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT container_id, netns FROM endpoints")) {
      while (rs.next()) {
        netnsOf.put(rs.getString(1), rs.getString(2));
      }
    }
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM containers");
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO containers2(id, name, created, config, status, pid, pid_start,"
                    + " exit_code, started_at, finished_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        PreparedStatement sandbox =
            c.prepareStatement(
                "INSERT INTO sandboxes(container_id, netns, created, options) VALUES(?, ?, ?, '{}')")) {
      while (rs.next()) {
        String id = rs.getString("id");
        String mode = rs.getString("network_mode");
        ContainerConfig config =
            new ContainerConfig(
                rs.getString("image"),
                rs.getString("image_id"),
                Lists.decode(rs.getString("command")),
                Lists.decode(rs.getString("env")),
                rs.getString("hostname"),
                mode,
                null,
                rs.getInt("tty") != 0,
                rs.getInt("open_stdin") != 0,
                rs.getInt("auto_remove") != 0);
        bind(
            insert,
            new Object[] {
              id,
              rs.getString("name"),
              rs.getString("created"),
              json(config),
              rs.getString("status"),
              rs.getLong("pid"),
              rs.getLong("pid_start"),
              rs.getInt("exit_code"),
              rs.getString("started_at"),
              rs.getString("finished_at")
            });
        insert.executeUpdate();
        if (!mode.equals("host")) {
          String netns = netnsOf.getOrDefault(id, "jocker-" + rs.getString("name"));
          bind(sandbox, new Object[] {id, netns, rs.getString("created")});
          sandbox.executeUpdate();
        }
      }
    }
    sql("""
        INSERT INTO endpoints2(id, network_id, container_id, ifname, host_veth, mac, address,
            reserved, options)
          SELECT id, network_id, container_id, 'eth0', host_veth, mac, address, 0, '{}'
          FROM endpoints;
        DROP TABLE endpoints;
        ALTER TABLE endpoints2 RENAME TO endpoints;
        DROP TABLE containers;
        ALTER TABLE containers2 RENAME TO containers;
        UPDATE journal SET kind = 'container.remove', payload = '{}'
          WHERE kind IN ('create', 'remove');
        """)
        .apply(c);
  }

  /**
   * Runs {@code work} in one transaction: everything it writes commits together (then every {@link
   * Tx#onCommit} hook runs), or nothing does (and every {@link Tx#onRollback} hook runs). A failure
   * carries SQLite's own reason, such as {@code SQLITE_FULL} when the disk is full.
   */
  public synchronized <T> T inTransaction(Function<Tx, T> work) {
    Tx tx = new Tx();
    T result;
    try {
      connection.setAutoCommit(false);
      result = work.apply(tx);
      connection.commit();
    } catch (SQLException e) {
      rollback(tx, e);
      throw new StoreException("commit to " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      rollback(tx, e);
      throw e;
    } finally {
      try {
        connection.setAutoCommit(true);
      } catch (SQLException e) {
        // Only fails once SQLite has ended the transaction itself (on SQLITE_FULL, among others):
        // the failure that ended it is on its way already, and is the one to report.
        LOG.debug("end transaction on {}: {}", file, e.getMessage());
      }
    }
    for (Runnable hook : tx.commit) {
      hook.run();
    }
    return result;
  }

  private void rollback(Tx tx, Throwable cause) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      // "no transaction is active": SQLite rolled back already, and the cause says why.
      cause.addSuppressed(e);
    } finally {
      for (int i = tx.undo.size() - 1; i >= 0; i--) {
        tx.undo.get(i).run();
      }
    }
  }

  @Override
  public synchronized void close() {
    try {
      for (PreparedStatement ps : statements.values()) {
        ps.close();
      }
      statements.clear();
      connection.close();
    } catch (SQLException e) {
      throw new StoreException("close " + file + ": " + e.getMessage(), e);
    }
  }

  /** One open transaction; valid only inside {@link #inTransaction}. */
  public final class Tx implements LeaseStore {
    private final List<Runnable> undo = new ArrayList<>();
    private final List<Runnable> commit = new ArrayList<>();

    private Tx() {}

    @Override
    public void onRollback(Runnable action) {
      undo.add(action);
    }

    /**
     * Runs {@code action} once the transaction has committed: in-memory views of the records change
     * only when the records have.
     */
    public void onCommit(Runnable action) {
      commit.add(action);
    }

    /** A setting, or empty. */
    public Optional<String> setting(String key) {
      return queryOne(
          "read setting " + key,
          "SELECT value FROM settings WHERE key=?",
          rs -> rs.getString(1),
          key);
    }

    /** Writes a setting. */
    public void putSetting(String key, String value) {
      update(
          "write setting " + key,
          "INSERT OR REPLACE INTO settings(key, value) VALUES(?, ?)",
          key,
          value);
    }

    /** Deletes a setting (an absent one is fine). */
    public void deleteSetting(String key) {
      update("delete setting " + key, "DELETE FROM settings WHERE key=?", key);
    }

    @Override
    public void insertLease(String networkId, int address, String owner) {
      update(
          "lease address",
          "INSERT INTO leases(network_id, address, owner) VALUES(?, ?, ?)",
          networkId,
          address,
          owner);
    }

    @Override
    public void deleteLease(String networkId, int address) {
      update(
          "release address",
          "DELETE FROM leases WHERE network_id=? AND address=?",
          networkId,
          address);
    }

    @Override
    public Map<Integer, String> leases(String networkId) {
      Map<Integer, String> out = new HashMap<>();
      for (Object[] row :
          query(
              "read leases",
              "SELECT address, owner FROM leases WHERE network_id=?",
              rs -> new Object[] {rs.getInt(1), rs.getString(2)},
              networkId)) {
        out.put((Integer) row[0], (String) row[1]);
      }
      return out;
    }

    /** Inserts a network. */
    public void insertNetwork(NetworkRecord n) {
      update(
          "create network " + n.name(),
          "INSERT INTO networks(id, name, driver, subnet, ip_range, gateway, bridge, mtu, mac, created)"
              + " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          n.id(),
          n.name(),
          n.driver(),
          n.subnet(),
          n.ipRange(),
          n.gateway(),
          n.bridge(),
          n.mtu(),
          n.mac(),
          n.created().toString());
    }

    /** Deletes a network row, its external options and every lease still recorded on it. */
    public void deleteNetwork(String id) {
      update("delete leases of network " + id, "DELETE FROM leases WHERE network_id = ?", id);
      update(
          "delete options of network " + id,
          "DELETE FROM external_networks WHERE network_id = ?",
          id);
      update("delete network " + id, "DELETE FROM networks WHERE id = ?", id);
    }

    /**
     * Records the options of a network whose configuration comes from an orchestrator (CNI):
     * whether its bridge holds the gateway, MASQUERADE, whether jocker made the bridge, its range.
     */
    public void putExternalNetwork(String networkId, Map<String, String> options) {
      update(
          "record options of network " + networkId,
          "INSERT OR REPLACE INTO external_networks(network_id, options) VALUES(?, ?)",
          networkId,
          json(options));
    }

    /** The options of every external network, by network ID. */
    public Map<String, Map<String, String>> externalNetworks() {
      Map<String, Map<String, String>> out = new HashMap<>();
      for (Map.Entry<String, Map<String, String>> row :
          query(
              "list external networks",
              "SELECT network_id, options FROM external_networks",
              rs -> Map.entry(rs.getString(1), stringMap(rs.getString(2))))) {
        out.put(row.getKey(), row.getValue());
      }
      return out;
    }

    /** Every network, in creation order. */
    public List<NetworkRecord> networks() {
      return query(
          "list networks", "SELECT * FROM networks ORDER BY created, name", Store::network);
    }

    /** Inserts a container. */
    public void insertContainer(ContainerRecord c) {
      update(
          "create container " + c.name(),
          "INSERT INTO containers(id, name, created, config, status, pid, pid_start, exit_code,"
              + " started_at, finished_at, run) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          c.id(),
          c.name(),
          c.created().toString(),
          json(c.config()),
          c.status(),
          c.pid(),
          c.pidStart(),
          c.exitCode(),
          text(c.startedAt()),
          text(c.finishedAt()),
          json(c.run()));
    }

    /** Writes a container's state fields. */
    public void updateContainerState(ContainerRecord c) {
      update(
          "update container " + c.name(),
          "UPDATE containers SET status=?, pid=?, pid_start=?, exit_code=?, started_at=?, finished_at=?,"
              + " run=? WHERE id=?",
          c.status(),
          c.pid(),
          c.pidStart(),
          c.exitCode(),
          text(c.startedAt()),
          text(c.finishedAt()),
          json(c.run()),
          c.id());
    }

    /** Renames a container (the unique index refuses a name in use). */
    public void renameContainer(String id, String name) {
      update("rename container " + id, "UPDATE containers SET name=? WHERE id=?", name, id);
    }

    /** Deletes a container row (its leases go through IPAM first). */
    public void deleteContainer(String id) {
      update("delete container " + id, "DELETE FROM containers WHERE id=?", id);
    }

    /** Every container, newest first. */
    public List<ContainerRecord> containers() {
      return query(
          "list containers", "SELECT * FROM containers ORDER BY created DESC", Store::container);
    }

    /** The container with ID {@code id}, by the primary key's index. */
    public Optional<ContainerRecord> container(String id) {
      return queryOne(
          "find container " + id, "SELECT * FROM containers WHERE id = ?", Store::container, id);
    }

    /** The container named {@code name}, by the unique index on names. */
    public Optional<ContainerRecord> containerNamed(String name) {
      return queryOne(
          "find container " + name,
          "SELECT * FROM containers WHERE name = ?",
          Store::container,
          name);
    }

    /** Inserts a sandbox. */
    public void insertSandbox(SandboxRecord s) {
      update(
          "record sandbox " + s.netns(),
          "INSERT INTO sandboxes(container_id, netns, created, options) VALUES(?, ?, ?, ?)",
          s.containerId(),
          s.netns(),
          s.created().toString(),
          json(s.options()));
    }

    /** Deletes a container's sandbox row and its endpoint rows. */
    public void deleteSandbox(String containerId) {
      update(
          "delete endpoints of " + containerId,
          "DELETE FROM endpoints WHERE container_id=?",
          containerId);
      update(
          "delete sandbox of " + containerId,
          "DELETE FROM sandboxes WHERE container_id=?",
          containerId);
    }

    /** Every sandbox. */
    public List<SandboxRecord> sandboxes() {
      return query(
          "list sandboxes",
          "SELECT container_id, netns, created, options FROM sandboxes",
          rs ->
              new SandboxRecord(
                  rs.getString(1),
                  rs.getString(2),
                  Instant.parse(rs.getString(3)),
                  stringMap(rs.getString(4))));
    }

    /** Inserts an endpoint. */
    public void insertEndpoint(EndpointRecord e) {
      update(
          "create endpoint " + e.hostVeth(),
          "INSERT INTO endpoints(id, network_id, container_id, ifname, host_veth, mac, address,"
              + " reserved, options) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
          e.id(),
          e.networkId(),
          e.containerId(),
          e.ifname(),
          e.hostVeth(),
          e.mac(),
          e.address(),
          e.reserved() ? 1 : 0,
          json(e.options()));
    }

    /** Deletes one endpoint row, the sandbox staying. */
    public void deleteEndpoint(String endpointId) {
      update("delete endpoint " + endpointId, "DELETE FROM endpoints WHERE id=?", endpointId);
    }

    /** Every endpoint. */
    public List<EndpointRecord> endpoints() {
      return query(
          "list endpoints",
          "SELECT id, network_id, container_id, ifname, host_veth, mac, address, reserved, options"
              + " FROM endpoints ORDER BY container_id, ifname",
          rs ->
              new EndpointRecord(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7),
                  rs.getInt(8) != 0,
                  stringMap(rs.getString(9))));
    }

    /**
     * Records a published host port; a second record of the same address, protocol and port fails
     * (one port, one owner).
     */
    public void insertPort(PortRecord p) {
      update(
          "record port " + p.hostIp() + ":" + p.hostPort() + "/" + p.proto(),
          "INSERT INTO ports(owner, bridge, userland_proxy, proto, host_ip, host_port, container_ip,"
              + " container_port) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
          p.owner(),
          p.bridge(),
          p.userlandProxy() ? 1 : 0,
          p.proto(),
          p.hostIp(),
          p.hostPort(),
          p.containerIp(),
          p.containerPort());
    }

    /** Forgets a published host port of its owner. */
    public void deletePort(PortRecord p) {
      update(
          "forget port " + p.hostIp() + ":" + p.hostPort() + "/" + p.proto(),
          "DELETE FROM ports WHERE host_ip=? AND proto=? AND host_port=? AND owner=?",
          p.hostIp(),
          p.proto(),
          p.hostPort(),
          p.owner());
    }

    /** Every published host port, in the order they were taken. */
    public List<PortRecord> ports() {
      return query(
          "list ports",
          "SELECT owner, bridge, userland_proxy, proto, host_ip, host_port, container_ip,"
              + " container_port FROM ports ORDER BY id",
          rs ->
              new PortRecord(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getInt(3) != 0,
                  rs.getString(4),
                  rs.getString(5),
                  rs.getInt(6),
                  rs.getString(7),
                  rs.getInt(8)));
    }

    /** Writes a journal entry in this transaction, before the kernel is touched; returns its ID. */
    public long beginJournal(String kind, String subject, Map<String, String> payload) {
      update(
          "journal " + kind,
          "INSERT INTO journal(kind, subject, payload, created) VALUES(?, ?, ?, ?)",
          kind,
          subject,
          json(payload),
          Instant.now().toString());
      return queryOne("journal id", "SELECT last_insert_rowid()", rs -> rs.getLong(1))
          .orElseThrow();
    }

    /** Removes a finished journal entry. */
    public void finishJournal(long id) {
      update("finish journal " + id, "DELETE FROM journal WHERE id=?", id);
    }

    /** Unfinished journal entries, oldest first. */
    public List<JournalEntry> journal() {
      return query(
          "read journal",
          "SELECT id, kind, subject, payload FROM journal ORDER BY id",
          rs ->
              new JournalEntry(
                  rs.getLong(1), rs.getString(2), rs.getString(3), stringMap(rs.getString(4))));
    }

    private void update(String purpose, String sql, Object... args) {
      try {
        PreparedStatement ps = statement(sql);
        bind(ps, args);
        ps.executeUpdate();
      } catch (SQLException e) {
        throw new StoreException(purpose + ": " + e.getMessage(), e);
      }
    }

    private <T> List<T> query(String purpose, String sql, Row<T> row, Object... args) {
      try {
        PreparedStatement ps = statement(sql);
        bind(ps, args);
        try (ResultSet rs = ps.executeQuery()) {
          List<T> out = new ArrayList<>();
          while (rs.next()) {
            out.add(row.map(rs));
          }
          return out;
        }
      } catch (SQLException e) {
        throw new StoreException(purpose + ": " + e.getMessage(), e);
      }
    }

    private <T> Optional<T> queryOne(String purpose, String sql, Row<T> row, Object... args) {
      List<T> all = query(purpose, sql, row, args);
      return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }
  }

  private PreparedStatement statement(String sql) throws SQLException {
    PreparedStatement ps = statements.get(sql);
    if (ps == null) {
      ps = connection.prepareStatement(sql);
      statements.put(sql, ps);
    }
    return ps;
  }

  private interface Row<T> {
    T map(ResultSet rs) throws SQLException;
  }

  private static void bind(PreparedStatement ps, Object[] args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      ps.setObject(i + 1, args[i]);
    }
  }

  private static String text(Instant t) {
    return t == null ? null : t.toString();
  }

  private static Instant instant(String s) {
    return s == null ? null : Instant.parse(s);
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("serialise " + value, e);
    }
  }

  private static Map<String, String> stringMap(String text) {
    try {
      return JSON.readValue(text, STRING_MAP);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("journal payload is not a JSON object: " + text, e);
    }
  }

  private static NetworkRecord network(ResultSet rs) throws SQLException {
    return new NetworkRecord(
        rs.getString("id"),
        rs.getString("name"),
        rs.getString("driver"),
        rs.getString("subnet"),
        rs.getString("ip_range"),
        rs.getString("gateway"),
        rs.getString("bridge"),
        rs.getInt("mtu"),
        rs.getString("mac"),
        Instant.parse(rs.getString("created")));
  }

  private static ContainerRecord container(ResultSet rs) throws SQLException {
    ContainerConfig config;
    ContainerRecord.RunState run;
    try {
      config = JSON.readValue(rs.getString("config"), ContainerConfig.class);
      run = JSON.readValue(rs.getString("run"), ContainerRecord.RunState.class);
    } catch (JsonProcessingException e) {
      throw new SQLException(
          "container " + rs.getString("id") + " has an unreadable record: " + e.getMessage(), e);
    }
    return new ContainerRecord(
        rs.getString("id"),
        rs.getString("name"),
        Instant.parse(rs.getString("created")),
        config,
        rs.getString("status"),
        rs.getLong("pid"),
        rs.getLong("pid_start"),
        rs.getInt("exit_code"),
        instant(rs.getString("started_at")),
        instant(rs.getString("finished_at")),
        run);
  }
}
