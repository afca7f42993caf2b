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
 * for clients on an address there, its data in a temporary directory; stopped and deleted by {@link
 * #close}. It never listens outside the namespace.
 */
final class EtcdServer implements AutoCloseable {
  private final Process process;
  private final Path dir;
  private final String url;

  private EtcdServer(Process process, Path dir, String url) {
    this.process = process;
    this.dir = dir;
    this.url = url;
  }

  /** Starts etcd in {@code ns} on {@code address}:2379 and waits until it serves clients. */
  static EtcdServer start(Sandbox sandbox, Sandbox.Namespace ns, String address) {
    try {
      Path dir = Files.createTempDirectory("jocker-etcd");
      Path log = dir.resolve("etcd.log");
      String url = "http://" + address + ":2379";
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
      Process process = sandbox.start(ns, builder);
      EtcdServer server = new EtcdServer(process, dir, url);
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (!Files.readString(log).contains("ready to serve client requests")) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          String out = Files.readString(log);
          server.close();
          throw new AssertionError("etcd did not start:\n" + out);
        }
        Thread.sleep(100);
      }
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The client URL, {@code http://ADDRESS:2379}. */
  String url() {
    return url;
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
