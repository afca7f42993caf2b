package dev.jocker.bridge;

import dev.jocker.firewall.DefaultBridgeRules;
import dev.jocker.firewall.Firewall;
import dev.jocker.firewall.Iptables;
import dev.jocker.firewall.Rule;
import dev.jocker.firewall.RuleSet;
import dev.jocker.ipam.Ipv4;
import dev.jocker.kernel.Link;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NetnsStore;
import dev.jocker.kernel.NotFoundException;
import dev.jocker.kernel.Sysctls;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** Docker's bridge driver for the default network: the bridge itself, its rules, and endpoints. */
public final class BridgeDriver {
  private static final Logger LOG = LogManager.getLogger(BridgeDriver.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final BridgeConfig config;
  private final Netns host;
  private final NetnsStore namespaces;
  private final Firewall firewall;
  private final MacAddress bridgeMac;
  private volatile int cachedBridgeIndex;
  private final List<SetupStep> steps =
      List.of(
          new SetupDevice(),
          new SetupIpv4(),
          new SetupSysctls(),
          new SetupForwarding(),
          new SetupIptables(),
          new SetupUp(),
          new SetupVerify());

  /**
   * A driver for the bridge in {@code host}; {@code hostPath} names that namespace for iptables
   * (null when it is the caller's own).
   */
  public BridgeDriver(
      BridgeConfig config, Netns host, Path hostPath, NetnsStore namespaces, MacAddress bridgeMac) {
    this.config = config;
    this.host = host;
    this.namespaces = namespaces;
    this.firewall = new Firewall(new Iptables(hostPath));
    this.bridgeMac = bridgeMac;
  }

  /** The bridge's configuration. */
  public BridgeConfig config() {
    return config;
  }

  /** Runs every setup step in order; returns what had to change (empty when all was in place). */
  public List<String> setup() {
    // A reconcile may have recreated the bridge under a new index.
    cachedBridgeIndex = 0;
    BridgeContext ctx = new BridgeContext(config, host, bridgeMac, firewall);
    List<String> changes = new ArrayList<>();
    for (SetupStep step : steps) {
      String change;
      try {
        change = step.apply(ctx);
      } catch (BridgeException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new BridgeException(
            "bridge " + config.name() + " setup step " + step.name() + ": " + e.getMessage(), e);
      }
      if (change != null) {
        LOG.info("bridge {}: {}", config.name(), change);
        changes.add(change);
      }
    }
    return changes;
  }

  /** The default-bridge rules this driver owns. */
  public RuleSet rules() {
    return DefaultBridgeRules.of(config.name(), config.subnet().toString(), config.chainPrefix());
  }

  /**
   * Removes what {@link #setup} made for this bridge alone: the rules that name it, then the
   * device. The chains and the jumps into them stay, for the other bridges.
   */
  public void teardown() {
    if (config.iptables()) {
      firewall.delete(
          rules().rules().stream().filter(r -> r.args().contains(config.name())).toList());
    }
    try {
      host.links().delete(config.name());
    } catch (NotFoundException gone) {
      LOG.debug("bridge {} already gone", config.name());
    }
  }

  /** Rules of {@link #rules()} that are absent from the kernel now. */
  public List<Rule> missingRules() {
    return config.iptables() ? firewall.missing(rules()) : List.of();
  }

  /** A fresh host-side veth name: {@code veth} and 7 hex characters, as Docker names them. */
  public static String newVethName() {
    return "veth" + HexFormat.of().formatHex(RANDOM.generateSeed(4)).substring(0, 7);
  }

  /**
   * Creates namespace {@code netns} and wires it onto the bridge with {@code address}: one veth
   * pair whose peer is born inside as {@code eth0} with MAC 02:42 + address, host end enslaved and
   * up, lo and eth0 up, the address with its broadcast, and the default route via the bridge.
   */
  public Endpoint attach(String netns, String hostVeth, int address) {
    Inet4Address ip = Ipv4.toInet(address);
    MacAddress mac = MacAddress.forIpv4(ip);
    int prefix = config.subnet().prefixLength();
    try (Netns ns = namespaces.create(netns, BridgeDriver::privateNamespaceSysctls)) {
      Crashpoints.reach("attach:netns");
      // The host end's IFLA_LINK is eth0's index inside: no lookup needed for the address.
      Link hostEnd = host.links().addVethPair(hostVeth, "eth0", ns, mac, config.mtu());
      Crashpoints.reach("attach:veth");
      // Three requests, not one: neither a veth born enslaved and up (IFLA_MASTER and IFF_UP in
      // the RTM_NEWLINK) nor master and up in one request measured faster: the kernel does the same
      // work either way, and that work is most of each step's time.
      host.links().setMaster(hostVeth, bridgeIndex());
      Crashpoints.reach("attach:master");
      host.links().setUp(hostVeth);
      // Docker's order: the address before eth0 comes up, the route once it is up. The address
      // then goes in before the carrier change, whose processing holds the RTNL lock for a time
      // that grows with the bridge's ports.
      ns.addrs().add(hostEnd.linkIndex(), ip, prefix, Ipv4.toInet(config.subnet().broadcast()));
      Crashpoints.reach("attach:address");
      ns.links().setUp("lo");
      ns.links().setUp("eth0");
      Crashpoints.reach("attach:up");
      ns.routes().addDefault(Ipv4.toInet(config.address()));
    }
    return new Endpoint(netns, hostVeth, mac, ip, prefix);
  }

  /**
   * Creates namespace {@code netns} with only {@code lo} up, for containers on network {@code
   * none}.
   */
  public void createIsolated(String netns) {
    try (Netns ns = namespaces.create(netns, BridgeDriver::privateNamespaceSysctls)) {
      ns.links().setUp("lo");
    }
  }

  /** Deletes the veth pair (if still there) and the namespace (if still there). */
  public void detach(String netns, String hostVeth) {
    if (hostVeth != null) {
      try {
        host.links().delete(hostVeth);
      } catch (NotFoundException gone) {
        LOG.debug("veth {} already gone", hostVeth);
      }
    }
    Crashpoints.reach("detach:veth");
    if (namespaces.exists(netns)) {
      namespaces.delete(netns);
    }
  }

  private int bridgeIndex() {
    if (cachedBridgeIndex == 0) {
      cachedBridgeIndex = host.links().get(config.name()).index();
    }
    return cachedBridgeIndex;
  }

  /** Host-side veths enslaved to the bridge, by name. */
  public List<String> bridgePorts() {
    int bridgeIndex = host.links().get(config.name()).index();
    return host.links().list().stream()
        .filter(l -> l.masterIndex() == bridgeIndex)
        .map(Link::name)
        .toList();
  }

  /**
   * What Docker sets in every container namespace it creates on a network without IPv6: IPv6 off on
   * all, default and lo (so lo has no ::1), and eth0, which inherits it from "default" because it
   * is born after these are written.
   */
  public static final Map<String, String> CONTAINER_SYSCTLS =
      Map.of(
          "net.ipv4.ip_unprivileged_port_start", "0",
          "net.ipv4.ping_group_range", "0 2147483647",
          "net.ipv6.conf.all.disable_ipv6", "1",
          "net.ipv6.conf.default.disable_ipv6", "1",
          "net.ipv6.conf.lo.disable_ipv6", "1");

  private static void privateNamespaceSysctls(Path ignored) {
    Sysctls.write(CONTAINER_SYSCTLS);
  }
}
