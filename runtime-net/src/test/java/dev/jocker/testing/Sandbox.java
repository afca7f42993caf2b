package dev.jocker.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One test's throwaway world: a network namespace playing "the host" and, on request, a second one
 * playing "the internet" (198.51.100.1/24) reached over the host's uplink veth (198.51.100.2/24),
 * which is the host's default route. Fixtures here may use iproute2; product code never does.
 */
public final class Sandbox implements AutoCloseable {
  public static final String INTERNET_ADDRESS = "198.51.100.1";
  public static final String UPLINK_ADDRESS = "198.51.100.2";
  public static final String UPLINK = "uplink";

  private final String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  private final Namespace host;
  private Namespace internet;
  private final List<Process> processes = new ArrayList<>();
  private final List<String> namespacesBefore = namedNamespaces();

  Sandbox() {
    host = Namespace.create("jk-host-" + suffix);
    host.run("ip", "link", "set", "lo", "up");
  }

  /** The namespace that plays the machine jocker runs on. */
  public Namespace host() {
    return host;
  }

  /**
   * The namespace that plays "the internet", created on first call together with the host's uplink
   * and default route.
   */
  public Namespace internet() {
    if (internet == null) {
      internet = Namespace.create("jk-inet-" + suffix);
      internet.run("ip", "link", "set", "lo", "up");
      String peer = "inet" + suffix.substring(0, 6);
      host.run("ip", "link", "add", UPLINK, "type", "veth", "peer", "name", peer);
      host.run("ip", "link", "set", peer, "netns", internet.name());
      host.run("ip", "addr", "add", UPLINK_ADDRESS + "/24", "dev", UPLINK);
      host.run("ip", "link", "set", UPLINK, "up");
      host.run("ip", "route", "add", "default", "via", INTERNET_ADDRESS);
      internet.run("ip", "link", "set", peer, "name", "eth0");
      internet.run("ip", "addr", "add", INTERNET_ADDRESS + "/24", "dev", "eth0");
      internet.run("ip", "link", "set", "eth0", "up");
    }
    return internet;
  }

  /** Starts a long-running process inside {@code ns}; it is killed when the sandbox closes. */
  public Process start(Namespace ns, ProcessBuilder builder) {
    List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns.name()));
    command.addAll(builder.command());
    try {
      Process process = builder.command(command).start();
      processes.add(process);
      return process;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    for (Process process : processes) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (internet != null) {
      internet.delete();
    }
    host.delete();
    // A test that failed half-way leaves its containers (jocker-*) running in namespaces of their
    // own: end them with the test, not only with the JVM.
    for (String name : namedNamespaces()) {
      if (!namespacesBefore.contains(name)) {
        new Namespace(name).delete();
      }
    }
  }

  private static List<String> namedNamespaces() {
    try (Stream<Path> files = Files.list(Path.of("/run/netns"))) {
      return files.map(f -> f.getFileName().toString()).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** A named network namespace in this JVM's private {@code /run/netns}. */
  public record Namespace(String name) {
    static Namespace create(String name) {
      Command.run(List.of("ip", "netns", "add", name));
      return new Namespace(name);
    }

    /** The bind-mounted namespace file, usable with setns(2) and {@code nsenter --net=}. */
    public Path path() {
      return Path.of("/run/netns", name);
    }

    /** Runs a command inside this namespace and returns its stdout; fails on a non-zero exit. */
    public String run(String... command) {
      List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
      full.addAll(List.of(command));
      return Command.run(full);
    }

    /** Runs a command inside this namespace and returns its exit code, stdout and stderr. */
    public Command.Result exec(String... command) {
      List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
      full.addAll(List.of(command));
      return Command.exec(full);
    }

    void delete() {
      Command.exec(List.of("ip", "netns", "pids", name))
          .stdout()
          .lines()
          .forEach(pid -> Command.exec(List.of("kill", "-9", pid.strip())));
      Command.exec(List.of("ip", "netns", "delete", name));
    }
  }

  /** Runs fixture commands (iproute2, iptables, ping) with their output captured. */
  public static final class Command {
    private Command() {}

    /** What a finished command left: exit code, stdout and stderr. */
    public record Result(int exitCode, String stdout, String stderr) {}

    public static String run(List<String> command) {
      Result result = exec(command);
      if (result.exitCode() != 0) {
        throw new AssertionError(
            String.join(" ", command) + " exited " + result.exitCode() + ": " + result.stderr());
      }
      return result.stdout();
    }

    public static Result exec(List<String> command) {
      Path errFile = null;
      try {
        // stderr goes to a file so that a chatty command can never block on a full pipe.
        errFile = Files.createTempFile("jocker-cmd", ".err");
        Process process =
            new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(errFile.toFile())
                .start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new AssertionError(String.join(" ", command) + " did not finish in 120 s");
        }
        return new Result(
            process.exitValue(),
            new String(out, StandardCharsets.UTF_8),
            Files.readString(errFile));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted: " + String.join(" ", command), e);
      } finally {
        if (errFile != null) {
          errFile.toFile().delete();
        }
      }
    }
  }
}
