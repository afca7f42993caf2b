package dev.jocker.cni;

import dev.jocker.bridge.BridgeDriver;
import dev.jocker.bridge.Crashpoints;
import dev.jocker.firewall.Firewall;
import dev.jocker.firewall.Iptables;
import dev.jocker.firewall.IptablesException;
import dev.jocker.firewall.Rule;
import dev.jocker.firewall.RuleSet;
import dev.jocker.ipam.Ipam;
import dev.jocker.ipam.IpamException;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.LeaseStore;
import dev.jocker.ipam.Pool;
import dev.jocker.ipam.Subnet;
import dev.jocker.kernel.Addr;
import dev.jocker.kernel.KernelException;
import dev.jocker.kernel.Link;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NotFoundException;
import dev.jocker.kernel.Route;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Phase 1's {@link CniBackend}: drives the kernel layer (bridge, veth, addresses, routes), jocker's
 * {@link Ipam} and the {@link Firewall} itself, with its state in files ({@link CniState}). The
 * network controller replaces it in phase 2; until then it is what jockerd's {@code /jocker/cni}
 * endpoint and the in-process plugin both run, one operation per network at a time under a file
 * lock, so the two never disagree.
 */
public final class DirectBackend implements CniBackend {
  private static final Logger LOG = LogManager.getLogger(DirectBackend.class);
  private static final int LOCK_SECONDS = 60;

  /**
   * How long a long-lived process (jockerd) trusts that a network's bridge and rules are as it left
   * them before it checks again: an ADD within that time runs no iptables at all.
   */
  private static final long TRUST_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final CniState state;
  private final Netns host;
  private final Firewall firewall;
  private final Map<String, Long> trustedUntil = new ConcurrentHashMap<>();
  private final Map<String, CachedPool> pools = new ConcurrentHashMap<>();

  private record CachedPool(Ipam ipam, NetConf.JockerIpam pool, FileTime leasesChanged) {}

  /**
   * A backend keeping its state under {@code dataDir}, with bridges in {@code host} (the runtime's
   * namespace); {@code hostPath} names that namespace for iptables (null: the caller's own).
   */
  public DirectBackend(Path dataDir, Netns host, Path hostPath) {
    this.state = new CniState(dataDir);
    this.host = host;
    this.firewall = new Firewall(new Iptables(hostPath));
  }

  @Override
  public Attached attach(Attachment a) {
    BridgeNetwork n = a.network();
    AttachmentKey k = a.key();
    try {
      return state.locked(n.name(), LOCK_SECONDS, () -> attachLocked(a));
    } catch (RuntimeException e) {
      throw failure(e);
    }
  }

  private Attached attachLocked(Attachment a) {
    BridgeNetwork n = a.network();
    AttachmentKey k = a.key();
    Optional<CniState.Record> existing = state.attachment(n.name(), k.containerId(), k.ifname());
    if (existing.isPresent()) {
      CniState.Record r = existing.get();
      if (r.state().equals("added")) {
        throw new CniException(
            CniException.ALREADY_ATTACHED,
            "already attached",
            "container "
                + k.containerId()
                + " has "
                + k.ifname()
                + " on network "
                + n.name()
                + " already ("
                + r.address()
                + "/"
                + r.prefixLength()
                + ", "
                + r.hostVeth()
                + "); DEL it before adding it again");
      }
      LOG.warn(
          "network {}: rolling back the unfinished ADD of {} ({})",
          n.name(),
          r.key(),
          r.hostVeth());
      remove(n.name(), r, true);
    }
    try (Netns ns = openNetns(a.netns())) {
      if (interfaceIn(ns, a.netns(), k.ifname())) {
        throw new CniException(
            CniException.INTERFACE_EXISTS,
            "interface exists",
            "the namespace " + a.netns() + " has an interface " + k.ifname() + " already");
      }
      return attachInto(a, ns);
    }
  }

