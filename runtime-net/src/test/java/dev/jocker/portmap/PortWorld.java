package dev.jocker.portmap;

import dev.jocker.bridge.BridgeConfig;
import dev.jocker.bridge.BridgeDriver;
import dev.jocker.bridge.Endpoint;
import dev.jocker.firewall.Firewall;
import dev.jocker.firewall.Iptables;
import dev.jocker.firewall.IptablesSave;
import dev.jocker.ipam.Ipv4;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NetnsStore;
import dev.jocker.kernel.Sysctls;
import dev.jocker.network.NetworkController;
import dev.jocker.testing.Sandbox;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One privileged test's host: bridges and containers made with jocker's kernel API in the sandbox's
 * "host" namespace, the bridges' rules for the proxy mode, a userland proxy and a port mapper, and
 * small servers and clients run inside namespaces (Java threads that entered them).
 */
final class PortWorld implements AutoCloseable {
  final Sandbox sandbox;
  final boolean userlandProxy;
  final Netns host;
  final NetnsStore namespaces = new NetnsStore(Path.of("/run/netns"));
  final Firewall firewall;
  final UserlandProxy proxy;
  final PortAllocator allocator;
  final PortMapper mapper;
  final MemoryPortStore store;
  private final List<Closeable> servers = new ArrayList<>();

  PortWorld(Sandbox sandbox, boolean userlandProxy) {
    this(sandbox, userlandProxy, new MemoryPortStore());
  }

  /** A world whose ports are recorded in {@code store}, as a restarted daemon finds its store. */
  PortWorld(Sandbox sandbox, boolean userlandProxy, MemoryPortStore store) {
    this.sandbox = sandbox;
    this.store = store;
    this.userlandProxy = userlandProxy;
    this.host = Netns.open(sandbox.host().path());
    this.firewall = new Firewall(new Iptables(sandbox.host().path()));
    this.proxy = new UserlandProxy(host, 2);
    this.allocator =
        PortAllocator.ofLocalPortRange(host.sysctls().get("net.ipv4.ip_local_port_range"));
    this.mapper = new PortMapper(firewall, "DOCKER", allocator, proxy, userlandProxy, "0.0.0.0");
  }

  /** A bridge with Docker's rules for the mode, as Docker's bridge driver sets it up. */
  BridgeDriver bridge(String name, String bip) {
    BridgeDriver bridge =
        new BridgeDriver(
            BridgeConfig.of(name, bip, 1500, false, true, "DOCKER"),
            host,
            sandbox.host().path(),
            null);
    bridge.setup();
    String subnet = bridge.config().subnet().toString();
    firewall.ensure(PortRules.bridgeRules(name, subnet, "DOCKER", userlandProxy));
    firewall.setForwardPolicy("DROP");
    if (!userlandProxy) {
      HairpinNat.enableLocalRouting(host, name);
    }
    return bridge;
  }

  /** A container namespace on {@code bridge} at {@code address}; hairpin on without the proxy. */
  Endpoint container(BridgeDriver bridge, String name, String address) {
    Endpoint e;
    try (Netns ns =
        namespaces.create(name, p -> Sysctls.write(NetworkController.SANDBOX_SYSCTLS))) {
      ns.links().setUp("lo");
      e = bridge.join(ns, BridgeDriver.newVethName(), "eth0", Ipv4.parse(address), true);
    }
    if (!userlandProxy) {
      HairpinNat.enableOnPort(host, host.links().get(e.hostVeth()).index(), e.hostVeth());
    }
    return e;
  }

  /** Allocates and programs {@code specs} for a container, as the controller will. */
  List<PublishedPort> publish(String owner, Endpoint e, String bridge, String... specs) {
    return publish(owner, e.address().getHostAddress(), bridge, specs);
  }

  /** As {@link #publish(String, Endpoint, String, String...)} for the container at {@code ip}. */
  List<PublishedPort> publish(String owner, String ip, String bridge, String... specs) {
    PortConfig c = PortSpecs.parse(List.of(specs), List.of());
    List<PublishedPort> ports =
        mapper.allocate(
            store, owner, bridge, ip, PortPlan.requests(c.exposedPorts(), c.portBindings(), false));
    mapper.program(ports);
    return ports;
  }

  /** The host's rules, as iptables-save prints them without counters and comments. */
  String rules() {
    return IptablesSave.normalise(sandbox.host().run("iptables-save"));
  }

