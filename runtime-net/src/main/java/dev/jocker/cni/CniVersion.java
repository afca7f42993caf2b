package dev.jocker.cni;

import java.util.List;

/** The CNI spec versions this plugin speaks, and what changes between them. */
public final class CniVersion {
  /** The newest version, used where the caller named none. */
  public static final String LATEST = "1.1.0";

  /** Every version the plugin reports in VERSION and accepts in a configuration. */
  public static final List<String> SUPPORTED = List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");

  private CniVersion() {}

  /** Refuses a version outside {@link #SUPPORTED} with the spec's code 1. */
  public static String require(String version) {
    if (version == null || version.isEmpty()) {
      throw new CniException(
          CniException.INCOMPATIBLE_VERSION,
          "incompatible CNI version",
          "the network configuration has no cniVersion; this plugin supports "
              + String.join(", ", SUPPORTED));
    }
    if (!SUPPORTED.contains(version)) {
      throw new CniException(
          CniException.INCOMPATIBLE_VERSION,
          "incompatible CNI version",
          "cniVersion "
              + version
              + " is not supported; this plugin supports "
              + String.join(", ", SUPPORTED));
    }
    return version;
  }

  /** Whether {@code version} is {@code other} or newer (both supported versions). */
  public static boolean atLeast(String version, String other) {
    return SUPPORTED.indexOf(version) >= SUPPORTED.indexOf(other);
  }

  /** Before 1.0.0 each entry of {@code ips} carries {@code "version": "4"}. */
  public static boolean ipsCarryVersion(String version) {
    return !atLeast(version, "1.0.0");
  }
}
