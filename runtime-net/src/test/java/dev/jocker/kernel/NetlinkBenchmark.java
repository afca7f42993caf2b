package dev.jocker.kernel;

import dev.jocker.ipam.Ipv4;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Times N per-container plumbings (named namespace with IPv6 off, veth with its peer born inside,
 * master, host end up, address, lo and eth0 up, default route) through the Java API and through
 * iproute2 commands, in the same run. Run it only inside a throwaway namespace: {@code
 * bench/netlink.sh}.
 */
public final class NetlinkBenchmark {
  private static final String[] STEPS = {
    "netns add",
    "veth add",
    "master",
    "host end up",
    "addr add",
    "lo up",
    "eth0 up",
    "route add",
    "close"
  };

  private NetlinkBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    NetnsStore store = new NetnsStore(Path.of("/run/netns"));
    try (Netns host = Netns.current()) {
      host.links().addBridge("docker0", 1500, MacAddress.randomDocker());
      host.addrs()
          .add(
              "docker0",
              Ipv4.toInet(Ipv4.parse("172.17.0.1")),
              16,
              Ipv4.toInet(Ipv4.parse("172.17.255.255")));
      host.links().setUp("docker0");
      warmUp(host, store);
      int bridgeIndex = host.links().get("docker0").index();
      double[] java = new double[n];
      double[][] steps = new double[STEPS.length][n];
      long[] laps = new long[STEPS.length + 1];
      for (int i = 0; i < n; i++) {
        plumb(host, store, i, bridgeIndex, laps);
        java[i] = (laps[STEPS.length] - laps[0]) / 1e6;
        for (int s = 0; s < STEPS.length; s++) {
          steps[s][i] = (laps[s + 1] - laps[s]) / 1e6;
        }
      }
      for (int i = 0; i < n; i++) {
        host.links().delete(veth(i));
        store.delete("bench" + i);
      }
      double[] ip = new double[n];
      for (int i = 0; i < n; i++) {
        long t = System.nanoTime();
        sh(iproute2Script(i));
        ip[i] = (System.nanoTime() - t) / 1e6;
      }
      for (int i = 0; i < n; i++) {
        sh("ip link del " + veth(i) + "; ip netns del bench" + i);
      }
      report("jocker (Java API)", java);
      for (int s = 0; s < STEPS.length; s++) {
        report("  " + STEPS[s], steps[s]);
      }
      if (n >= 10) {
        System.out.println("  step medians, first tenth of N -> last tenth:");
        for (int s = 0; s < STEPS.length; s++) {
          System.out.printf(
              Locale.ROOT,
              "    %-22s %.2f -> %.2f ms%n",
              STEPS[s],
              median(Arrays.copyOfRange(steps[s], 0, n / 10)),
              median(Arrays.copyOfRange(steps[s], n - n / 10, n)));
        }
        // Flat when the plumbing alone sets the time; rising when the kernel's work for the earlier
        // containers (every bridge port, every host veth route) weighs on the later ones.
        System.out.print("  median by tenth of N:");
        for (int d = 0; d < 10; d++) {
          System.out.printf(
              Locale.ROOT, " %.2f", median(Arrays.copyOfRange(java, d * n / 10, (d + 1) * n / 10)));
        }
        System.out.println(" ms");
      }
      report("iproute2 (ip commands)", ip);
      System.out.printf(
          Locale.ROOT,
          "netlink speedup vs iproute2: %.1fx (jocker median %.2f ms, iproute2 median %.2f ms, N=%d)%n",
          median(ip) / median(java),
          median(java),
          median(ip),
          n);
    }
  }

  private static void warmUp(Netns host, NetnsStore store) {
    long[] laps = new long[STEPS.length + 1];
    for (int i = 0; i < 50; i++) {
      plumb(host, store, 60_000 + i, host.links().get("docker0").index(), laps);
      host.links().delete(veth(60_000 + i));
      store.delete("bench" + (60_000 + i));
    }
  }

  /**
   * One plumbing; {@code laps[0]} is its start and {@code laps[s + 1]} the end of step {@code s} of
   * {@link #STEPS}: where the time goes, step by step, without a second run.
   */
  private static void plumb(Netns host, NetnsStore store, int i, int bridgeIndex, long[] laps) {
    int address = Ipv4.parse("172.17.0.2") + i;
    laps[0] = System.nanoTime();
    try (Netns ns = store.create("bench" + i, NetlinkBenchmark::ipv6Off)) {
      laps[1] = System.nanoTime();
      Link hostEnd =
          host.links()
              .addVethPair(veth(i), "eth0", ns, MacAddress.forIpv4(Ipv4.toInet(address)), 1500);
      laps[2] = System.nanoTime();
      host.links().setMaster(veth(i), bridgeIndex);
      laps[3] = System.nanoTime();
      host.links().setUp(veth(i));
      laps[4] = System.nanoTime();
      ns.addrs()
          .add(
              hostEnd.linkIndex(),
              Ipv4.toInet(address),
              16,
              Ipv4.toInet(Ipv4.parse("172.17.255.255")));
      laps[5] = System.nanoTime();
      ns.links().setUp("lo");
      laps[6] = System.nanoTime();
      ns.links().setUp("eth0");
      laps[7] = System.nanoTime();
      ns.routes().addDefault(Ipv4.toInet(Ipv4.parse("172.17.0.1")));
      laps[8] = System.nanoTime();
    }
    laps[9] = System.nanoTime();
  }

  /**
   * As jocker's attach and Docker do for a network without IPv6: eth0, born after this, inherits
   * it. Without it every container's DAD, router solicitations and MLD reports flood every bridge
   * port, and at N=1000 that flood, not the plumbing, sets the median.
   */
  private static void ipv6Off(Path ignored) {
    Sysctls.write("net.ipv6.conf.default.disable_ipv6", "1");
  }

  private static String iproute2Script(int i) {
    String ns = "bench" + i;
    String ip = Ipv4.format(Ipv4.parse("172.17.0.2") + i);
    return String.join(
        " && ",
        "ip netns add " + ns,
        "ip netns exec " + ns + " sysctl -qw net.ipv6.conf.default.disable_ipv6=1",
        "ip link add " + veth(i) + " type veth peer name eth0 netns " + ns,
        "ip link set " + veth(i) + " master docker0",
        "ip link set " + veth(i) + " up",
        "ip -n " + ns + " addr add " + ip + "/16 brd 172.17.255.255 dev eth0",
        "ip -n " + ns + " link set lo up",
        "ip -n " + ns + " link set eth0 up",
        "ip -n " + ns + " route add default via 172.17.0.1");
  }

  private static String veth(int i) {
    return "vb" + Integer.toHexString(i);
  }

  private static void sh(String script) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("sh", "-c", script).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException("failed: " + script);
    }
  }

  private static void report(String what, double[] ms) {
    System.out.printf(
        Locale.ROOT,
        "%-26s median %.2f ms  p99 %.2f ms  total %.0f ms%n",
        what,
        median(ms),
        percentile(ms, 0.99),
        Arrays.stream(ms).sum());
  }

  private static double median(double[] ms) {
    return percentile(ms, 0.5);
  }

  private static double percentile(double[] ms, double p) {
    List<Double> sorted = new ArrayList<>();
    for (double d : ms) {
      sorted.add(d);
    }
    sorted.sort(null);
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }
}
