package dev.jocker.netlink;

/**
 * What rtnetlink says about a port of a Linux bridge: the {@code IFLA_BRPORT_*} flags, set with an
 * {@code AF_BRIDGE} {@code RTM_SETLINK} carrying them in a nested {@code IFLA_PROTINFO} (as {@code
 * bridge link set} and Docker's netlink library do), and read back from {@code
 * IFLA_INFO_SLAVE_DATA} inside a port's {@code IFLA_LINKINFO} (as {@code ip -d link show} does).
 */
public final class BridgePort {
  private BridgePort() {}

  /** Address family of bridge requests ({@code PF_BRIDGE}). */
  public static final int AF_BRIDGE = 7;

  /** Nested: the protocol's per-port attributes ({@code IFLA_BRPORT_*} for a bridge port). */
  public static final int IFLA_PROTINFO = 12;

  /** Inside {@link IfInfoMsg#IFLA_LINKINFO}: nested data of the port's master kind. */
  public static final int IFLA_INFO_SLAVE_DATA = 5;

  /** A port's hairpin mode ("reflective relay"), u8: a frame may leave by the port it came in. */
  public static final int IFLA_BRPORT_MODE = 4;

  /** Flag on an attribute's type marking its value as nested attributes. */
  public static final int NLA_F_NESTED = 0x8000;
}
