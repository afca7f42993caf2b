package dev.jocker.firewall;

import java.util.Map;

/**
 * What selects a bridge network's rules: its device and subnet, {@code --internal}, and the driver
 * options {@code com.docker.network.bridge.enable_icc} and {@code
 * com.docker.network.bridge.enable_ip_masquerade} (for docker0, the daemon's {@code --icc} and
 * {@code --ip-masq}).
 *
 * @param bridge the Linux bridge, {@code docker0} or {@code br-<id>}
 * @param subnet its subnet, {@code 172.18.0.0/16}
 * @param chainPrefix {@code DOCKER}
 * @param internal no way out: no NAT, and DROP rules for anything leaving or entering the subnet
 * @param icc whether containers on the bridge reach each other
 * @param ipMasquerade whether traffic leaving the bridge is MASQUERADEd
 */
public record BridgeNetworkOptions(
    String bridge,
    String subnet,
    String chainPrefix,
    boolean internal,
    boolean icc,
    boolean ipMasquerade) {
  /** The driver option that turns inter-container traffic off. */
  public static final String ENABLE_ICC = "com.docker.network.bridge.enable_icc";

  /** The driver option that turns MASQUERADE off. */
  public static final String ENABLE_IP_MASQUERADE =
      "com.docker.network.bridge.enable_ip_masquerade";

  /** A network as Docker creates it by default. */
  public static BridgeNetworkOptions defaults(String bridge, String subnet, String chainPrefix) {
    return new BridgeNetworkOptions(bridge, subnet, chainPrefix, false, true, true);
  }

  /**
   * A network from {@code --internal} and its {@code -o} driver options, read as Docker reads them
   * (Go's strconv.ParseBool); options of other names are not this class's business.
   */
  public static BridgeNetworkOptions of(
      String bridge,
      String subnet,
      String chainPrefix,
      boolean internal,
      Map<String, String> driverOptions) {
    return new BridgeNetworkOptions(
        bridge,
        subnet,
        chainPrefix,
        internal,
        parseBool(driverOptions, ENABLE_ICC),
        parseBool(driverOptions, ENABLE_IP_MASQUERADE));
  }

  private static boolean parseBool(Map<String, String> options, String key) {
    String value = options.get(key);
    if (value == null) {
      return true;
    }
    return switch (value) {
      case "1", "t", "T", "TRUE", "true", "True" -> true;
      case "0", "f", "F", "FALSE", "false", "False" -> false;
      default ->
          throw new IllegalArgumentException(
              "failed to parse "
                  + key
                  + " value: strconv.ParseBool: parsing \""
                  + value
                  + "\": invalid syntax");
    };
  }
}
