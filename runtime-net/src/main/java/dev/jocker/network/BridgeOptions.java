package dev.jocker.network;

import static dev.jocker.network.NetworkException.Kind.INVALID;

import java.util.Map;

/**
 * A bridge network's {@code -o} driver options as Docker 20.10's bridge driver reads them: its
 * bridge's name, its MTU, and whether containers reach each other and leave MASQUERADEd. Other
 * names are kept and shown as Docker keeps them, except one that jocker would have to honour and
 * does not.
 *
 * @param bridge the bridge's name, or null for {@code br-} and the network's short ID
 * @param mtu the MTU of the bridge and its endpoints
 * @param icc whether containers on the bridge reach each other
 * @param ipMasquerade whether traffic leaving the bridge is MASQUERADEd
 */
record BridgeOptions(String bridge, int mtu, boolean icc, boolean ipMasquerade) {
  /** The option binding published ports to one host address, which jocker does not do. */
  static final String HOST_BINDING_IPV4 = "com.docker.network.bridge.host_binding_ipv4";

  /** Reads {@code options}; {@code defaultMtu} is the daemon's. */
  static BridgeOptions parse(Map<String, String> options, int defaultMtu) {
    if (options.containsKey(HOST_BINDING_IPV4)) {
      throw new NetworkException(
          INVALID, "-o " + HOST_BINDING_IPV4 + " is not supported by jocker: ports bind to all");
    }
    String bridge = options.get(NetworkSpec.BRIDGE_NAME);
    if (bridge != null && !bridge.matches("[a-zA-Z0-9_.-]{1,15}")) {
      throw new NetworkException(
          INVALID,
          "-o "
              + NetworkSpec.BRIDGE_NAME
              + "="
              + bridge
              + ": not a valid interface name (1 to 15 letters, digits, '_', '.' or '-')");
    }
    int mtu = defaultMtu;
    String text = options.get(NetworkSpec.MTU);
    if (text != null) {
      try {
        mtu = Integer.parseInt(text);
      } catch (NumberFormatException e) {
        throw new NetworkException(
            INVALID,
            "failed to parse "
                + NetworkSpec.MTU
                + " value: "
                + text
                + " (strconv.Atoi: parsing \""
                + text
                + "\": invalid syntax)");
      }
      if (mtu < 68 || mtu > 65535) {
        throw new NetworkException(
            INVALID,
            "-o " + NetworkSpec.MTU + "=" + text + ": the MTU must be between 68 and 65535");
      }
    }
    return new BridgeOptions(
        bridge,
        mtu,
        bool(options, NetworkSpec.ENABLE_ICC),
        bool(options, NetworkSpec.ENABLE_IP_MASQUERADE));
  }

  /** Go's strconv.ParseBool, as Docker reads these options; absent means true. */
  private static boolean bool(Map<String, String> options, String key) {
    String value = options.get(key);
    if (value == null) {
      return true;
    }
    return switch (value) {
      case "1", "t", "T", "TRUE", "true", "True" -> true;
      case "0", "f", "F", "FALSE", "false", "False" -> false;
      default ->
          throw new NetworkException(
              INVALID,
              "failed to parse "
                  + key
                  + " value: "
                  + value
                  + " (strconv.ParseBool: parsing \""
                  + value
                  + "\": invalid syntax)");
    };
  }
}
