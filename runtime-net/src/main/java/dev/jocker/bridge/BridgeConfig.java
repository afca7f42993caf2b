package dev.jocker.bridge;

import dev.jocker.firewall.BridgeNetworkOptions;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Subnet;

/**
 * What the default bridge looks like.
 *
 * @param name the Linux bridge device, {@code docker0}
 * @param address the bridge's own address, {@code 172.17.0.1}
 * @param subnet its subnet, {@code 172.17.0.0/16}
 * @param mtu MTU of the bridge and every veth
 * @param iptables whether to install the firewall rules
 * @param ipForward whether to enable {@code net.ipv4.ip_forward}
 * @param chainPrefix iptables chain prefix, {@code DOCKER}
 * @param internal {@code --internal}: no way out of the subnet
 * @param icc whether containers on the bridge reach each other ({@code enable_icc}, or the daemon's
 *     {@code --icc} for docker0)
 * @param ipMasquerade whether traffic leaving the bridge is MASQUERADEd ({@code
 *     enable_ip_masquerade}, or the daemon's {@code --ip-masq} for docker0)
 */
public record BridgeConfig(
    String name,
    int address,
    Subnet subnet,
    int mtu,
    boolean iptables,
    boolean ipForward,
    String chainPrefix,
    boolean internal,
    boolean icc,
    boolean ipMasquerade) {

  /** Docker's defaults. */
  public static BridgeConfig defaults() {
    return of("docker0", "172.17.0.1/16", 1500, true, true, "DOCKER");
  }

  /**
   * A configuration from {@code --bridge}, {@code --bip} (address/prefix) and the other options.
   */
  public static BridgeConfig of(
      String name, String bip, int mtu, boolean iptables, boolean ipForward, String chainPrefix) {
    Subnet subnet = Subnet.containing(bip);
    int address = Ipv4.parse(bip.substring(0, bip.indexOf('/')));
    if (subnet.prefixLength() > 30) {
      throw new IllegalArgumentException(
          "--bip " + bip + ": a /31 or /32 leaves no room for containers");
    }
    if (address == subnet.network() || address == subnet.broadcast()) {
      throw new IllegalArgumentException("--bip " + bip + ": not a host address of " + subnet);
    }
    if (!name.matches("[a-zA-Z0-9_.-]{1,15}")) {
      throw new IllegalArgumentException("--bridge " + name + ": not a valid interface name");
    }
    if (mtu < 68 || mtu > 65535) {
      throw new IllegalArgumentException("--mtu " + mtu + ": must be between 68 and 65535");
    }
    return new BridgeConfig(
        name, address, subnet, mtu, iptables, ipForward, chainPrefix, false, true, true);
  }

  /** This bridge with a network's {@code --internal}, icc and MASQUERADE options. */
  public BridgeConfig withNetworkOptions(boolean isInternal, boolean withIcc, boolean masquerade) {
    return new BridgeConfig(
        name,
        address,
        subnet,
        mtu,
        iptables,
        ipForward,
        chainPrefix,
        isInternal,
        withIcc,
        masquerade);
  }

  /** What selects this bridge's rules. */
  public BridgeNetworkOptions networkOptions() {
    return new BridgeNetworkOptions(
        name, subnet.toString(), chainPrefix, internal, icc, ipMasquerade);
  }
}
