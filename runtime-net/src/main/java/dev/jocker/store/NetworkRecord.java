package dev.jocker.store;

import java.time.Instant;

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
    Instant created) {}
