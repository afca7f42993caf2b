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
 * Times N container starts through jocker-launcher, daemon side (from the call to the answer with
 * the PID): with every capability and no cgroup, and as Docker starts them (its capability set
 * dropped to, a cgroup with limits and the devices list made and joined), interleaved in the same
 * run; the difference is what capabilities and cgroups cost a start. Run it only inside a throwaway
 * namespace: {@code bench/launcher.sh}.
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
    // Every capability in every set leaves the launcher nothing to drop; with no cgroup, nothing
    // to make, write or join.
    LaunchSpec.Security everything =
        new LaunchSpec.Security(List.of("ALL"), List.of(), false, false, false);
    Start bare =
        i -> launcher(plain, tmp.resolve("b" + i), image, netns, everything, Resources.NONE);
    Start docker =
        i ->
            launcher(
                limited, tmp.resolve("d" + i), image, netns, LaunchSpec.Security.DEFAULT, limits);
    List<Start> variants = List.of(bare, docker);
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
    double without = median(ms[0]);
    double with = median(ms[1]);
    System.out.printf(
        Locale.ROOT,
        "launcher, every capability, no cgroup: median %.2f ms, p90 %.2f ms%n",
        without,
        p90(ms[0]));
    System.out.printf(
        Locale.ROOT,
        "launcher, Docker's capabilities, a cgroup with limits and the devices list: median %.2f"
            + " ms, p90 %.2f ms%n",
        with,
        p90(ms[1]));
    System.out.printf(
        Locale.ROOT,
        "capabilities and cgroup add: %.2f ms per start (medians, N=%d, target <= 2 ms)%n",
        with - without,
        n);
  }

  /** Starts through the launcher, then kills it and waits for its shim's record. */
  private static long launcher(
      Launcher l, Path dir, Path image, Path netns, LaunchSpec.Security security, Resources r)
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
            security,
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