  private Attached attachInto(Attachment a, Netns ns) {
    BridgeNetwork n = a.network();
    AttachmentKey k = a.key();
    Subnet subnet;
    Integer gateway;
    if (a.given() != null) {
      subnet = Subnet.containing(Ipv4.format(a.given().address()) + "/" + a.given().prefixLength());
      gateway = a.given().gateway() != null ? a.given().gateway() : subnet.firstHost();
    } else {
      subnet = n.pool().subnet();
      gateway = n.pool().gateway();
    }
    Link bridge = ensureNetwork(n, subnet, n.isGateway() ? gateway : null);
    String veth = BridgeDriver.newVethName();
    IntFunction<CniState.Record> record =
        address ->
            new CniState.Record(
                k.containerId(),
                k.ifname(),
                a.netns(),
                veth,
                Ipv4.format(address),
                subnet.prefixLength(),
                gateway == null ? null : Ipv4.format(gateway),
                a.given() == null,
                a.routes().stream().map(DirectBackend::routeText).toList(),
                "adding");
    int address;
    if (a.given() != null) {
      address = a.given().address();
      state.writeAttachment(n.name(), record.apply(address));
    } else {
      address = allocate(n, k, record);
    }
    CniState.Record written = record.apply(address);
    Crashpoints.reach("cni-attach:recorded");
    boolean vethMade = false;
    try {
      Inet4Address ip = Ipv4.toInet(address);
      MacAddress mac = MacAddress.forIpv4(ip);
      Link hostEnd;
      try {
        hostEnd = host.links().addVethPair(veth, k.ifname(), ns, mac, n.mtu());
      } catch (dev.jocker.kernel.AlreadyExistsException e) {
        throw new CniException(
            CniException.INTERFACE_EXISTS,
            "interface exists",
            "creating "
                + veth
                + " with its peer "
                + k.ifname()
                + " in "
                + a.netns()
                + ": "
                + e.getMessage());
      }
      vethMade = true;
      Crashpoints.reach("cni-attach:veth");
      host.links().setMaster(veth, bridge.index());
      host.links().setUp(veth);
      if (n.hairpin()) {
        host.links().setHairpin(veth, true);
      }
      ns.addrs()
          .add(hostEnd.linkIndex(), ip, subnet.prefixLength(), Ipv4.toInet(subnet.broadcast()));
      Crashpoints.reach("cni-attach:address");
      ns.links().setUp(k.ifname());
      for (RouteSpec r : a.routes()) {
        ns.routes().add(route(r, hostEnd.linkIndex()));
      }
      state.writeAttachment(n.name(), written.added());
      return new Attached(
          bridge.mac(), veth, hostEnd.mac(), mac, ip, subnet.prefixLength(), gateway, a.routes());
    } catch (RuntimeException e) {
      // The bridge may be what failed (deleted behind jocker's back): check it in full next time.
      trustedUntil.remove(n.name());
      try {
        remove(n.name(), written, vethMade);
        if (!state.hasAttachments(n.name())) {
          state.meta(n.name()).ifPresent(m -> teardown(n.name(), m));
        }
      } catch (RuntimeException undo) {
        e.addSuppressed(undo);
      }
      throw e instanceof CniException c ? c : failure(e);
    }
  }

  /** Leases the lowest free address; the attachment's record is written before its lease. */
  private int allocate(BridgeNetwork n, AttachmentKey k, IntFunction<CniState.Record> record) {
    CachedPool cached = pool(n);
    LeaseStore leases =
        new LeaseStore() {
          @Override
          public void insertLease(String networkId, int address, String owner) {
            CniState.Record r = record.apply(address);
            state.writeAttachment(networkId, r);
            try {
              state.insertLease(networkId, address, owner);
            } catch (RuntimeException e) {
              state.deleteAttachment(networkId, r);
              throw e;
            }
          }

          @Override
          public void deleteLease(String networkId, int address) {
            state.deleteLease(networkId, address);
          }

          @Override
          public Map<Integer, String> leases(String networkId) {
            return state.leasedAddresses(networkId);
          }

          @Override
          public void onRollback(Runnable undo) {}
        };
    try {
      int address =
          cached.ipam().allocate(leases, n.name(), null, k.containerId() + "@" + k.ifname());
      pools.put(n.name(), new CachedPool(cached.ipam(), n.pool(), state.leasesChanged(n.name())));
      return address;
    } catch (IpamException e) {
      pools.remove(n.name());
      throw new CniException(CniException.NO_FREE_ADDRESS, "no free address", e.getMessage());
    } catch (RuntimeException e) {
      pools.remove(n.name());
      throw e;
    }
  }

