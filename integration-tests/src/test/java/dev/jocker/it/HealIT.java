package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.firewall.IptablesSave;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole kernel state heals: what is changed behind jocker's back (docker0 deleted, forwarding
 * off, the FORWARD policy opened, the rules flushed) is put back by the periodic check within its
 * interval, with every running container reachable again; {@code reconcile} does the same on demand
 * and says what it fixed, and {@code doctor} sees a veth off its bridge and a process no container
 * owns.
 */
@Privileged
class HealIT {
  private static final String LOOP = "while true; do sleep 3600; done";
  private static final int INTERVAL = 2;

  @TempDir Path dir;

  @Test
  void thePeriodicCheckPutsBackBridgeForwardingPolicyAndRulesWithinItsInterval(Sandbox sandbox)
      throws Exception {
    sandbox.internet();
    Sandbox.Namespace host = sandbox.host();
    List<String> times = new ArrayList<>();
    try (Jockerd d = new Jockerd(sandbox, dir).checkingRulesEvery(INTERVAL).start()) {
      d.ok("run", "-d", "--name", "c1", "busybox", "sh", "-c", LOOP);
      d.ok("run", "-d", "--name", "c2", "busybox", "sh", "-c", LOOP);
      String mac = mac(host);
      String rules = IptablesSave.normalise(host.run("iptables-save"));

      host.run("ip", "link", "del", "docker0");
      times.add(
          "docker0 "
              + healed(
                  () ->
                      host.exec("ip", "addr", "show", "docker0")
                              .stdout()
                              .contains("inet 172.17.0.1/16")
                          && mac(host).equals(mac)
                          && host.run("ip", "-o", "link", "show", "master", "docker0")
                                  .lines()
                                  .count()
                              == 2));
      reachable(d, host);

      host.run("sysctl", "-w", "net.ipv4.ip_forward=0");
      times.add(
          "ip_forward "
              + healed(() -> host.run("sysctl", "-n", "net.ipv4.ip_forward").strip().equals("1")));
      reachable(d, host);

      host.run("iptables", "-P", "FORWARD", "ACCEPT");
      times.add(
          "FORWARD policy "
              + healed(() -> host.run("iptables", "-S", "FORWARD").contains("-P FORWARD DROP")));

      host.run("iptables", "-F");
      host.run("iptables", "-t", "nat", "-F");
      times.add(
          "rules " + healed(() -> IptablesSave.normalise(host.run("iptables-save")).equals(rules)));
      reachable(d, host);
      assertEquals(List.of(), Invariant.violations(sandbox, d, rules));
    }
    System.out.println("HealIT: healed after " + times);
  }

  /** Waits for {@code done}; fails unless it came within the check interval (and its own run). */
  private static String healed(BooleanSupplier done) throws InterruptedException {
    long before = System.currentTimeMillis();
    long limit = INTERVAL * 1000L + 1500;
    while (!done.getAsBoolean()) {
      long millis = System.currentTimeMillis() - before;
      assertTrue(millis < limit, "not healed within " + limit + " ms");
      Thread.sleep(50);
    }
    return (System.currentTimeMillis() - before) + " ms";
  }

  private static String mac(Sandbox.Namespace host) {
    String link = host.exec("ip", "-o", "link", "show", "docker0").stdout();
    int at = link.indexOf("link/ether ");
    return at < 0 ? "" : link.substring(at + 11, at + 28);
  }

  private static void reachable(Jockerd d, Sandbox.Namespace host) {
    assertTrue(
        d.ok("exec", "c1", "ping", "-c", "1", "-W", "2", "172.17.0.3").contains(" 0% packet loss"));
    assertTrue(
        d.ok("exec", "c2", "ping", "-c", "1", "-W", "2", Sandbox.INTERNET_ADDRESS)
            .contains(" 0% packet loss"));
    assertEquals(0, host.exec("ping", "-c", "1", "-W", "2", "172.17.0.2").exitCode());
  }

  /** Doctor's text with its wrapping undone. */
  private static String flat(String text) {
    return text.replaceAll("\\s+", " ");
  }

  @Test
  void reconcileSaysWhatItFixedAndDoctorSeesDetachedVethsAndOrphanProcesses(Sandbox sandbox)
      throws Exception {
    Sandbox.Namespace host = sandbox.host();
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      d.ok("run", "-d", "--name", "c1", "busybox", "sh", "-c", LOOP);
      String veth = host.run("ip", "-o", "link", "show", "master", "docker0").split(": ")[1];
      veth = veth.replaceFirst("@.*", "");
      host.run("ip", "link", "set", veth, "nomaster");
      Jockerd.Result doctor = d.jocker("doctor");
      assertEquals(1, doctor.exitCode(), doctor.stdout());
      assertTrue(
          flat(doctor.stdout())
              .contains(veth + " of container c1 (network bridge) is not on docker0"),
          doctor.stdout());

      Sandbox.Command.run(List.of("ip", "netns", "add", "jocker-ghost"));
      Process ghost =
          new ProcessBuilder("ip", "netns", "exec", "jocker-ghost", "sleep", "1000").start();
      long deadline = System.currentTimeMillis() + 5_000;
      while (!flat(d.jocker("doctor").stdout()).contains("(sleep 1000) in namespace jocker-ghost")
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(
          flat(d.jocker("doctor").stdout()).contains("(sleep 1000) in namespace jocker-ghost"));

      host.run("ip", "link", "del", "docker0");
      String fixed = d.ok("reconcile");
      assertTrue(fixed.contains("created bridge docker0"), fixed);
      assertTrue(fixed.contains("put " + veth + " back on docker0"), fixed);
      assertTrue(fixed.contains("(sleep 1000) in namespace jocker-ghost"), fixed);
      assertTrue(fixed.contains("removed orphan namespace jocker-ghost"), fixed);
      assertTrue(ghost.waitFor(5, java.util.concurrent.TimeUnit.SECONDS), "the ghost was killed");
      Jockerd.Result again = d.jocker("doctor");
      assertEquals(0, again.exitCode(), again.stdout());
      assertEquals(0, host.exec("ping", "-c", "1", "-W", "2", "172.17.0.2").exitCode());
      assertTrue(d.ok("reconcile").startsWith("Nothing to fix"), "nothing left to fix");
    }
  }
}
