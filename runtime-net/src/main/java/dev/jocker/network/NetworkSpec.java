package dev.jocker.network;

import java.util.Map;

/**
 * What {@code network create} asks for.
 *
 * @param name the network's name
 * @param subnet {@code --subnet}, or null for the first free default pool
 * @param gateway {@code --gateway}, or null
 * @param ipRange {@code --ip-range}, or null
 * @param internal {@code --internal}
 * @param options {@code -o} driver options, as given
 */
public record NetworkSpec(
    String name,
    String subnet,
    String gateway,
    String ipRange,
    boolean internal,
    Map<String, String> options) {
  /** The option naming the network's Linux bridge. */
  public static final String BRIDGE_NAME = "com.docker.network.bridge.name";

  /** The option setting the MTU of the bridge and its endpoints. */
  public static final String MTU = "com.docker.network.driver.mtu";

  /** The option that turns inter-container traffic off. */
  public static final String ENABLE_ICC = "com.docker.network.bridge.enable_icc";

  /** The option that turns MASQUERADE off. */
  public static final String ENABLE_IP_MASQUERADE =
      "com.docker.network.bridge.enable_ip_masquerade";

  public NetworkSpec {
    options = options == null ? Map.of() : Map.copyOf(options);
  }

  /** A plain network: no {@code --internal}, no options. */
  public static NetworkSpec of(String name, String subnet, String gateway, String ipRange) {
    return new NetworkSpec(name, subnet, gateway, ipRange, false, Map.of());
  }
}