  /** The network's pool, from the lease files unless they are unchanged since the last look. */
  private CachedPool pool(BridgeNetwork n) {
    FileTime changed = state.leasesChanged(n.name());
    CachedPool cached = pools.get(n.name());
    if (cached != null
        && cached.pool().equals(n.pool())
        && cached.leasesChanged().equals(changed)) {
      return cached;
    }
    NetConf.JockerIpam p = n.pool();
    Ipam ipam = new Ipam();
    LeaseStore view =
        new LeaseStore() {
          @Override
          public void insertLease(String networkId, int address, String owner) {
            throw new IllegalStateException("registering a pool leases nothing");
          }

          @Override
          public void deleteLease(String networkId, int address) {
            throw new IllegalStateException("registering a pool releases nothing");
          }

          @Override
          public Map<Integer, String> leases(String networkId) {
            return state.leasedAddresses(networkId);
          }

          @Override
          public void onRollback(Runnable undo) {}
        };
    try {
      ipam.register(
          view,
          n.name(),
          n.name(),
          Pool.of(p.subnet().toString(), null, Ipv4.format(p.gateway())),
          p.first(),
          p.last());
    } catch (IpamException e) {
      throw new CniException(
          CniException.INVALID_CONFIG, "invalid network configuration", e.getMessage());
    }
    CachedPool fresh = new CachedPool(ipam, p, changed);
    pools.put(n.name(), fresh);
    return fresh;
  }

  /**
   * The network's bridge as its first attachment sets it up (device, gateway address, up,
   * forwarding, rules), checked again at most every {@link #TRUST_NANOS}.
   */
  private Link ensureNetwork(BridgeNetwork n, Subnet subnet, Integer bridgeAddress) {
    String gatewayText = bridgeAddress == null ? null : Ipv4.format(bridgeAddress);
    Optional<CniState.Meta> recorded = state.meta(n.name());
    CniState.Meta meta;
    if (recorded.isPresent()) {
      CniState.Meta m = recorded.get();
      boolean same =
          m.bridge().equals(n.bridge())
              && m.subnet().equals(subnet.toString())
              && m.ipMasq() == n.ipMasq()
              && java.util.Objects.equals(m.gateway(), gatewayText);
      if (!same) {
        if (state.hasAttachments(n.name())) {
          throw new CniException(
              CniException.INVALID_CONFIG,
              "invalid network configuration",
              "network "
                  + n.name()
                  + " has containers on bridge "
                  + m.bridge()
                  + " with subnet "
                  + m.subnet()
                  + (m.ipMasq() ? "" : " without ipMasq")
                  + "; its configuration now says bridge "
                  + n.bridge()
                  + ", subnet "
                  + subnet
                  + ": DEL those containers first");
        }
        teardown(n.name(), m);
        meta = newNetwork(n, subnet, gatewayText);
      } else {
        meta = m;
        Long until = trustedUntil.get(n.name());
        if (until != null && System.nanoTime() < until) {
          Optional<Link> bridge = host.links().find(n.bridge());
          if (bridge.isPresent()) {
            return bridge.get();
          }
        }
      }
    } else {
      meta = newNetwork(n, subnet, gatewayText);
    }
    Link bridge = setUpBridge(n, meta, subnet, bridgeAddress);
    trustedUntil.put(n.name(), System.nanoTime() + TRUST_NANOS);
    return bridge;
  }

  private CniState.Meta newNetwork(BridgeNetwork n, Subnet subnet, String gatewayText) {
    for (String other : state.networks()) {
      if (!other.equals(n.name())) {
        Optional<CniState.Meta> m = state.meta(other);
        if (m.isPresent() && m.get().bridge().equals(n.bridge())) {
          throw new CniException(
              CniException.INVALID_CONFIG,
              "invalid network configuration",
              "bridge "
                  + n.bridge()
                  + " carries network "
                  + other
                  + " already; give "
                  + n.name()
                  + " a bridge of its own");
        }
      }
    }
    CniState.Meta meta =
        new CniState.Meta(
            n.bridge(),
            subnet.toString(),
            gatewayText,
            n.ipMasq(),
            host.links().find(n.bridge()).isEmpty());
    // Recorded before the bridge exists, so that a crash right after creating it still deletes it.
    state.writeMeta(n.name(), meta);
    return meta;
  }

