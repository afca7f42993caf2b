package dev.jocker.container;

import dev.jocker.cgroup.Cgroups;
import dev.jocker.kernel.NetnsStore;
import dev.jocker.kernel.Sysctls;
import dev.jocker.network.NetworkController;
import dev.jocker.testing.CgroupMounts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Times N container starts, daemon side (from the call to the answer with the PID), through today's
 * ProcessRuntime (setsid, nsenter, unshare, a shim and an init script, mount(8) three times, ln,
 * env and chroot) and through jocker-launcher (one program: setns, unshare, mount(2), pivot_root,
 * capabilities, execve), without and with a cgroup and limits, interleaved in the same run. Run it
 * only inside a throwaway namespace: {@code bench/launcher.sh}.
 */
public final class LauncherBenchmark {
  private LauncherBenchmark() {}

  /** One start; returns how long the start itself took, in nanoseconds. */
  private interface Start {
    long once(int i) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    Path tmp = Files.createTempDirectory("jocker-launcher-bench");
    Path image = new Images(tmp.resolve("state")).find("busybox").orElseThrow().rootfs();
    String netnsName = "bench-launcher";
    new NetnsStore(NetnsStore.DEFAULT_DIR)
        .create(netnsName, p -> Sysctls.write(NetworkController.SANDBOX_SYSCTLS))
        .close();
    Path netns = NetnsStore.DEFAULT_DIR.resolve(netnsName);
    try (CgroupMounts mounts = CgroupMounts.under(tmp.resolve("cgroup"))) {
      Cgroups cgroups = Cgroups.detect(mounts.root(), "jocker-bench");
      try {
        measure(n, tmp, image, netns, cgroups);
      } finally {
        cgroups.ids().forEach(id -> cgroups.of(id).remove());
        cgroups.removeParent();
      }
    } finally {
      new NetnsStore(NetnsStore.DEFAULT_DIR).delete(netnsName);
      Images.deleteTree(tmp);
    }
  }

  private static void measure(int n, Path tmp, Path image, Path netns, Cgroups cgroups)
      throws Exception {
    Launcher plain = Launcher.create(null);
    Launcher limited = Launcher.create(cgroups);
    Resources limits = new Resources(256L << 20, 0, 1_000_000_000L, 512, 1000).validate(1);
    Start today = i -> runtime(tmp.resolve("pr" + i), image, netns);
    Start launcher = i -> launcher(plain, tmp.resolve("l" + i), image, netns, Resources.NONE);
    Start withCgroup = i -> launcher(limited, tmp.resolve("c" + i), image, netns, limits);
    List<Start> variants = List.of(today, launcher, withCgroup);
    int warmUp = Math.min(20, n);
    double[][] ms = new double[variants.size()][n];
    for (int i = -warmUp; i < n; i++) {
      for (int v = 0; v < variants.size(); v++) {
        long nanos = variants.get(v).once(i + warmUp);
        if (i >= 0) {
          ms[v][i] = nanos / 1e6;
        }
      }
    }
    double processRuntime = median(ms[0]);
    double oneHop = median(ms[1]);
    double cgrouped = median(ms[2]);
    System.out.printf(
        Locale.ROOT,
        "processruntime (setsid nsenter unshare sh sh mount x3 ln env chroot): median %.2f ms, p90 %.2f ms%n",
        processRuntime,
        p90(ms[0]));
    System.out.printf(
        Locale.ROOT,
        "launcher (jocker-launcher, one program): median %.2f ms, p90 %.2f ms%n",
        oneHop,
        p90(ms[1]));
    System.out.printf(
        Locale.ROOT,
        "launcher with a cgroup, limits and the devices list: median %.2f ms, p90 %.2f ms%n",
        cgrouped,
        p90(ms[2]));
    System.out.printf(
        Locale.ROOT, "cgroup and limits add: %.2f ms per start (median)%n", cgrouped - oneHop);
    System.out.printf(
        Locale.ROOT,
        "launcher speedup vs processruntime: %.1fx (N=%d, medians)%n",
        processRuntime / oneHop,
        n);
  }

  /** Starts through today's ProcessRuntime (timed), then kills it and waits for its shim. */
  private static long runtime(Path dir, Path image, Path netns) throws Exception {
    Path state = dir.resolve("state");
    Files.createDirectories(state);
    ContainerFiles.write(state, "172.17.0.2", "bench");
    ProcessSpec spec =
        new ProcessSpec(
            state,
            dir.resolve("data"),
            image,
            netns,
            "bench",
            List.of("sleep", "1000"),
            List.of("PATH=" + ProcessConfig.DEFAULT_PATH),
            false);
    long t0 = System.nanoTime();
    ProcessRuntime.Started started = ProcessRuntime.start(spec);
    long nanos = System.nanoTime() - t0;
    ProcessHandle.of(started.pid()).ifPresent(ProcessHandle::destroyForcibly);
    while (ProcessRuntime.exitCode(state).isEmpty()) {
      Thread.sleep(1);
    }
    return nanos;
  }

  /** Starts through the launcher, then kills it and waits for its shim's record. */
  private static long launcher(Launcher l, Path dir, Path image, Path netns, Resources r)
      throws Exception {
    Path state = dir.resolve("state");
    Files.createDirectories(state);
    ContainerFiles.write(state, "172.17.0.2", "bench");
    String id = dir.getFileName() + "0".repeat(64 - dir.getFileName().toString().length());
    LaunchSpec spec =
        new LaunchSpec(
            id,
            state,
            image,
            dir.resolve("layer"),
            netns,
            "bench",
            List.of("sleep", "1000"),
            List.of(),
            "",
            "",
            false,
            false,
            LaunchSpec.Security.DEFAULT,
            r,
            dir.resolve("layer").resolve("log.json"));
    long t0 = System.nanoTime();
    Started started = l.start(spec);
    long nanos = System.nanoTime() - t0;
    l.signal(id, started, 9);
    // The record, not the shim's PID: an init that reaps late keeps a dead shim's PID a while.
    while (l.exit(spec).isEmpty()) {
      Thread.sleep(1);
    }
    return nanos;
  }

  private static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static double p90(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    return s[(int) (s.length * 0.9)];
  }
}
