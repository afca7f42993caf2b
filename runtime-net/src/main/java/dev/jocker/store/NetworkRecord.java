package dev.jocker.store;

import java.time.Instant;
import java.util.Map;

/**
 * A network row.
 *
 * @param id 64 hex characters
 * @param name unique name
 * @param driver {@code bridge}, {@code host} or {@code null}
 * @param subnet CIDR, or null
 * @param ipRange CIDR inside the subnet, or null
 * @param gateway address, or null
 * @param bridge Linux bridge device, or null
 * @param mtu MTU, or 0
 * @param mac the bridge's MAC, chosen once
 * @param created creation time
 * @param internal {@code --internal}: no way out of the subnet
 * @param options the driver options ({@code -o}) the network was created with, as given
 */
public record NetworkRecord(
    String id,
    String name,
    String driver,
    String subnet,
    String ipRange,
    String gateway,
    String bridge,
    int mtu,
    String mac,
    Instant created,
    boolean internal,
    Map<String, String> options) {
  public NetworkRecord {
    options = options == null ? Map.of() : Map.copyOf(options);
  }

  /** A network without {@code --internal} and without driver options. */
  public NetworkRecord(
      String id,
      String name,
      String driver,
      String subnet,
      String ipRange,
      String gateway,
      String bridge,
      int mtu,
      String mac,
      Instant created) {
    this(id, name, driver, subnet, ipRange, gateway, bridge, mtu, mac, created, false, Map.of());
  }
}
