package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user sees when things go wrong, and a daemon restart that keeps containers running. */
@Privileged
class UserErrorsAndRestartIT {
  private static final String LOOP = "while true; do sleep 3600;done";

  @TempDir Path dir;

  private static void expect(Jockerd d, int code, String message, String... args) {
    Jockerd.Result r = d.jocker(args);
    assertEquals(code, r.exitCode(), String.join(" ", args) + ": " + r.stderr());
    assertTrue(r.stderr().contains(message), r.stderr());
    // One line of error, beside the help pointer and, as Docker's client prints before a missing
    // image's error, the line saying it looked for the image.
    assertEquals(
        1,
        r.stderr()
            .strip()
            .lines()
            .filter(l -> !l.startsWith("See '") && !l.startsWith("Unable to find image"))
            .count(),
        r.stderr());
  }

  @Test
  void badInputIsRefusedClearlyAndChangesNothing(Sandbox sandbox) {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      d.ok("run", "-d", "--name", "test1", "busybox", "/bin/sh", "-c", LOOP);
      String linksBefore = sandbox.host().run("ip", "-o", "link");
      expect(
          d,
          125,
          "is already in use by container",
          "run",
          "-d",
          "--name",
          "test1",
          "busybox",
          "true");
      for (String bad : new String[] {"a b", "../x", "-x", "x".repeat(65), ";rm -rf /"}) {
        Jockerd.Result r = d.jocker("run", "-d", "--name", bad, "busybox", "true");
        assertEquals(125, r.exitCode(), bad + ": " + r.stderr());
      }
      expect(
          d,
          125,
          "Unable to find image 'nosuchimage:latest' locally",
          "run",
          "-d",
          "nosuchimage",
          "true");
      expect(
          d, 125, "network nonet not found", "run", "-d", "--network", "nonet", "busybox", "true");
      // Docker's 400 for --ip on the default bridge, whatever the address.
      expect(
          d,
          125,
          "user specified IP address is supported on user defined networks only",
          "run",
          "-d",
          "--ip",
          "10.0.0.5",
          "busybox",
          "true");
      expect(
          d,
          125,
          "user specified IP address is supported on user defined networks only",
          "run",
          "-d",
          "--ip",
          "172.17.0.2",
          "busybox",
          "true");
      expect(d, 1, "You cannot remove a running container", "rm", "test1");
      expect(d, 1, "No such container: test3", "stop", "test3");
      expect(d, 1, "No such container: test3", "exec", "test3", "true");
      expect(d, 125, "See 'jocker run --help'.", "run", "--bogus", "busybox");
      assertEquals(126, d.jocker("exec", "test1", "nope").exitCode());
      assertEquals(126, d.jocker("exec", "test1", "/etc/hosts").exitCode());
      assertEquals(3, d.jocker("exec", "test1", "sh", "-c", "exit 3").exitCode());
      assertEquals(
          1, d.ok("ps", "-aq").strip().lines().count(), "failed creates leave no container");
      assertEquals(
          linksBefore, sandbox.host().run("ip", "-o", "link"), "failed creates leave no link");

      String shortId = d.ok("ps", "-q").strip();
      assertEquals(shortId + "\n", d.ok("exec", "test1", "hostname"));
      assertTrue(
          d.ok("exec", "test1", "cat", "/etc/hosts").endsWith("172.17.0.2\t" + shortId + "\n"));
      assertTrue(d.ok("exec", "test1", "cat", "/etc/resolv.conf").contains("nameserver "));
      assertTrue(d.ok("exec", "test1", "cat", "/proc/1/cmdline").startsWith("/bin/sh\0-c\0while"));
      assertEquals("v=42\n", d.ok("exec", "-e", "X=42", "test1", "sh", "-c", "echo v=$X"));
      assertTrue(d.ok("exec", "test1", "sh", "-c", "echo $PATH").startsWith("/usr/local/sbin:"));

      d.ok("stop", "-t", "1", "test1");
      assertTrue(d.ok("ps", "-a").contains("Exited (137)"), d.ok("ps", "-a"));
      expect(d, 1, "is not running", "exec", "test1", "true");
      d.ok("rm", "test1");
      assertEquals(0, d.jocker("run", "--rm", "busybox", "true").exitCode());
      assertEquals(7, d.jocker("run", "--rm", "busybox", "sh", "-c", "exit 7").exitCode());
      assertEquals("", d.ok("ps", "-aq").strip(), "--rm removed them");

      Path rootfs = dir.resolve("rootfs");
      sandbox.host().run("mkdir", "-p", rootfs.resolve("bin").toString());
      sandbox.host().run("cp", "/bin/busybox", rootfs.resolve("bin/sh").toString());
      d.ok("image", "import", rootfs.toString(), "tiny");
      assertTrue(d.ok("images").contains("tiny "), d.ok("images"));
      assertEquals("from tiny\n", d.ok("run", "--rm", "tiny", "/bin/sh", "-c", "echo from tiny"));
    }
  }

  @Test
  void aRestartedDaemonReadoptsRunningContainers(Sandbox sandbox) throws InterruptedException {
    Jockerd first = new Jockerd(sandbox, dir).start();
    first.ok("run", "-d", "--name", "test1", "busybox", "/bin/sh", "-c", LOOP);
    first.ok("run", "-d", "--name", "short", "busybox", "sh", "-c", "sleep 2; exit 4");
    first.kill();
    try (Jockerd second = new Jockerd(sandbox, dir).start()) {
      assertTrue(second.ok("ps").contains("test1"));
      assertTrue(
          second.ok("exec", "test1", "ping", "-c", "1", "172.17.0.1").contains(" 0% packet loss"));
      long deadline = System.currentTimeMillis() + 10_000;
      while (!second.ok("ps", "-a").contains("Exited (4)")
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertTrue(second.ok("ps", "-a").contains("Exited (4)"), second.ok("ps", "-a"));
      Jockerd.Result third = new Jockerd(sandbox, dir).runToExit();
      assertEquals(1, third.exitCode());
      assertTrue(
          third.stdout().contains("another jockerd (PID " + second.pid() + ")"), third.stdout());
    }
  }
}