  /** Busybox httpd serving "hello from NAME" on port 80 of the container's namespace. */
  void httpd(String netns) throws IOException {
    Path www = Files.createTempDirectory("jocker-www");
    www.toFile().deleteOnExit();
    Files.writeString(www.resolve("index.html"), "hello from " + netns + "\n");
    www.resolve("index.html").toFile().deleteOnExit();
    sandbox.start(
        new Sandbox.Namespace(netns),
        new ProcessBuilder("busybox", "httpd", "-f", "-p", "80", "-h", www.toString()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      try {
        inside(
            namespaces.path(netns),
            () -> {
              try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 80), 1000);
              }
              return null;
            });
        return;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          throw notYet;
        }
      }
    }
  }

  /** A TCP server in {@code netns} answering each connection with "you are SOURCE-ADDRESS". */
  void whoamiTcp(String netns, int port) throws IOException {
    ServerSocket server =
        inside(
            namespaces.path(netns),
            () -> {
              ServerSocket s = new ServerSocket();
              s.bind(new InetSocketAddress(port));
              return s;
            });
    servers.add(server);
    Thread t =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try (Socket c = server.accept()) {
                  c.getOutputStream()
                      .write(
                          ("you are " + c.getInetAddress().getHostAddress() + "\n")
                              .getBytes(StandardCharsets.UTF_8));
                } catch (IOException closed) {
                  return;
                }
              }
            },
            "whoami-tcp-" + netns);
    t.setDaemon(true);
    t.start();
  }

  /** A UDP server in {@code netns} answering each datagram with "you are SOURCE-ADDRESS". */
  void whoamiUdp(String netns, int port) throws IOException {
    DatagramSocket server =
        inside(namespaces.path(netns), () -> new DatagramSocket(new InetSocketAddress(port)));
    servers.add(server);
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[2048];
              while (!server.isClosed()) {
                try {
                  DatagramPacket p = new DatagramPacket(buf, buf.length);
                  server.receive(p);
                  byte[] reply =
                      ("you are " + p.getAddress().getHostAddress())
                          .getBytes(StandardCharsets.UTF_8);
                  server.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                } catch (IOException closed) {
                  return;
                }
              }
            },
            "whoami-udp-" + netns);
    t.setDaemon(true);
    t.start();
  }

  /**
   * The first line a TCP server at {@code address}:{@code port} sends to a client in {@code ns}.
   */
  static String tcp(Path ns, String address, int port) throws IOException {
    return inside(
        ns,
        () -> {
          try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(address), port), 3000);
            s.setSoTimeout(3000);
            return new BufferedReader(
                    new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
                .readLine();
          }
        });
  }

  /** The answer to one datagram sent from {@code ns} to {@code address}:{@code port}. */
  static String udp(Path ns, String address, int port) throws IOException {
    return inside(
        ns,
        () -> {
          try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(3000);
            byte[] hi = "hi".getBytes(StandardCharsets.UTF_8);
            s.send(new DatagramPacket(hi, hi.length, InetAddress.getByName(address), port));
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            s.receive(p);
            return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
          }
        });
  }

  /** The page busybox wget fetches from {@code url} inside {@code ns}, or its error. */
  String wget(String ns, String url) {
    Sandbox.Command.Result r =
        new Sandbox.Namespace(ns).exec("timeout", "5", "busybox", "wget", "-q", "-O", "-", url);
    return r.exitCode() == 0 ? r.stdout().strip() : "wget exited " + r.exitCode();
  }

  /** Runs {@code task} on a thread inside the namespace at {@code ns}. */
  static <T> T inside(Path ns, Callable<T> task) throws IOException {
    try (Netns n = Netns.open(ns)) {
      CompletableFuture<T> result = new CompletableFuture<>();
      n.newThread(
              "test-in-" + ns.getFileName(),
              () -> {
                try {
                  result.complete(task.call());
                } catch (Throwable t) {
                  result.completeExceptionally(t);
                }
              })
          .start();
      try {
        return result.get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof IOException io) {
          throw io;
        }
        throw new AssertionError("a task in " + ns + " failed", e.getCause());
      } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
        throw new AssertionError("no answer from a task in " + ns, e);
      }
    }
  }

  @Override
  public void close() {
    for (Closeable c : servers) {
      try {
        c.close();
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
    proxy.close();
    host.close();
  }
}
