package dev.jocker.bridge;

import dev.jocker.firewall.Firewall;
import dev.jocker.firewall.Iptables;
import dev.jocker.firewall.Rule;
import dev.jocker.firewall.RuleSet;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Subnet;
import dev.jocker.kernel.KernelException;
import dev.jocker.kernel.Link;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NotFoundException;
import dev.jocker.network.NetworkDriver;
import dev.jocker.portmap.HairpinNat;
import dev.jocker.portmap.PortRules;
import dev.jocker.store.EndpointRecord;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Docker's bridge driver for one bridge network: the bridge itself, its rules, and the veth pairs
 * of its endpoints.
 */
public final class BridgeDriver implements NetworkDriver {
  private static final Logger LOG = LogManager.getLogger(BridgeDriver.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Port numbers of a Linux bridge go from 1 to 1023 ({@code BR_MAX_PORTS} is 1024). */
  public static final int MAX_PORTS = 1023;

  private final BridgeConfig config;
  private final Netns host;
  private final Firewall firewall;
  private final MacAddress bridgeMac;
  private final boolean userlandProxy;
  private volatile int cachedBridgeIndex;
  private final List<SetupStep> steps =
      List.of(
          new SetupDevice(),
          new SetupIpv4(),
          new SetupSysctls(),
          new SetupLocalRouting(),
          new SetupForwarding(),
          new SetupIptables(),
          new SetupUp(),
          new SetupVerify());

  /**
   * A driver for the bridge in {@code host}; {@code hostPath} names that namespace for iptables
   * (null when it is the caller's own).
   */
  public BridgeDriver(BridgeConfig config, Netns host, Path hostPath, MacAddress bridgeMac) {
    this(config, host, hostPath, bridgeMac, true);
  }

  /**
   * A driver as {@link #BridgeDriver(BridgeConfig, Netns, Path, MacAddress)}, for a daemon whose
   * published ports go through the userland proxy or, with {@code userlandProxy} false, through NAT
   * alone: then the bridge's rules are Docker's for that mode, the bridge has {@code
   * route_localnet=1} and every port of it hairpin mode.
   */
  public BridgeDriver(
      BridgeConfig config, Netns host, Path hostPath, MacAddress bridgeMac, boolean userlandProxy) {
    this.config = config;
    this.host = host;
    this.firewall = new Firewall(new Iptables(hostPath));
    this.bridgeMac = bridgeMac;
    this.userlandProxy = userlandProxy;
  }

  /**
   * The factory the network controller opens each bridge network's driver with: the network's
   * record gives the bridge, its address and MAC; the daemon's options the rest.
   */
  public static NetworkDriver.Factory factory(
      Netns host, Path hostPath, boolean iptables, boolean ipForward, String chainPrefix) {
    return factory(host, hostPath, iptables, ipForward, chainPrefix, true);
  }

  /** {@link #factory(Netns, Path, boolean, boolean, String)} for the daemon's proxy mode. */
  public static NetworkDriver.Factory factory(
      Netns host,
      Path hostPath,
      boolean iptables,
      boolean ipForward,
      String chainPrefix,
      boolean userlandProxy) {
    return n ->
        new BridgeDriver(
            BridgeConfig.of(
                n.bridge(),
                n.gateway() + "/" + Subnet.parse(n.subnet()).prefixLength(),
                n.mtu(),
                iptables,
                ipForward,
                chainPrefix),
            host,
            hostPath,
            MacAddress.parse(n.mac()),
            userlandProxy);
  }

  /** The bridge's configuration. */
  public BridgeConfig config() {
    return config;
  }

  /** Runs every setup step in order; returns what had to change (empty when all was in place). */
  @Override
  public List<String> setup() {
    // A reconcile may have recreated the bridge under a new index.
    cachedBridgeIndex = 0;
    BridgeContext ctx =
        new BridgeContext(config, host, bridgeMac, firewall, rules(), userlandProxy);
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

  /** The bridge's own rules this driver owns: Docker's for the daemon's proxy mode. */
  public RuleSet rules() {
    return PortRules.bridgeRules(
        config.name(), config.subnet().toString(), config.chainPrefix(), userlandProxy);
  }

  /**
   * Removes what {@link #setup} made for this bridge alone: the rules that name it, then the
   * device. The chains and the jumps into them stay, for the other bridges.
   */
  @Override
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

  /**
   * What differs from what {@link #setup} makes, read cheaply (a few netlink requests, one sysctl
   * and the given rules snapshot) so that a periodic check can run every few seconds: each problem
   * as a phrase, none when all is in place.
   */
  @Override
  public List<String> problems(Firewall.Snapshot rules) {
    List<String> problems = new ArrayList<>();
    Optional<Link> bridge = host.links().find(config.name());
    if (bridge.isEmpty()) {
      problems.add(config.name() + " is missing");
    } else {
      if (!bridge.get().up()) {
        problems.add(config.name() + " is down");
      }
      boolean hasAddress =
          host.addrs().list(config.name()).stream()
              .anyMatch(a -> a.address().equals(Ipv4.toInet(config.address())));
      if (!hasAddress) {
        problems.add(
            config.name()
                + " lacks "
                + Ipv4.format(config.address())
                + "/"
                + config.subnet().prefixLength());
      }
    }
    if (config.ipForward() && !"1".equals(host.sysctls().get("net.ipv4.ip_forward"))) {
      problems.add("net.ipv4.ip_forward is 0");
    }
    if (!userlandProxy
        && bridge.isPresent()
        && !"1".equals(host.sysctls().get("net.ipv4.conf." + config.name() + ".route_localnet"))) {
      problems.add("net.ipv4.conf." + config.name() + ".route_localnet is 0");
    }
    if (config.iptables()) {
      int missing = rules.missing(rules()).size();
      if (missing > 0) {
        problems.add(missing + " iptables rules of " + config.name() + " are missing");
      }
    }
    return problems;
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
   * Wires namespace {@code ns} onto the bridge with {@code address}: one veth pair whose peer is
   * born inside as {@code ifname} with MAC 02:42 + address, host end enslaved and up, the peer up
   * with the address and its broadcast, and (for the endpoint that is the sandbox's gateway) the
   * default route via the bridge.
   */
  public Endpoint join(Netns ns, String hostVeth, String ifname, int address, boolean gateway) {
    Inet4Address ip = Ipv4.toInet(address);
    MacAddress mac = MacAddress.forIpv4(ip);
    int prefix = config.subnet().prefixLength();
    // The host end's IFLA_LINK is the peer's index inside: no lookup needed for the address.
    Link hostEnd = host.links().addVethPair(hostVeth, ifname, ns, mac, config.mtu());
    Crashpoints.reach("attach:veth");
    // Three requests, not one: neither a veth born enslaved and up (IFLA_MASTER and IFF_UP in the
    // RTM_NEWLINK) nor master and up in one request measured faster: the kernel does the same work
    // either way, and that work is most of each step's time.
    enslave(hostVeth);
    Crashpoints.reach("attach:master");
    if (!userlandProxy) {
      // Docker's setHairpinMode: a container reaching its own published port by NAT gets the
      // packet back through the port it left by.
      HairpinNat.enableOnPort(host, hostEnd.index(), hostVeth);
    }
    host.links().setUp(hostVeth);
    // Docker's order: the address before the peer comes up, the route once it is up. The address
    // then goes in before the carrier change, whose processing holds the RTNL lock for a time that
    // grows with the bridge's ports.
    ns.addrs().add(hostEnd.linkIndex(), ip, prefix, Ipv4.toInet(config.subnet().broadcast()));
    Crashpoints.reach("attach:address");
    ns.links().setUp(ifname);
    Crashpoints.reach("attach:up");
    if (gateway) {
      ns.routes().addDefault(Ipv4.toInet(config.address()));
    }
    return new Endpoint(ns.path().getFileName().toString(), hostVeth, mac, ip, prefix);
  }

  /**
   * Enslaves {@code hostVeth} to the bridge. The kernel numbers a bridge's ports from 1 to 1023 and
   * refuses the next with EXFULL ("Exchange full"), which says nothing to a user: the error names
   * the limit instead.
   */
  private void enslave(String hostVeth) {
    try {
      host.links().setMaster(hostVeth, bridgeIndex());
    } catch (KernelException e) {
      if ("EXFULL".equals(e.errnoName())) {
        throw new BridgeException(
            config.name()
                + " has "
                + MAX_PORTS
                + " ports, the kernel's maximum: remove a container from it, or put new ones on a"
                + " network of their own (jocker network create)",
            e);
      }
      throw e;
    }
  }

  @Override
  public void join(Netns sandbox, EndpointRecord endpoint, boolean gateway) {
    join(sandbox, endpoint.hostVeth(), endpoint.ifname(), Ipv4.parse(endpoint.address()), gateway);
  }

  @Override
  public void leave(EndpointRecord endpoint) {
    leave(endpoint.hostVeth());
  }

  @Override
  public List<String> reattach(List<EndpointRecord> endpoints) {
    return reattachNames(endpoints.stream().map(EndpointRecord::hostVeth).toList());
  }

  @Override
  public String device() {
    return config.name();
  }

  /** Deletes the host end of a veth pair (and so its peer), if still there. */
  public void leave(String hostVeth) {
    try {
      host.links().delete(hostVeth);
    } catch (NotFoundException gone) {
      LOG.debug("veth {} already gone", hostVeth);
    }
    Crashpoints.reach("detach:veth");
  }

  /**
   * Puts each of {@code hostVeths} that exists but is not a port of the bridge (as after the bridge
   * was deleted and created again) back on it and up; returns those it moved.
   */
  private List<String> reattachNames(List<String> hostVeths) {
    // One dump for all of them: the periodic check runs this for every running container.
    Map<String, Link> links = new HashMap<>();
    host.links().list().forEach(l -> links.put(l.name(), l));
    Link bridge = links.get(config.name());
    List<String> moved = new ArrayList<>();
    for (String veth : hostVeths) {
      Link link = links.get(veth);
      if (bridge != null && link != null && link.masterIndex() != bridge.index()) {
        host.links().setMaster(veth, bridge.index());
        if (!userlandProxy) {
          HairpinNat.enableOnPort(host, link.index(), veth);
        }
        host.links().setUp(veth);
        moved.add(veth);
      }
    }
    return moved;
  }

  private int bridgeIndex() {
    if (cachedBridgeIndex == 0) {
      cachedBridgeIndex = host.links().get(config.name()).index();
    }
    return cachedBridgeIndex;
  }
}