  private Link setUpBridge(BridgeNetwork n, CniState.Meta meta, Subnet subnet, Integer address) {
    Link bridge =
        host.links()
            .find(n.bridge())
            .orElseGet(
                () -> host.links().addBridge(n.bridge(), n.mtu(), MacAddress.randomDocker()));
    if (!"bridge".equals(bridge.kind())) {
      throw new CniException(
          CniException.INVALID_CONFIG,
          "invalid network configuration",
          n.bridge() + " exists and is a " + bridge.kind() + " device, not a bridge");
    }
    if (address != null) {
      Inet4Address ip = Ipv4.toInet(address);
      boolean has =
          host.addrs().list().stream()
              .anyMatch(x -> x.linkIndex() == bridge.index() && ip.equals(x.address()));
      if (!has) {
        host.addrs()
            .add(bridge.index(), ip, subnet.prefixLength(), Ipv4.toInet(subnet.broadcast()));
      }
    }
    if (!bridge.up()) {
      host.links().setUp(n.bridge());
    }
    if (address != null && !"1".equals(host.sysctls().get("net.ipv4.ip_forward"))) {
      // As jockerd (and Docker) do when they turn forwarding on: the host must not become an open
      // router; the network's own FORWARD rules let its containers through.
      host.sysctls().set("net.ipv4.ip_forward", "1");
      firewall.setForwardPolicy("DROP");
    }
    firewall.ensure(rules(meta));
    return host.links().get(n.bridge());
  }

  private static RuleSet rules(CniState.Meta meta) {
    return CniRules.of(meta.bridge(), Subnet.parse(meta.subnet()), meta.ipMasq());
  }

  /** Removes the network's rules and the bridge jocker made (its last attachment went). */
  private void teardown(String network, CniState.Meta meta) {
    trustedUntil.remove(network);
    pools.remove(network);
    firewall.delete(rules(meta).rules());
    if (meta.bridgeCreated()) {
      try {
        host.links().delete(meta.bridge());
      } catch (NotFoundException gone) {
        LOG.debug("bridge {} already gone", meta.bridge());
      }
    }
    state.deleteMeta(network);
  }

  /** Deletes an attachment's veth (and so its peer), lease and record, whatever is left. */
  private void remove(String network, CniState.Record r, boolean deleteVeth) {
    if (deleteVeth) {
      try {
        host.links().delete(r.hostVeth());
      } catch (NotFoundException gone) {
        LOG.debug("veth {} already gone", r.hostVeth());
      }
    }
    if (r.leased()) {
      int address = Ipv4.parse(r.address());
      if (state.leaseOwner(network, address).filter(r.key()::equals).isPresent()) {
        state.deleteLease(network, address);
      }
    }
    state.deleteAttachment(network, r);
  }

  @Override
  public void detach(AttachmentKey k, BridgeNetwork n) {
    try {
      state.locked(
          n.name(),
          LOCK_SECONDS,
          () -> {
            state
                .attachment(n.name(), k.containerId(), k.ifname())
                .ifPresent(r -> remove(n.name(), r, true));
            if (!state.hasAttachments(n.name())) {
              state.meta(n.name()).ifPresent(m -> teardown(n.name(), m));
            }
            return null;
          });
    } catch (RuntimeException e) {
      throw failure(e);
    }
  }

  @Override
  public void check(AttachmentKey k, BridgeNetwork n, String expectedAddress) {
    try {
      state.locked(n.name(), LOCK_SECONDS, () -> checkLocked(k, n, expectedAddress));
    } catch (RuntimeException e) {
      throw failure(e);
    }
  }

  private Void checkLocked(AttachmentKey k, BridgeNetwork n, String expectedAddress) {
    CniState.Record r =
        state
            .attachment(n.name(), k.containerId(), k.ifname())
            .orElseThrow(
                () ->
                    new CniException(
                        CniException.UNKNOWN_CONTAINER,
                        "unknown container",
                        "container "
                            + k.containerId()
                            + " has no "
                            + k.ifname()
                            + " on network "
                            + n.name()));
    List<String> problems = problems(n, r, expectedAddress);
    if (!problems.isEmpty()) {
      throw new CniException(
          CniException.ATTACHMENT_DAMAGED,
          "attachment damaged",
          "container "
              + k.containerId()
              + " on network "
              + n.name()
              + ": "
              + String.join("; ", problems));
    }
    return null;
  }

