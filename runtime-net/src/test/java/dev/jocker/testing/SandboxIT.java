package dev.jocker.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Proves the harness with fixture commands only: a bridge and a veth pair in a sandbox, a ping
 * across it, and a ping to "the internet" through a MASQUERADE rule, where the internet namespace
 * sees the sandbox host's uplink address as the source.
 */
@Privileged
class SandboxIT {
  @Test
  void bridgeVethAndMasqueradeInASandbox(Sandbox sandbox) throws java.io.IOException {
    Sandbox.Namespace host = sandbox.host();
    Sandbox.Namespace internet = sandbox.internet();
    Sandbox.Namespace box = Sandbox.Namespace.create("jk-box-" + ProcessHandle.current().pid());
    try {
      host.run("ip", "link", "add", "br-test", "type", "bridge");
      host.run("ip", "addr", "add", "172.17.0.1/16", "dev", "br-test");
      host.run("ip", "link", "set", "br-test", "up");
      host.run(
          "ip",
          "link",
          "add",
          "veth-test",
          "type",
          "veth",
          "peer",
          "name",
          "eth0",
          "netns",
          box.name());
      host.run("ip", "link", "set", "veth-test", "master", "br-test", "up");
      box.run("ip", "addr", "add", "172.17.0.2/16", "dev", "eth0");
      box.run("ip", "link", "set", "lo", "up");
      box.run("ip", "link", "set", "eth0", "up");
      box.run("ip", "route", "add", "default", "via", "172.17.0.1");

      assertTrue(box.run("ping", "-c", "1", "-W", "2", "172.17.0.1").contains(" 0% packet loss"));

      host.run("sysctl", "-w", "net.ipv4.ip_forward=1");
      host.run(
          "iptables",
          "-t",
          "nat",
          "-A",
          "POSTROUTING",
          "-s",
          "172.17.0.0/16",
          "!",
          "-o",
          "br-test",
          "-j",
          "MASQUERADE");
      assertTrue(
          box.run("ping", "-c", "1", "-W", "2", Sandbox.INTERNET_ADDRESS)
              .contains(" 0% packet loss"));

      java.io.File captured = java.io.File.createTempFile("jocker-capture", ".txt");
      captured.deleteOnExit();
      Process capture =
          sandbox.start(
              internet,
              new ProcessBuilder(
                      "tcpdump", "-n", "-l", "-c", "1", "-i", "eth0", "icmp[icmptype] == icmp-echo")
                  .redirectOutput(captured)
                  .redirectErrorStream(true));
      sleepMillis(500);
      box.run("ping", "-c", "2", "-W", "2", Sandbox.INTERNET_ADDRESS);
      String seen = readWithin(capture, captured, 5000);
      assertTrue(
          seen.contains("IP " + Sandbox.UPLINK_ADDRESS + " > " + Sandbox.INTERNET_ADDRESS), seen);
      assertEquals(-1, seen.indexOf("172.17.0.2"), seen);
    } finally {
      Sandbox.Command.exec(List.of("ip", "netns", "delete", box.name()));
    }
  }

  private static String readWithin(Process p, java.io.File output, long millis) {
    try {
      p.waitFor(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
      p.destroy();
      return java.nio.file.Files.readString(output.toPath());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void sleepMillis(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
