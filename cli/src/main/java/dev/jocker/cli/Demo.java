package dev.jocker.cli;

import dev.jocker.ipam.Ipv4;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NetnsStore;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code jocker demo}: the docker0 tutorial replayed in a throwaway world. It re-runs itself in new
 * network and mount namespaces (with a private /run), builds a namespace playing the internet at
 * 198.51.100.1 behind an uplink, starts jockerd there, runs test1 and test2, and shows why they can
 * ping each other and the outside. The machine's own network is never touched.
 */
final class Demo {
  private static final String INSIDE = "JOCKER_DEMO_SANDBOX";

  private Demo() {}

  static int run(List<String> args, PrintStream out, PrintStream err) throws IOException {
    if (!isRoot()) {
      err.println("jocker demo needs root to create namespaces: run 'sudo ./jocker demo'");
      return 1;
    }
    if (!"1".equals(System.getenv(INSIDE))) {
      return reexecInSandbox(out, err);
    }
    return new Demo.World(out, err).play();
  }

  private static boolean isRoot() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
    } catch (IOException e) {
      return false;
    }
  }

  private static int reexecInSandbox(PrintStream out, PrintStream err) throws IOException {
    ProcessHandle.Info self = ProcessHandle.current().info();
    List<String> argv =
        new ArrayList<>(List.of("unshare", "--net", "--mount", "--propagation", "private", "--"));
    argv.add(self.command().orElse("java"));
    argv.addAll(List.of(self.arguments().orElse(new String[0])));
    ProcessBuilder pb = new ProcessBuilder(argv).inheritIO();
    pb.environment().put(INSIDE, "1");
    Process p = pb.start();
    while (true) {
      try {
        return p.waitFor();
      } catch (InterruptedException e) {
        p.destroy();
      }
    }
  }

  /** The sandboxed world of one demo run. */
  private static final class World {
    private final PrintStream out;
    private final PrintStream err;
    private final Path state;
    private final Path socket = Path.of("/run/jocker.sock");
    private Process daemon;

    World(PrintStream out, PrintStream err) throws IOException {
      this.out = out;
      this.err = err;
      this.state = Files.createTempDirectory("jocker-demo");
    }

    int play() throws IOException {
      try {
        buildHostAndInternet();
        startDaemon();
        return replay();
      } finally {
        teardown();
      }
    }

    private void buildHostAndInternet() throws IOException {
      sh("mount", "-t", "tmpfs", "-o", "mode=755", "jocker-demo-run", "/run");
      sh("mount", "-t", "sysfs", "sysfs", "/sys");
      Files.createDirectories(Path.of("/run/netns"));
      try (Netns host = Netns.current()) {
        host.links().setUp("lo");
        NetnsStore store = new NetnsStore(Path.of("/run/netns"));
        try (Netns internet = store.create("internet")) {
          host.links().addVethPair("uplink", "eth0", internet, null, 1500);
          host.addrs()
              .add(
                  "uplink",
                  Ipv4.toInet(Ipv4.parse("198.51.100.2")),
                  24,
                  Ipv4.toInet(Ipv4.parse("198.51.100.255")));
          host.links().setUp("uplink");
          internet.links().setUp("lo");
          internet.links().setUp("eth0");
          internet
              .addrs()
              .add(
                  "eth0",
                  Ipv4.toInet(Ipv4.parse("198.51.100.1")),
                  24,
                  Ipv4.toInet(Ipv4.parse("198.51.100.255")));
          host.routes().addDefault(Ipv4.toInet(Ipv4.parse("198.51.100.1")));
        }
      }
      say("A throwaway host: its own network namespace, an uplink 198.51.100.2/24 to a namespace");
      say("playing \"the internet\" at 198.51.100.1, and the default route through it.");
    }

    private void startDaemon() throws IOException {
      ProcessHandle.Info self = ProcessHandle.current().info();
      List<String> argv = new ArrayList<>();
      argv.add(self.command().orElse("java"));
      List<String> jvmArgs = new ArrayList<>(List.of(self.arguments().orElse(new String[0])));
      int demoAt = jvmArgs.lastIndexOf("demo");
      argv.addAll(jvmArgs.subList(0, demoAt));
      argv.addAll(
          List.of(
              "daemon",
              "--data-root",
              state.toString(),
              "-H",
              "unix://" + socket,
              "--log-dir",
              state.resolve("log").toString()));
      ProcessBuilder pb = new ProcessBuilder(argv);
      pb.redirectErrorStream(true).redirectOutput(state.resolve("jockerd.out").toFile());
      daemon = pb.start();
      long deadline = System.currentTimeMillis() + 30_000;
      while (!Files.exists(socket)) {
        if (!daemon.isAlive() || System.currentTimeMillis() > deadline) {
          throw new IOException(
              "jockerd did not start: " + Files.readString(state.resolve("jockerd.out")));
        }
        sleep(50);
      }
      say(
          "jockerd is running (state in "
              + state
              + "): it created docker0 172.17.0.1/16 and Docker's iptables rules.");
    }

    private int replay() throws IOException {
      int failures = 0;
      failures +=
          jocker(
              "run",
              "-d",
              "--name",
              "test1",
              "busybox",
              "/bin/sh",
              "-c",
              "while true; do sleep 3600;done");
      failures +=
          jocker(
              "run",
              "-d",
              "--name",
              "test2",
              "busybox",
              "/bin/sh",
              "-c",
              "while true; do sleep 3600;done");
      failures += jocker("ps");
      say(
          "Inside test1: eth0 has 172.17.0.2/16 and MAC 02:42:ac:11:00:02; its default route is docker0 (172.17.0.1).");
      failures += jocker("exec", "test1", "ip", "addr");
      failures += jocker("exec", "test1", "ip", "route");
      say(
          "On the host: docker0 with both veth host ends as its ports. Each vethXXX@ifN pairs with an eth0 inside a container.");
      show("ip", "addr", "show", "docker0");
      show("ip", "-br", "link", "show", "master", "docker0");
      show("brctl", "show");
      say(
          "Why can test1 ping test2? Both eth0s are veth pairs whose other ends are ports of the same bridge:");
      failures += jocker("exec", "test1", "ping", "-c", "3", "172.17.0.3");
      say(
          "Why can test1 reach the internet? Forwarding is on, and the MASQUERADE rule rewrites 172.17.0.0/16 sources:");
      show("iptables", "-t", "nat", "-S", "POSTROUTING");
      failures += jocker("exec", "test1", "ping", "-c", "3", "198.51.100.1");
      failures += showNatSource();
      say(
          "As under Docker, a container has its network only while it runs: stopping test2 removes its veth and frees 172.17.0.3, and its next start leases an address again.");
      failures += jocker("stop", "-t", "1", "test2");
      show("ip", "-br", "link", "show", "master", "docker0");
      failures += jocker("start", "test2");
      failures += jocker("exec", "test2", "ip", "-4", "addr", "show", "eth0");
      failures += jocker("rm", "-f", "test1", "test2");
      say(
          failures == 0
              ? "Demo complete: everything the tutorial shows held."
              : failures + " step(s) failed.");
      return failures == 0 ? 0 : 1;
    }

    private int showNatSource() throws IOException {
      NetnsStore store = new NetnsStore(Path.of("/run/netns"));
      String command = "echo hello from test1 | nc -w 2 198.51.100.1 9999";
      try (Netns internet = store.open("internet");
          ServerSocketChannel listener =
              internet.call(
                  () ->
                      ServerSocketChannel.open()
                          .bind(new InetSocketAddress("198.51.100.1", 9999)))) {
        Thread sender =
            new Thread(
                () ->
                    Main.run(
                        new String[] {
                          "-H", "unix://" + socket, "exec", "test1", "sh", "-c", command
                        },
                        new PrintStream(java.io.OutputStream.nullOutputStream()),
                        err));
        say("$ jocker exec test1 sh -c '" + command + "'");
        sender.start();
        listener.socket().setSoTimeout(5000);
        try (Socket peer = listener.socket().accept()) {
          // One line is all we wait for: nc exits only once this end hangs up.
          String text =
              new java.io.BufferedReader(
                      new java.io.InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8))
                  .readLine();
          String source =
              ((InetSocketAddress) peer.getRemoteSocketAddress()).getAddress().getHostAddress();
          say(
              "The internet (198.51.100.1) received \""
                  + text
                  + "\" from "
                  + source
                  + ": the host's uplink address, not test1's 172.17.0.2. That is MASQUERADE at work.");
          return source.equals("198.51.100.2") ? 0 : 1;
        } catch (java.net.SocketTimeoutException e) {
          say("The internet received nothing within 5 s.");
          return 1;
        }
      }
    }

    private int jocker(String... args) {
      say(
          "$ jocker "
              + String.join(" ", args)
                  .replace("while true; do sleep 3600;done", "\"while true; do sleep 3600;done\""));
      List<String> full = new ArrayList<>(List.of("-H", "unix://" + socket));
      full.addAll(List.of(args));
      int code = Main.run(full.toArray(String[]::new), out, err);
      out.println();
      return code == 0 ? 0 : 1;
    }

    private void show(String... command) throws IOException {
      say("$ " + String.join(" ", command));
      try {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        out.print(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (IOException e) {
        out.println("(" + command[0] + " is not installed)");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      out.println();
    }

    private void say(String text) {
      out.println("### " + text);
    }

    private void teardown() {
      if (daemon != null) {
        daemon.destroy();
        try {
          daemon.waitFor(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      try {
        sh("rm", "-rf", state.toString());
      } catch (IOException e) {
        err.println("could not remove " + state + ": " + e.getMessage());
      }
    }

    private static void sleep(long ms) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private static void sh(String... command) throws IOException {
      try {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
          throw new IOException(String.join(" ", command) + ": " + output.strip());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
  }
}
