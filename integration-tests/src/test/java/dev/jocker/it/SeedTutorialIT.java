package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.kernel.Netns;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seed tutorial, verbatim, through the real CLI and a real jockerd on the real kernel. */
@Privileged
class SeedTutorialIT {
  @TempDir Path dir;

  @Test
  void containersPingEachOtherAndTheInternet(Sandbox sandbox) throws Exception {
    sandbox.internet();
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      Tutorial.Machine machine =
          new Tutorial.Machine() {
            @Override
            public String jocker(String... args) {
              return d.ok(args);
            }

            @Override
            public String run(String... command) {
              return sandbox.host().run(command);
            }

            @Override
            public String sourceSeenByTheInternet() {
              try {
                return SeedTutorialIT.sourceSeenByTheInternet(sandbox, d);
              } catch (Exception e) {
                throw new AssertionError("the internet saw nothing from test1", e);
              }
            }
          };
      Tutorial.runPingAndLook(machine);

      // Inside test1, iproute2 sees eth0 as the reference c1-eth0-d.txt shows it, random parts
      // aside (our sandbox host has a name, which iproute2 prints instead of Docker's netnsid 0).
      String eth0 =
          sandbox
              .host()
              .run("ip", "netns", "exec", "jocker-test1", "ip", "-d", "link", "show", "eth0");
      String reference = Files.readString(Tutorial.REFERENCE.resolve("c1-eth0-d.txt"));
      assertEquals(
          reference.replaceAll("\\d+: eth0@if\\d+", "N: eth0@ifM").replaceAll("\\s+", " ").strip(),
          eth0.replaceAll("\\d+: eth0@if\\d+", "N: eth0@ifM")
              .replaceAll("link-netns \\S+", "link-netnsid 0")
              .replaceAll("\\s+", " ")
              .strip());

      // Where is the other end of the veth? The topology answers from the live kernel.
      String topology = d.ok("network", "topology");
      assertTrue(topology.contains("test1 · netns jocker-test1"), topology);
      assertTrue(topology.contains("eth0@if") && topology.contains("◄─veth─►"), topology);
      assertTrue(
          d.ok("network", "topology", "--format", "dot")
              .startsWith("graph \"jocker network bridge\" {"));
      assertTrue(d.ok("network", "trace", "test1", "198.51.100.1").contains("MASQUERADE"));
      assertTrue(d.ok("network", "trace", "test1", "172.17.0.3").contains("test2"));

      // 9. the MASQUERADE rule is what makes it work, and reconcile restores it
      sandbox
          .host()
          .run(
              "iptables",
              "-t",
              "nat",
              "-D",
              "POSTROUTING",
              "-s",
              "172.17.0.0/16",
              "!",
              "-o",
              "docker0",
              "-j",
              "MASQUERADE");
      sandbox.host().run("conntrack", "-F");
      Jockerd.Result doctor = d.jocker("doctor");
      assertEquals(1, doctor.exitCode(), doctor.stdout());
      assertTrue(
          doctor
              .stdout()
              .contains("-t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"),
          doctor.stdout());
      assertNotEquals(
          0, d.jocker("exec", "test1", "ping", "-c", "2", "-W", "1", "198.51.100.1").exitCode());
      assertTrue(d.ok("reconcile").contains("restored 1 iptables rules"));
      assertTrue(
          d.ok("exec", "test1", "ping", "-c", "2", "198.51.100.1").contains(" 0% packet loss"));
      assertTrue(d.ok("doctor").contains(" 0 problems"));

      // 8. rm -f: nothing left, and addresses are handed out again from the lowest
      Tutorial.removeAndReuse(machine);
    }
  }

  /** A TCP listener opened inside the internet namespace reports the source address it sees. */
  private static String sourceSeenByTheInternet(Sandbox sandbox, Jockerd d) throws Exception {
    try (Netns internet = Netns.open(sandbox.internet().path());
        ServerSocketChannel listener =
            internet.call(
                () ->
                    ServerSocketChannel.open().bind(new InetSocketAddress("198.51.100.1", 9999)))) {
      Thread client =
          new Thread(
              () ->
                  d.jocker("exec", "test1", "sh", "-c", "echo hello | nc -w 2 198.51.100.1 9999"));
      client.start();
      listener.socket().setSoTimeout(10_000);
      String source;
      try (Socket peer = listener.socket().accept()) {
        // Read one line, then hang up: nc only exits once the far end closes.
        String line =
            new java.io.BufferedReader(
                    new java.io.InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8))
                .readLine();
        assertEquals("hello", line);
        source = ((InetSocketAddress) peer.getRemoteSocketAddress()).getAddress().getHostAddress();
      }
      client.join();
      return source;
    }
  }
}
