package dev.jocker.daemon;

import dev.jocker.engine.DefaultEngine;
import dev.jocker.engine.Engine;
import dev.jocker.store.DataRootLock;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.ParseException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * jockerd: opens the engine and serves the API on a unix socket until SIGTERM. Containers keep
 * running when it stops; the next start re-adopts them.
 */
public final class Daemon {
  private Daemon() {}

  /** Runs the daemon; returns the process exit code. */
  public static int run(String[] args, PrintStream err) {
    DaemonConfig config;
    try {
      config = DaemonConfig.parse(args);
    } catch (ParseException | IllegalArgumentException e) {
      err.println("jockerd: " + e.getMessage());
      err.println("See 'jockerd --help'.");
      return 125;
    } catch (IOException e) {
      err.println("jockerd: cannot read the configuration file: " + e.getMessage());
      return 125;
    }
    if (java.util.Arrays.asList(args).contains("--help")
        || java.util.Arrays.asList(args).contains("-h")) {
      new HelpFormatter()
          .printHelp(
              "jockerd [OPTIONS]",
              "\nA self-sufficient runtime for containers on docker0.\n\n",
              DaemonConfig.options(),
              "");
      return 0;
    }
    System.setProperty("jocker.log.level", config.logLevel());
    System.setProperty(
        "log4j2.configurationFile",
        config.logJson() ? "jockerd-log4j2-json.xml" : "jockerd-log4j2.xml");
    System.setProperty("jocker.log.dir", config.logDir().toString());
    Logger log = LogManager.getLogger(Daemon.class);
    try {
      Files.createDirectories(config.engine().dataRoot());
    } catch (IOException e) {
      err.println("jockerd: cannot create " + config.engine().dataRoot() + ": " + e.getMessage());
      return 1;
    }
    Path lockFile = config.engine().dataRoot().resolve("jockerd.pid");
    try (FileChannel lockChannel =
        FileChannel.open(
            lockFile,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.READ)) {
      FileLock lock;
      // The CNI plugin run without jockerd (its JVM fallback) opens the store itself: wait for such
      // a call to end, and keep the next one out until this daemon holds its own lock.
      Optional<DataRootLock> gate =
          DataRootLock.gate(config.engine().dataRoot(), Duration.ofSeconds(60));
      if (gate.isEmpty()) {
        err.println(
            "jockerd: a CNI plugin process has held "
                + config.engine().dataRoot().resolve(DataRootLock.GATE_FILE)
                + " for a minute; find it with: fuser -v "
                + config.engine().dataRoot().resolve(DataRootLock.GATE_FILE));
        return 1;
      }
      try {
        lock = lockChannel.tryLock();
      } finally {
        gate.get().close();
      }
      if (lock == null) {
        String holder = Files.readString(lockFile).strip();
        err.println(
            "jockerd: another jockerd (PID "
                + holder
                + ") is using "
                + config.engine().dataRoot()
                + "; stop it first or use another --data-root");
        return 1;
      }
      lockChannel.truncate(0);
      lockChannel.write(
          java.nio.ByteBuffer.wrap(
              (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
      return serve(config, log, err);
    } catch (IOException e) {
      err.println("jockerd: " + e.getMessage());
      return 1;
    }
  }

  private static int serve(DaemonConfig config, Logger log, PrintStream err) {
    Engine engine;
    try {
      engine = DefaultEngine.open(config.engine(), config.cluster());
    } catch (RuntimeException e) {
      log.error("engine failed to start", e);
      err.println("jockerd: failed to start: " + e.getMessage());
      return 1;
    }
    // The daemon's threads stay bounded whatever the number of containers: about twenty of the JVM
    // and the engine's own (one exit watch, two exit workers, the supervisor, the namespace
    // hopper), the JDK's reapers of short-lived children, and at most this pool, whose 32 threads
    // include the connector's acceptor and selector. Requests that wait (wait, logs --follow) hold
    // one each, as under Docker a goroutine.
    QueuedThreadPool threads = new QueuedThreadPool(32, 4);
    threads.setName("api");
    Server server = new Server(threads);
    ApiHandler api = new ApiHandler(engine, config.engine().dataRoot().resolve("api-labels.json"));
    server.addConnector(connector(server, config.socket()));
    server.setHandler(api);
    server.setErrorHandler(new JsonErrors());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutting down; containers keep running");
                  try {
                    server.stop();
                  } catch (Exception e) {
                    log.warn("stop API server: {}", e.getMessage());
                  }
                  api.close();
                  engine.close();
                  stopped.countDown();
                  LogManager.shutdown();
                },
                "shutdown"));
    try {
      Files.deleteIfExists(config.socket());
      Files.createDirectories(config.socket().toAbsolutePath().getParent());
      server.start();
      restrictSocket(config.socket());
    } catch (Exception e) {
      log.error("cannot serve on {}", config.socket(), e);
      err.println("jockerd: cannot listen on " + config.socket() + ": " + e.getMessage());
      engine.close();
      return 1;
    }
    log.info(
        "jockerd {} serving API {} on unix://{}",
        dev.jocker.cli.Version.VERSION,
        ApiHandler.API_VERSION,
        config.socket());
    try {
      server.join();
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /**
   * The API's connector: a backlog of 1024 simultaneous connects (Go's listen takes the kernel's
   * somaxconn, 4096 on a current kernel; Jetty's default of 50 refused a quarter of 200 at once).
   */
  static UnixDomainServerConnector connector(Server server, Path socket) {
    HttpConnectionFactory http = new HttpConnectionFactory();
    UnixDomainServerConnector connector =
        new UnixDomainServerConnector(server, new BlankHost(http.getProtocol()), http);
    connector.setUnixDomainPath(socket);
    connector.setAcceptQueueSize(1024);
    return connector;
  }

  /** Mode 0660, group {@code jocker} when that group exists, else root only, as dockerd does. */
  private static void restrictSocket(Path socket) throws IOException {
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
    try {
      GroupPrincipal group =
          socket
              .getFileSystem()
              .getUserPrincipalLookupService()
              .lookupPrincipalByGroupName("jocker");
      Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(group);
    } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    }
  }
}
