package dev.jocker.cluster;

import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Debian's etcd (package etcd-server) for one test: started inside a sandbox namespace, listening
 * for clients on an address there, its data in a temporary directory (in memory where it can be);
 * stopped and deleted by {@link #close}. It never listens outside the namespace.
 */
public final class EtcdServer implements AutoCloseable {
  private final Sandbox sandbox;
  private final Sandbox.Namespace ns;
  private final Path dir;
  private final String url;
  private Process process;

  private EtcdServer(Sandbox sandbox, Sandbox.Namespace ns, Path dir, String url) {
    this.sandbox = sandbox;
    this.ns = ns;
    this.dir = dir;
    this.url = url;
  }

  /** Starts etcd in {@code ns} on {@code address}:2379 and waits until it serves clients. */
  public static EtcdServer start(Sandbox sandbox, Sandbox.Namespace ns, String address) {
    try {
      EtcdServer server =
          new EtcdServer(sandbox, ns, dataDirectory(), "http://" + address + ":2379");
      server.restart();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A temporary directory on /dev/shm where there is one: etcd syncs its log to disk at every
   * write, lease grants and keep-alives included, and under the load of parallel builds a host kept
   * alive every 2 s lost its 6 s lease and then failed to get a new one within 5 s.
   */
  private static Path dataDirectory() throws IOException {
    Path shm = Path.of("/dev/shm");
    return Files.isDirectory(shm)
        ? Files.createTempDirectory(shm, "jocker-etcd")
        : Files.createTempDirectory("jocker-etcd");
  }

  /**
   * Starts etcd again on the data of its last run (what a store that was away has when it comes
   * back) and waits until it serves clients.
   */
  public void restart() {
    try {
      Path log = dir.resolve("etcd.log");
      Files.deleteIfExists(log);
      ProcessBuilder builder =
          new ProcessBuilder(
                  "etcd",
                  "--name",
                  "jocker-test",
                  "--data-dir",
                  dir.resolve("data").toString(),
                  "--listen-client-urls",
                  url,
                  "--advertise-client-urls",
                  url,
                  "--listen-peer-urls",
                  "http://127.0.0.1:2380",
                  "--initial-advertise-peer-urls",
                  "http://127.0.0.1:2380",
                  "--initial-cluster",
                  "jocker-test=http://127.0.0.1:2380")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      process = sandbox.start(ns, builder);
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (!Files.readString(log).contains("ready to serve client requests")) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          String out = Files.readString(log);
          close();
          throw new AssertionError("etcd did not start:\n" + out);
        }
        Thread.sleep(100);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The client URL, {@code http://ADDRESS:2379}. */
  public String url() {
    return url;
  }

  /** Kills etcd, keeping its data for {@link #restart}. */
  public void stop() {
    if (process == null) {
      return;
    }
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  @Override
  public void close() {
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
