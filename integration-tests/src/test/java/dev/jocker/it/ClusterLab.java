package dev.jocker.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.cluster.EtcdServer;
import dev.jocker.cluster.Underlay;
import dev.jocker.testing.Sandbox;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Several jocker hosts in one sandbox, each a machine of its own: its own network namespace on an
 * underlay bridge (192.0.2.N/24, default route via the lan), its own mount namespace (a private
 * /run, so its containers' namespaces are its own), its own hostname (UTS namespace), and its own
 * jockerd with its data root, exec root and socket, joined to one etcd. The sandbox's host
 * namespace is the lan: the underlay bridge, etcd on 192.0.2.254:2379, and the router to "the
 * internet" (198.51.100.1), which routes the underlay back. The test JVM reaches etcd over a veth
 * of its own into the lan, to read what the hosts wrote.
 */
final class ClusterLab implements AutoCloseable {
  static final String ETCD = "192.0.2.254";
  static final String STORE = "etcd://" + ETCD + ":2379";
  static final int TTL_SECONDS = 6;
  private static final ObjectMapper JSON = new ObjectMapper();

  final Sandbox sandbox;
  final Sandbox.Namespace lan;
  private final Path dir;
  private final String tag;
  private final List<Host> hosts = new ArrayList<>();
  private EtcdServer etcd;
  private Client client;

  /** One machine of the cluster: namespaces held by a process of their own, and its jockerd. */
  final class Host implements AutoCloseable {
    final String name;
    final Sandbox.Namespace ns;
    private final Process holder;
    final Jockerd daemon;

    private Host(int n, String... extraArgs) {
      this.name = "host" + n;
      this.ns = new Sandbox.Namespace("jk-h" + n + "-" + tag);
      Sandbox.Command.run(List.of("ip", "netns", "add", ns.name()));
      lan.run(
          "ip",
          "link",
          "add",
          "up-h" + n,
          "type",
          "veth",
          "peer",
          "name",
          "eth0",
          "netns",
          ns.name());
      lan.run("ip", "link", "set", "up-h" + n, "master", "under0", "up");
      ns.run("ip", "addr", "add", "192.0.2." + n + "/24", "dev", "eth0");
      ns.run("ip", "link", "set", "eth0", "up");
      ns.run("ip", "link", "set", "lo", "up");
      ns.run("ip", "route", "add", "default", "via", ETCD);
      this.holder =
          sandbox.start(
              ns,
              new ProcessBuilder(
                      "unshare",
                      "--mount",
                      "--uts",
                      "--propagation",
                      "private",
                      "--",
                      "sh",
                      "-c",
                      "mount -t tmpfs -o mode=755 jocker-run /run && mkdir -p /run/netns /run/lock"
                          + " && hostname "
                          + name
                          + " && echo ready && exec sleep 100000")
                  .redirectErrorStream(true));
      try {
        String line =
            new BufferedReader(
                    new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))
                .readLine();
        if (!"ready".equals(line)) {
          throw new AssertionError(name + "'s namespaces: " + line);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      // Options given first win: the daemon reads the first of a repeated option.
      List<String> args = new ArrayList<>(List.of(extraArgs));
      args.addAll(
          List.of(
              "--exec-root",
              "/run/jocker-" + name,
              "--cluster-store",
              STORE,
              "--cluster-advertise",
              "eth0:2376",
              "--cluster-store-opt",
              "discovery.ttl=" + TTL_SECONDS));
      this.daemon =
          new Jockerd(sandbox, dir.resolve(name))
              .enteringWith(enter())
              .withArgs(args.toArray(String[]::new));
    }

    /** The command prefix that enters this machine: its network, mount and UTS namespaces. */
    List<String> enter() {
      return List.of(
          "nsenter", "-t", Long.toString(holder.pid()), "--net", "--mount", "--uts", "--");
    }

    /** Runs the CLI against this host's jockerd and fails the test on a non-zero exit. */
    String ok(String... args) {
      return daemon.ok(args);
    }

    /** Runs a command on this machine (its namespaces) and returns its output. */
    Sandbox.Command.Result exec(String... command) {
      List<String> full = new ArrayList<>(enter());
      full.addAll(List.of(command));
      return Sandbox.Command.exec(full);
    }

    /** {@code bridge -j fdb show dev DEVICE}: the remote entries as "MAC dst VTEP". */
    List<String> fdb(String device) {
      List<String> out = new ArrayList<>();
      for (JsonNode e : json(ns.run("bridge", "-j", "fdb", "show", "dev", device))) {
        if (e.has("dst")) {
          out.add(e.get("mac").asText() + " dst " + e.get("dst").asText());
        }
      }
      return out;
    }

    /** {@code ip -j neigh show dev DEVICE}: the permanent entries as "IP lladdr MAC". */
    List<String> neighbours(String device) {
      List<String> out = new ArrayList<>();
      for (JsonNode n : json(ns.run("ip", "-j", "neigh", "show", "dev", device))) {
        if (n.get("state").toString().contains("PERMANENT")) {
          out.add(n.get("dst").asText() + " lladdr " + n.get("lladdr").asText());
        }
      }
      return out;
    }

    /** The names of this machine's links. */
    String links() {
      return ns.run("ip", "-o", "link");
    }

    /**
     * kill -9 of jockerd and of every process in its containers' namespaces: the machine's network
     * and mount namespaces stay, as after a crash of everything jocker runs.
     */
    void killEverything() {
      daemon.kill();
      Sandbox.Command.Result pids =
          exec(
              "sh",
              "-c",
              "for ns in /run/netns/*; do [ -e \"$ns\" ] && ip netns pids \"${ns##*/}\"; done;"
                  + " true");
      for (String pid : pids.stdout().split("\\s+")) {
        if (!pid.isBlank()) {
          ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    }

    @Override
    public void close() {
      killEverything();
      daemon.removeCgroups();
      holder.destroyForcibly();
      try {
        holder.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  ClusterLab(Sandbox sandbox, Path dir) {
    this.sandbox = sandbox;
    this.dir = dir;
    this.lan = sandbox.host();
    this.tag = lan.name().substring(lan.name().length() - 6);
    Sandbox.Namespace internet = sandbox.internet();
    internet.run("ip", "route", "add", "192.0.2.0/24", "via", Sandbox.UPLINK_ADDRESS);
    lan.run("sysctl", "-qw", "net.ipv4.ip_forward=1");
    Underlay.build(lan, tag, ETCD);
  }

  /** Starts etcd in the lan. */
  ClusterLab startEtcd() {
    etcd = EtcdServer.start(sandbox, lan, ETCD);
    return this;
  }

  /** The etcd server, to stop and restart it. */
  EtcdServer etcd() {
    return etcd;
  }

  /** Machine number {@code n} at 192.0.2.N, its jockerd not started yet. */
  Host addHost(int n, String... extraDaemonArgs) {
    Host host = new Host(n, extraDaemonArgs);
    hosts.add(host);
    return host;
  }

  /** Every key under {@code prefix} in etcd and its value, read now. */
  Map<String, String> etcdKeys(String prefix) throws Exception {
    if (client == null) {
      client = Client.builder().endpoints(URI.create(etcd.url())).build();
    }
    Map<String, String> out = new LinkedHashMap<>();
    client
        .getKVClient()
        .get(
            ByteSequence.from(prefix, StandardCharsets.UTF_8),
            GetOption.builder().isPrefix(true).build())
        .get(10, TimeUnit.SECONDS)
        .getKvs()
        .forEach(
            kv ->
                out.put(
                    kv.getKey().toString(StandardCharsets.UTF_8),
                    kv.getValue().toString(StandardCharsets.UTF_8)));
    return out;
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text.isBlank() ? "[]" : text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (client != null) {
      client.close();
    }
    hosts.forEach(Host::close);
    if (etcd != null) {
      etcd.close();
    }
  }
}