  private List<String> problems(BridgeNetwork n, CniState.Record r, String expectedAddress) {
    List<String> problems = new ArrayList<>();
    String cidr = r.address() + "/" + r.prefixLength();
    if (!r.state().equals("added")) {
      problems.add("its ADD did not finish");
      return problems;
    }
    if (expectedAddress != null && !expectedAddress.equals(cidr)) {
      problems.add("prevResult shows " + expectedAddress + " but it was given " + cidr);
    }
    Optional<CniState.Meta> meta = state.meta(n.name());
    Optional<Link> bridge = host.links().find(n.bridge());
    if (bridge.isEmpty()) {
      problems.add("bridge " + n.bridge() + " is missing");
    } else {
      if (!bridge.get().up()) {
        problems.add("bridge " + n.bridge() + " is down");
      }
      if (r.gateway() != null && n.isGateway()) {
        Inet4Address gw = Ipv4.toInet(Ipv4.parse(r.gateway()));
        boolean has =
            host.addrs().list().stream()
                .anyMatch(x -> x.linkIndex() == bridge.get().index() && gw.equals(x.address()));
        if (!has) {
          problems.add("bridge " + n.bridge() + " lacks its address " + r.gateway());
        }
      }
    }
    Optional<Link> veth = host.links().find(r.hostVeth());
    if (veth.isEmpty()) {
      problems.add("veth " + r.hostVeth() + " is missing");
    } else {
      if (bridge.isPresent() && veth.get().masterIndex() != bridge.get().index()) {
        problems.add("veth " + r.hostVeth() + " is not a port of " + n.bridge());
      }
      if (!veth.get().up()) {
        problems.add("veth " + r.hostVeth() + " is down");
      }
    }
    if (r.leased()) {
      Optional<String> owner = state.leaseOwner(n.name(), Ipv4.parse(r.address()));
      if (owner.isEmpty()) {
        problems.add("the lease of " + r.address() + " is missing");
      } else if (!owner.get().equals(r.key())) {
        problems.add("the lease of " + r.address() + " belongs to " + owner.get());
      }
    }
    if (meta.isPresent()) {
      List<Rule> missing = firewall.missing(rules(meta.get()));
      if (!missing.isEmpty()) {
        problems.add(
            missing.size()
                + " iptables rules of "
                + n.bridge()
                + " are missing ("
                + String.join(
                    ", ",
                    missing.stream().map(x -> "-t " + x.table() + " " + x.saveText()).toList())
                + ")");
      }
    } else {
      problems.add("the network's record is missing");
    }
    Netns ns;
    try {
      ns = Netns.open(Path.of(r.netns()));
    } catch (KernelException e) {
      problems.add("its namespace " + r.netns() + " is gone");
      return problems;
    }
    try (ns) {
      Optional<Link> inside = ns.links().find(r.ifname());
      if (inside.isEmpty()) {
        problems.add(r.ifname() + " is missing from " + r.netns());
        return problems;
      }
      Link link = inside.get();
      if (!link.up()) {
        problems.add(r.ifname() + " is down");
      }
      Inet4Address ip = Ipv4.toInet(Ipv4.parse(r.address()));
      boolean has = false;
      for (Addr x : ns.addrs().list()) {
        has |=
            x.linkIndex() == link.index()
                && ip.equals(x.address())
                && x.prefixLength() == r.prefixLength();
      }
      if (!has) {
        problems.add(r.ifname() + " lacks its address " + cidr);
      }
      List<Route> routes = ns.routes().list();
      for (String text : r.routes()) {
        boolean present = routes.stream().anyMatch(x -> routeText(x).equals(text));
        if (!present) {
          problems.add("the route " + text + " is missing");
        }
      }
    }
    return problems;
  }

  @Override
  public List<String> gc(BridgeNetwork n, Set<AttachmentKey> valid) {
    List<String> problems = new ArrayList<>();
    try {
      state.locked(n.name(), LOCK_SECONDS, () -> gcLocked(n, valid, problems));
    } catch (RuntimeException e) {
      problems.add(failure(e).details());
    }
    return problems;
  }

