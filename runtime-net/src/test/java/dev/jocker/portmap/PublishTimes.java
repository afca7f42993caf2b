package dev.jocker.portmap;

import dev.jocker.firewall.Firewall;
import dev.jocker.firewall.Iptables;
import dev.jocker.ipam.Ipv4;
import dev.jocker.kernel.Netns;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What publishing {@code -p 8080:80} costs a container's start and stop, N times on docker0 in the
 * calling namespace: the allocation (host ports and the proxy's IPv4 and :: listeners), the rules
 * (one iptables-restore), and the release (listeners closed, rules deleted).
 */
final class PublishTimes {
  private PublishTimes() {}

  static void run(int n) {
    try (Netns host = Netns.current();
        UserlandProxy proxy = new UserlandProxy(host, UserlandProxy.defaultThreads(2))) {
      host.links().addBridge("docker0", 1500, null);
      host.addrs()
          .add(
              "docker0",
              Ipv4.toInet(Ipv4.parse("172.17.0.1")),
              16,
              Ipv4.toInet(Ipv4.parse("172.17.255.255")));
      host.links().setUp("docker0");
      Firewall firewall = new Firewall(new Iptables(null));
      firewall.ensure(PortRules.bridgeRules("docker0", "172.17.0.0/16", "DOCKER", true));
      PortMapper mapper =
          new PortMapper(
              firewall, "DOCKER", new PortAllocator(32768, 60999), proxy, true, "0.0.0.0");
      MemoryPortStore store = new MemoryPortStore();
      List<PortRequest> requests = List.of(new PortRequest("tcp", 80, "", 8080, 8080));
      double[] allocate = new double[n];
      double[] program = new double[n];
      double[] release = new double[n];
      for (int i = -20; i < n; i++) {
        long t0 = System.nanoTime();
        List<PublishedPort> ports = mapper.allocate(store, "c", "docker0", "172.17.0.2", requests);
        long t1 = System.nanoTime();
        mapper.program(ports);
        long t2 = System.nanoTime();
        mapper.release(store, ports);
        long t3 = System.nanoTime();
        if (i >= 0) {
          allocate[i] = (t1 - t0) / 1e6;
          program[i] = (t2 - t1) / 1e6;
          release[i] = (t3 - t2) / 1e6;
        }
      }
      System.out.printf(
          Locale.ROOT,
          "publish -p 8080:80, median of %d: allocate (ports, proxy listeners) %.3f ms, rules"
              + " (iptables-restore) %.3f ms, release %.3f ms%n",
          n,
          median(allocate),
          median(program),
          median(release));
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
