package dev.jocker.engine;

import java.time.Instant;
import java.util.Map;

/**
 * A network as {@code docker network ls/inspect} show it.
 *
 * @param id 64 hex characters, stable across restarts
 * @param name {@code bridge}, {@code host}, {@code none} or a user-defined network's
 * @param driver {@code bridge}, {@code host} or {@code null}
 * @param created creation time
 * @param subnet CIDR, or null for host and none
 * @param ipRange the part of the subnet containers get addresses from, or null for all of it
 * @param gateway gateway address, or null
 * @param options Docker's {@code com.docker.network.*} options
 * @param containers attached containers by container ID
 * @param internal {@code --internal}
 */
public record NetworkInfo(
    String id,
    String name,
    String driver,
    Instant created,
    String subnet,
    String ipRange,
    String gateway,
    Map<String, String> options,
    Map<String, Attached> containers,
    boolean internal) {

  /** A network that is not {@code --internal}. */
  public NetworkInfo(
      String id,
      String name,
      String driver,
      Instant created,
      String subnet,
      String ipRange,
      String gateway,
      Map<String, String> options,
      Map<String, Attached> containers) {
    this(id, name, driver, created, subnet, ipRange, gateway, options, containers, false);
  }

  /** An attached container as {@code network inspect} lists it. */
  public record Attached(String name, EndpointInfo endpoint) {}
}
