package dev.jocker.engine;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to open an engine; the daemon fills it from its options and {@code daemon.json}.
 *
 * @param dataRoot state root, {@code /var/lib/jocker}
 * @param execRoot root of what need not outlive a reboot (each container's scripts, PID and exit
 *     files, its /etc/hosts, hostname and resolv.conf), {@code /run/jocker}, as dockerd's {@code
 *     --exec-root}
 * @param bridge default bridge device, {@code docker0}
 * @param bip the bridge's address with prefix, {@code 172.17.0.1/16}
 * @param mtu MTU of the bridge and veths
 * @param iptables whether to manage iptables rules
 * @param ipForward whether to enable {@code net.ipv4.ip_forward}
 * @param chainPrefix iptables chain prefix, {@code DOCKER}
 * @param netnsDir where named namespaces live, {@code /run/netns}
 * @param rulesCheckInterval how often to look for rules removed behind jocker's back and restore
 *     them (a firewall reload, {@code iptables -F}); zero never looks
 * @param hostNetns the namespace playing the host, or null for the caller's own
 * @param cgroupParent the cgroup every container's goes under ({@code jocker}, as dockerd's {@code
 *     --cgroup-parent} is {@code docker}), or null to run containers without cgroups
 * @param liveRestore whether containers keep running while the daemon is down (jocker's default);
 *     false does what dockerd does by default: they are stopped at its shutdown, and those a crash
 *     left running at its next start
 * @param userlandProxy whether published ports are forwarded by the proxy inside jockerd (Docker's
 *     {@code --userland-proxy}, default true) or by NAT alone (hairpin mode, {@code
 *     route_localnet})
 * @param defaultBindIp the host address a published port binds when it names none (dockerd's {@code
 *     --ip}, {@code 0.0.0.0})
 */
public record EngineConfig(
    Path dataRoot,
    Path execRoot,
    String bridge,
    String bip,
    int mtu,
    boolean iptables,
    boolean ipForward,
    String chainPrefix,
    Path netnsDir,
    Duration rulesCheckInterval,
    Path hostNetns,
    String cgroupParent,
    boolean liveRestore,
    boolean userlandProxy,
    String defaultBindIp) {

  /** The prefix of every container's namespace name, {@code jocker-} and the container's name. */
  public String netnsPrefix() {
    return "jocker-";
  }

  /** Docker's defaults under {@code dataRoot}. */
  public static EngineConfig defaults(Path dataRoot) {
    return new EngineConfig(
        dataRoot,
        Path.of("/run/jocker"),
        "docker0",
        "172.17.0.1/16",
        1500,
        true,
        true,
        "DOCKER",
        Path.of("/run/netns"),
        Duration.ofSeconds(10),
        null,
        "jocker",
        true,
        true,
        "0.0.0.0");
  }

  /** The same configuration with another host namespace. */
  public EngineConfig withHostNetns(Path netns) {
    return new EngineConfig(
        dataRoot,
        execRoot,
        bridge,
        bip,
        mtu,
        iptables,
        ipForward,
        chainPrefix,
        netnsDir,
        rulesCheckInterval,
        netns,
        cgroupParent,
        liveRestore,
        userlandProxy,
        defaultBindIp);
  }

  /** The same configuration with another rules check interval (zero: never). */
  public EngineConfig withRulesCheckInterval(Duration interval) {
    return new EngineConfig(
        dataRoot,
        execRoot,
        bridge,
        bip,
        mtu,
        iptables,
        ipForward,
        chainPrefix,
        netnsDir,
        interval,
        hostNetns,
        cgroupParent,
        liveRestore,
        userlandProxy,
        defaultBindIp);
  }

  /** The same configuration with another cgroup parent (null: no cgroups). */
  public EngineConfig withCgroupParent(String parent) {
    return new EngineConfig(
        dataRoot,
        execRoot,
        bridge,
        bip,
        mtu,
        iptables,
        ipForward,
        chainPrefix,
        netnsDir,
        rulesCheckInterval,
        hostNetns,
        parent,
        liveRestore,
        userlandProxy,
        defaultBindIp);
  }

  /** The same configuration with live restore on or off. */
  public EngineConfig withLiveRestore(boolean on) {
    return new EngineConfig(
        dataRoot,
        execRoot,
        bridge,
        bip,
        mtu,
        iptables,
        ipForward,
        chainPrefix,
        netnsDir,
        rulesCheckInterval,
        hostNetns,
        cgroupParent,
        on,
        userlandProxy,
        defaultBindIp);
  }

  /** The same configuration with the userland proxy on or off ({@code --userland-proxy}). */
  public EngineConfig withUserlandProxy(boolean on) {
    return new EngineConfig(
        dataRoot,
        execRoot,
        bridge,
        bip,
        mtu,
        iptables,
        ipForward,
        chainPrefix,
        netnsDir,
        rulesCheckInterval,
        hostNetns,
        cgroupParent,
        liveRestore,
        on,
        defaultBindIp);
  }
}