  private Void gcLocked(BridgeNetwork n, Set<AttachmentKey> valid, List<String> problems) {
    Set<String> kept = new HashSet<>();
    for (CniState.Record r : state.attachments(n.name())) {
      if (valid.contains(new AttachmentKey(n.name(), r.containerId(), r.ifname()))) {
        kept.add(r.key());
        continue;
      }
      try {
        LOG.info(
            "network {}: GC removes {} ({}, {})", n.name(), r.key(), r.hostVeth(), r.address());
        remove(n.name(), r, true);
      } catch (RuntimeException e) {
        problems.add(r.key() + ": " + e.getMessage());
      }
    }
    for (Map.Entry<Integer, String> lease : state.leases(n.name()).entrySet()) {
      if (!kept.contains(lease.getValue())) {
        LOG.info(
            "network {}: GC releases {} of {}",
            n.name(),
            Ipv4.format(lease.getKey()),
            lease.getValue());
        state.deleteLease(n.name(), lease.getKey());
      }
    }
    if (kept.isEmpty()) {
      state.meta(n.name()).ifPresent(m -> teardown(n.name(), m));
    }
    return null;
  }

  @Override
  public void status(BridgeNetwork n) {
    if (n.pool() == null) {
      return;
    }
    try {
      state.locked(n.name(), LOCK_SECONDS, () -> statusLocked(n));
    } catch (RuntimeException e) {
      throw failure(e);
    }
  }

  private Void statusLocked(BridgeNetwork n) {
    CachedPool cached = pool(n);
    NetConf.JockerIpam p = n.pool();
    long leased =
        state.leasedAddresses(n.name()).keySet().stream()
            .filter(
                x ->
                    Integer.compareUnsigned(x, p.first()) >= 0
                        && Integer.compareUnsigned(x, p.last()) <= 0
                        && x != p.gateway())
            .count();
    long capacity = cached.ipam().capacity(n.name());
    if (leased >= capacity) {
      throw new CniException(
          CniException.NOT_AVAILABLE,
          "no free address",
          "network "
              + n.name()
              + " cannot serve ADD: all "
              + capacity
              + " addresses of "
              + Ipv4.format(p.first())
              + "-"
              + Ipv4.format(p.last())
              + " are leased");
    }
    return null;
  }

  private static Netns openNetns(String path) {
    try {
      return Netns.open(Path.of(path));
    } catch (KernelException e) {
      throw new CniException(
          CniException.INVALID_ENVIRONMENT,
          "invalid environment variables",
          "CNI_NETNS=" + path + " cannot be opened: " + e.getMessage());
    }
  }

  /**
   * Whether the namespace has interface {@code ifname}; the first request inside it, where a file
   * that is a namespace but not a network namespace is refused by setns(2).
   */
  private static boolean interfaceIn(Netns ns, String netns, String ifname) {
    try {
      return ns.links().find(ifname).isPresent();
    } catch (KernelException e) {
      if ("setns".equals(e.operation())) {
        throw new CniException(
            CniException.INVALID_ENVIRONMENT,
            "invalid environment variables",
            "CNI_NETNS=" + netns + " is not a network namespace: " + e.getMessage());
      }
      throw e;
    }
  }

  private static Route route(RouteSpec r, int ifindex) {
    Inet4Address dst = r.dst().prefixLength() == 0 ? null : Ipv4.toInet(r.dst().network());
    if (r.gw() == null) {
      return new Route(dst, r.dst().prefixLength(), null, ifindex, null, 253, 3, 0);
    }
    return new Route(dst, r.dst().prefixLength(), Ipv4.toInet(r.gw()), 0, null, 0, 3, 0);
  }

  private static String routeText(RouteSpec r) {
    return r.dst() + (r.gw() == null ? "" : " via " + Ipv4.format(r.gw()));
  }

  private static String routeText(Route r) {
    String dst =
        (r.destination() == null ? "0.0.0.0" : r.destination().getHostAddress())
            + "/"
            + r.prefixLength();
    return dst + (r.gateway() == null ? "" : " via " + r.gateway().getHostAddress());
  }

  private static CniException failure(RuntimeException e) {
    if (e instanceof CniException c) {
      return c;
    }
    if (e instanceof KernelException || e instanceof IptablesException) {
      return new CniException(
          CniException.KERNEL_FAILURE, "kernel operation failed", e.getMessage(), e);
    }
    return new CniException(
        CniException.INTERNAL, "internal error", String.valueOf(e.getMessage()), e);
  }
}
