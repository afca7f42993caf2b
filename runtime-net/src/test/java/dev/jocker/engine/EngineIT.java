package dev.jocker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.cgroup.Cgroups;
import dev.jocker.doctor.Doctor;
import dev.jocker.doctor.Finding;
import dev.jocker.firewall.IptablesSave;
import dev.jocker.kernel.Netns;
import dev.jocker.network.SandboxAddOn;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Privileged
class EngineIT {
  @TempDir Path dataRoot;

  /** This test's own cgroup parent: cgroups are the machine's. */
  private final String cgroupParent =
      "jocker-test-"
          + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong());

  /** Docker's defaults under this test's data root and cgroup parent. */
  private EngineConfig defaults() {
    return EngineConfig.defaults(dataRoot).withCgroupParent(cgroupParent);
  }

  @AfterEach
  void removeCgroupParent() {
    Cgroups tree = Cgroups.detect(Cgroups.DEFAULT_ROOT, cgroupParent);
    for (String id : tree.ids()) {
      tree.of(id)
          .pids()
          .forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
      tree.of(id).remove();
    }
    tree.removeParent();
  }

  private static final List<String> LOOP =
      List.of("/bin/sh", "-c", "while true; do sleep 3600;done");

  private static CreateRequest busybox(String name) {
    return new CreateRequest(
        name, "busybox", LOOP, List.of(), null, null, null, false, false, false);
  }

  private static String exec(Engine engine, String container, String... command) {
    ExecResult r = engine.exec(container, new ExecRequest(List.of(command), List.of(), false));
    String out = new String(r.stdout(), StandardCharsets.UTF_8);
    assertEquals(0, r.exitCode(), out + new String(r.stderr(), StandardCharsets.UTF_8));
    return out;
  }

  @Test
  void seedScenario(Sandbox sandbox) throws Exception {
    sandbox.internet();
    EngineConfig config = defaults().withHostNetns(sandbox.host().path());
    try (Engine engine = DefaultEngine.open(config)) {
      engine.create(busybox("test1"));
      engine.start("test1");
      engine.create(busybox("test2"));
      engine.start("test2");
      String addr = exec(engine, "test1", "ip", "addr");
      assertTrue(addr.contains("inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0"), addr);
      assertTrue(addr.contains("link/ether 02:42:ac:11:00:02"), addr);
      assertEquals(
          "0\n0\t2147483647\n1\n",
          exec(
              engine,
              "test1",
              "cat",
              "/proc/sys/net/ipv4/ip_unprivileged_port_start",
              "/proc/sys/net/ipv4/ping_group_range",
              "/proc/sys/net/ipv6/conf/eth0/disable_ipv6"));
      assertTrue(
          exec(engine, "test1", "ping", "-c", "2", "172.17.0.3").contains(" 0% packet loss"));
      assertTrue(
          exec(engine, "test2", "ping", "-c", "2", "172.17.0.2").contains(" 0% packet loss"));
      assertTrue(
          exec(engine, "test1", "ping", "-c", "2", "198.51.100.1").contains(" 0% packet loss"));
      assertTrue(
          exec(engine, "test1", "cat", "/proc/1/cmdline").startsWith("/bin/sh\0-c\0while true"));
      assertEquals(
          126, engine.exec("test1", new ExecRequest(List.of("nope"), List.of(), false)).exitCode());
      String save = sandbox.host().run("iptables-save");
      assertTrue(save.contains("-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"), save);
      engine.remove("test1", true);
      engine.remove("test2", true);
      engine.create(busybox("test3"));
      engine.start("test3");
      assertTrue(exec(engine, "test3", "ip", "addr").contains("inet 172.17.0.2/16"));
      engine.remove("test3", true);
      assertEquals(List.of(), engine.containers(true));
      String links = sandbox.host().run("ip", "-o", "link");
      assertTrue(!links.contains("veth"), links);
      assertTrue(Files.exists(dataRoot.resolve("jocker.db")));
    }
  }

  @Test
  void eachStartWritesTheEtcFilesOfItsRunWithThatRunsAddress(Sandbox sandbox) throws Exception {
    EngineConfig config = defaults().withHostNetns(sandbox.host().path());
    try (Engine engine = DefaultEngine.open(config)) {
      engine.create(busybox("first"));
      ContainerInfo created = engine.create(busybox("test1"));
      Path run = config.execRoot().resolve("containers").resolve(created.id());
      assertFalse(Files.exists(run.resolve("hosts")), "a create touches no file of a run");
      engine.start("first");
      engine.start("test1");
      String hosts = exec(engine, "test1", "cat", "/etc/hosts");
      assertTrue(hosts.contains("172.17.0.3\t"), hosts);
      assertEquals(
          created.id().substring(0, 12) + "\n", exec(engine, "test1", "cat", "/etc/hostname"));
      engine.stop("test1", Duration.ofSeconds(1));
      engine.stop("first", Duration.ofSeconds(1));
      engine.start("test1");
      hosts = exec(engine, "test1", "cat", "/etc/hosts");
      assertTrue(hosts.contains("172.17.0.2\t"), "the address of this run: " + hosts);
      engine.remove("test1", true);
      engine.remove("first", true);
      assertFalse(Files.exists(run));
    }
  }

  private static CreateRequest busybox(
      String name,
      List<String> command,
      boolean autoRemove,
      CreateRequest.Resources resources,
      CreateRequest.Restart restart) {
    return new CreateRequest(
        name,
        "busybox",
        command,
        List.of(),
        null,
        null,
        null,
        false,
        false,
        autoRemove,
        null,
        null,
        null,
        resources,
        restart);
  }

  @Test
  void eventsAndWaitsFollowARunToItsAutomaticRemoval(Sandbox sandbox) throws Exception {
    try (Engine engine = DefaultEngine.open(defaults().withHostNetns(sandbox.host().path()))) {
      List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      engine.addListener(
          e -> seen.add((e.action() + " " + e.name() + " " + e.attributes()).strip()));
      engine.create(busybox("w1", List.of("sh", "-c", "sleep 1; exit 3"), true, null, null));
      assertEquals(
          0, engine.await("w1", WaitCondition.NOT_RUNNING).get(), "a created one does not run");
      var next = engine.await("w1", WaitCondition.NEXT_EXIT);
      var removed = engine.await("w1", WaitCondition.REMOVED);
      engine.start("w1");
      assertEquals(3, next.get(20, java.util.concurrent.TimeUnit.SECONDS));
      assertEquals(
          3, removed.get(20, java.util.concurrent.TimeUnit.SECONDS), "after its removal too");
      assertEquals(
          List.of("create w1 {}", "start w1 {}", "die w1 {exitCode=3}", "destroy w1 {}"), seen);
      assertThrows(EngineException.class, () -> engine.await("w1", WaitCondition.REMOVED));
    }
  }

  @Test
  void pauseFreezesTheCgroupStatsReadItAndARenameKeepsTheRun(Sandbox sandbox) throws Exception {
    try (Engine engine = DefaultEngine.open(defaults().withHostNetns(sandbox.host().path()))) {
      ContainerInfo p1 =
          engine.create(
              busybox(
                  "p1",
                  List.of("sleep", "1000"),
                  false,
                  new CreateRequest.Resources(64L << 20, 0, 0, 512, 64L),
                  null));
      engine.start("p1");
      ContainerStats stats = engine.stats("p1");
      assertEquals(64L << 20, stats.memoryLimit());
      assertEquals(64, stats.pidsLimit());
      assertEquals(1, stats.pids());
      assertTrue(stats.memoryUsage() > 0, "memory " + stats.memoryUsage());
      assertTrue(stats.networks().containsKey("eth0"), stats.networks().toString());
      assertFalse(stats.networks().containsKey("lo"));
      var cgroup = Cgroups.detect(Cgroups.DEFAULT_ROOT, cgroupParent).of(p1.id());

      assertEquals("paused", engine.pause("p1").state().status());
      assertTrue(cgroup.frozen());
      EngineException again = assertThrows(EngineException.class, () -> engine.pause("p1"));
      assertEquals("Container " + p1.id() + " is already paused", again.getMessage());
      EngineException exec =
          assertThrows(
              EngineException.class,
              () -> engine.createExec("p1", new ExecRequest(List.of("true"), List.of(), false)));
      assertEquals("Container p1 is paused, unpause the container before exec", exec.getMessage());
      assertEquals("running", engine.unpause("p1").state().status());
      assertFalse(cgroup.frozen());

      assertEquals("p2", engine.rename("p1", "p2").name());
      assertEquals(p1.id().substring(0, 12) + "\n", exec(engine, "p2", "hostname"));
      assertThrows(EngineException.class, () -> engine.rename("p2", "p2"));

      engine.pause("p2");
      ContainerInfo stopped = engine.stop("p2", Duration.ofMillis(200));
      assertEquals("exited", stopped.state().status(), "a paused one stops: SIGKILL thaws it");
      assertEquals(137, stopped.state().exitCode());
      assertFalse(cgroup.exists(), "the cgroup goes with the run");
      engine.remove("p2", false);
    }
  }

  @Test
  void onFailureRestartsWithDockersBackOffAndCountsItsRestarts(Sandbox sandbox) throws Exception {
    try (Engine engine = DefaultEngine.open(defaults().withHostNetns(sandbox.host().path()))) {
      List<long[]> times = new java.util.concurrent.CopyOnWriteArrayList<>();
      engine.addListener(
          e -> {
            if (e.action().equals("die") || e.action().equals("start")) {
              times.add(new long[] {e.action().equals("die") ? 0 : 1, System.nanoTime()});
            }
          });
      engine.create(
          busybox(
              "r1",
              List.of("sh", "-c", "exit 3"),
              false,
              null,
              new CreateRequest.Restart("on-failure", 3)));
      engine.start("r1");
      long deadline = System.currentTimeMillis() + 20_000;
      ContainerInfo info = engine.container("r1");
      while ((!(info.state().status().equals("exited") && info.restartCount() == 3)
              || times.size() < 8)
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
        info = engine.container("r1");
      }
      assertEquals("exited", info.state().status());
      assertEquals(3, info.restartCount());
      assertEquals(3, info.state().exitCode());
      // start, then die and start three times, and die: each restart after 100, 200, 400 ms.
      assertEquals(8, times.size());
      long[] delays = new long[3];
      for (int i = 0; i < 3; i++) {
        delays[i] = (times.get(2 * i + 2)[1] - times.get(2 * i + 1)[1]) / 1_000_000;
      }
      assertTrue(
          delays[0] >= 100 && delays[1] >= 200 && delays[2] >= 400,
          java.util.Arrays.toString(delays));
      assertTrue(delays[2] > delays[0], java.util.Arrays.toString(delays));
      engine.remove("r1", true);
    }
  }

  /** An add-on that records what it saw, and fails its join for a container named "refused". */
  private static final class Recorder implements SandboxAddOn {
    final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public String name() {
      return "recorder";
    }

    @Override
    public void joined(dev.jocker.network.Sandbox sandbox, Netns ns) {
      boolean eth0 = ns.links().find("eth0").isPresent();
      seen.add("joined " + sandbox.netns() + (eth0 ? " with eth0" : " without eth0"));
      if (sandbox.netns().equals("jocker-refused")) {
        throw new IllegalStateException("no ports left");
      }
    }

    @Override
    public void leaving(dev.jocker.network.Sandbox sandbox) {
      seen.add("leaving " + sandbox.netns());
    }
  }

  @Test
  void anAddOnJoinsEachSandboxWithinTheJournaledStartAndLeavesItAtTheEnd(Sandbox sandbox)
      throws Exception {
    EngineConfig config = defaults().withHostNetns(sandbox.host().path());
    Recorder recorder = new Recorder();
    try (Engine engine = DefaultEngine.open(config, List.of(recorder))) {
      engine.create(busybox("web"));
      engine.start("web");
      engine.stop("web", Duration.ofSeconds(1));
      assertEquals(List.of("joined jocker-web with eth0", "leaving jocker-web"), recorder.seen);

      recorder.seen.clear();
      engine.create(busybox("refused"));
      EngineException e = assertThrows(EngineException.class, () -> engine.start("refused"));
      assertTrue(e.getMessage().contains("recorder of container"), e.getMessage());
      assertTrue(e.getMessage().contains("no ports left"), e.getMessage());
      assertEquals(
          List.of("joined jocker-refused with eth0", "leaving jocker-refused"), recorder.seen);
      assertEquals("created", engine.container("refused").state().status());
      assertFalse(sandbox.host().run("ip", "-o", "link").contains("veth"), "no veth left");
      assertFalse(Files.exists(config.netnsDir().resolve("jocker-refused")));
      engine.remove("web", true);
      engine.remove("refused", true);
    }
  }

  @Test
  void doctorSeesWhatWasBrokenByHandAndReconcileRepairsWhatIsJockers(Sandbox sandbox)
      throws Exception {
    sandbox.internet();
    EngineConfig config =
        defaults().withHostNetns(sandbox.host().path()).withRulesCheckInterval(Duration.ZERO);
    try (Engine engine = DefaultEngine.open(config)) {
      engine.create(busybox("test1"));
      assertEquals(List.of(), problems(engine.doctor()), Doctor.render(engine.doctor()));

      Sandbox.Namespace host = sandbox.host();
      host.run("sysctl", "-w", "net.ipv4.ip_forward=0");
      host.run(
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
      host.run("ip", "route", "add", "172.17.5.0/24", "dev", Sandbox.UPLINK);
      host.run("ip", "link", "set", Sandbox.UPLINK, "mtu", "1400");
      Sandbox.Command.run(List.of("ip", "netns", "add", "jocker-ghost"));
      Path fakeDockerd = Files.copy(Path.of("/bin/sleep"), dataRoot.resolve("dockerd"));
      Process dockerd = sandbox.start(host, new ProcessBuilder(fakeDockerd.toString(), "600"));

      List<Finding> broken = awaitDockerd(engine);
      String report = Doctor.render(broken);
      assertEquals(List.of("ip_forward", "rules", "subnet", "Docker"), problems(broken), report);
      assertTrue(
          report.contains("-t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"),
          report);
      assertTrue(report.contains("overlaps the host route 172.17.5.0/24 dev uplink"), report);
      assertTrue(report.contains("dockerd (pid " + dockerd.pid() + ")"), report);
      assertTrue(report.contains("the uplink uplink only 1400"), report);
      assertTrue(report.contains("no running container owns namespace jocker-ghost"), report);

      engine.reconcile();
      dockerd.destroyForcibly().waitFor();
      host.run("ip", "route", "del", "172.17.5.0/24", "dev", Sandbox.UPLINK);
      List<Finding> repaired = engine.doctor();
      assertEquals(List.of(), problems(repaired), Doctor.render(repaired));
      assertEquals(
          List.of("MTU"),
          repaired.stream()
              .filter(f -> f.status() == Finding.Status.WARN)
              .map(Finding::check)
              .toList());
      engine.remove("test1", true);
    }
  }

  @Test
  void aUserNetworkHasItsOwnBridgeSubnetAndRulesAndIsIsolatedFromTheDefaultOne(Sandbox sandbox)
      throws Exception {
    sandbox.internet();
    Sandbox.Namespace host = sandbox.host();
    // The next default pool is taken by a host route, as a VPN or a lab network would take it.
    host.run("ip", "route", "add", "172.18.0.0/16", "dev", Sandbox.UPLINK);
    EngineConfig config =
        defaults().withHostNetns(host.path()).withRulesCheckInterval(Duration.ZERO);
    String rulesBefore;
    String bridge;
    try (Engine engine = DefaultEngine.open(config)) {
      rulesBefore = IptablesSave.normalise(host.run("iptables-save"));
      NetworkInfo mynet = engine.createNetwork("mynet", null, null, null);
      assertEquals("172.19.0.0/16", mynet.subnet());
      assertEquals("172.19.0.1", mynet.gateway());
      bridge = "br-" + mynet.id().substring(0, 12);
      assertTrue(
          host.run("ip", "addr", "show", bridge).contains("inet 172.19.0.1/16 brd 172.19.255.255"));
      String save = host.run("iptables-save");
      assertTrue(
          save.contains("-A POSTROUTING -s 172.19.0.0/16 ! -o " + bridge + " -j MASQUERADE"));
      assertTrue(save.contains("-A DOCKER-ISOLATION-STAGE-2 -o " + bridge + " -j DROP"));

      EngineException overlap =
          assertThrows(
              EngineException.class,
              () -> engine.createNetwork("other", "172.17.5.0/24", null, null));
      assertEquals(
          "subnet 172.17.5.0/24 overlaps network bridge (172.17.0.0/16); choose another --subnet",
          overlap.getMessage());
      assertEquals(
          EngineException.Kind.CONFLICT,
          assertThrows(EngineException.class, () -> engine.createNetwork("mynet", null, null, null))
              .kind());

      for (String name : List.of("a1", "a2", "b1")) {
        engine.create(
            new CreateRequest(
                name,
                "busybox",
                LOOP,
                List.of(),
                name.startsWith("a") ? "mynet" : null,
                null,
                null,
                false,
                false,
                false));
        engine.start(name);
      }
      assertTrue(exec(engine, "a1", "ip", "addr").contains("inet 172.19.0.2/16"));
      assertTrue(exec(engine, "a1", "ping", "-c", "2", "172.19.0.3").contains(" 0% packet loss"));
      assertTrue(exec(engine, "a1", "ping", "-c", "2", "198.51.100.1").contains(" 0% packet loss"));
      assertEquals(
          1,
          engine
              .exec(
                  "a1",
                  new ExecRequest(
                      List.of("ping", "-c", "1", "-W", "1", "172.17.0.2"), List.of(), false))
              .exitCode(),
          "DOCKER-ISOLATION keeps mynet and bridge apart");
      String topology = engine.topology("mynet", "text");
      assertTrue(topology.startsWith("network mynet · subnet 172.19.0.0/16"), topology);
      assertTrue(topology.contains("a1 · netns jocker-a1"), topology);
      assertFalse(topology.contains("b1 · netns"), "b1 is on bridge, not on mynet: " + topology);
      String trace = engine.trace("a1", "198.51.100.1");
      assertTrue(trace.contains("-s 172.19.0.0/16 ! -o " + bridge + " -j MASQUERADE"), trace);
      assertEquals(
          List.of("a1", "a2"),
          engine.network("mynet").containers().values().stream()
              .map(NetworkInfo.Attached::name)
              .sorted()
              .toList());
      assertEquals(
          EngineException.Kind.CONFLICT,
          assertThrows(EngineException.class, () -> engine.removeNetwork("mynet")).kind());
      assertEquals(
          EngineException.Kind.FORBIDDEN,
          assertThrows(EngineException.class, () -> engine.removeNetwork("bridge")).kind());
    }
    try (Engine again = DefaultEngine.open(config)) {
      assertEquals("172.19.0.0/16", again.network("mynet").subnet());
      assertTrue(exec(again, "a2", "ping", "-c", "2", "172.19.0.2").contains(" 0% packet loss"));
      again.remove("a1", true);
      again.remove("a2", true);
      again.remove("b1", true);
      again.removeNetwork("mynet");
      assertTrue(host.exec("ip", "link", "show", bridge).exitCode() != 0, "the bridge is gone");
      assertEquals(rulesBefore, IptablesSave.normalise(host.run("iptables-save")));
      assertEquals(
          List.of("bridge", "host", "none"),
          again.networks().stream().map(NetworkInfo::name).toList());
    }
  }

  private static List<String> problems(List<Finding> findings) {
    return findings.stream()
        .filter(f -> f.status() == Finding.Status.FAIL)
        .map(Finding::check)
        .toList();
  }

  /** Doctor's findings once the fake dockerd has exec'd (ip netns exec runs it a moment later). */
  private static List<Finding> awaitDockerd(Engine engine) throws InterruptedException {
    for (int i = 0; ; i++) {
      List<Finding> findings = engine.doctor();
      if (problems(findings).contains("Docker") || i == 50) {
        return findings;
      }
      Thread.sleep(20);
    }
  }

  @Test
  void aHundredContainersLeaveTheKernelAtItsBaseline(Sandbox sandbox) {
    EngineConfig config = defaults().withHostNetns(sandbox.host().path());
    try (Engine engine = DefaultEngine.open(config)) {
      String linksBefore = linkNames(sandbox);
      String rulesBefore = sandbox.host().run("iptables", "-S");
      for (int i = 0; i < 100; i++) {
        engine.create(busybox("c" + i));
        engine.start("c" + i);
      }
      assertEquals(
          100,
          engine.containers(false).size(),
          engine.containers(true).stream()
              .filter(c -> !c.state().running())
              .map(c -> c.name() + " " + c.state() + " " + readLog(c))
              .toList()
              .toString());
      assertTrue(exec(engine, "c99", "ping", "-c", "1", "172.17.0.2").contains(" 0% packet loss"));
      for (int i = 0; i < 100; i++) {
        engine.remove("c" + i, true);
      }
      assertEquals(
          linksBefore,
          linkNames(sandbox),
          "names only: a bridge carrier state depends on its port history");
      assertEquals(rulesBefore, sandbox.host().run("iptables", "-S"));
      assertEquals("", sandbox.host().run("ip", "netns", "list").replaceAll("jk-\\S+.*\\n?", ""));
    }
  }

  private static String readLog(ContainerInfo c) {
    try {
      return Files.readString(Path.of(c.logPath()));
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  private static String linkNames(Sandbox sandbox) {
    return sandbox
        .host()
        .run("ip", "-o", "link")
        .lines()
        .map(l -> l.split(": ")[1])
        .toList()
        .toString();
  }
}
