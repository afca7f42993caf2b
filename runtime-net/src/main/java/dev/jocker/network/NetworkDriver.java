package dev.jocker.network;

import dev.jocker.firewall.Firewall;
import dev.jocker.kernel.Netns;
import dev.jocker.store.EndpointRecord;
import dev.jocker.store.NetworkRecord;
import java.util.List;
import java.util.Optional;

/**
 * What makes one network's kernel objects, libnetwork's driver: the bridge driver now, overlay and
 * CNI later. Every method is idempotent where it can be: a restart after a crash runs them again.
 */
public interface NetworkDriver {
  /**
   * The change {@link #setup} reports when it turned forwarding on and so, as Docker does, set the
   * FORWARD policy to DROP: the controller then keeps that policy in place.
   */
  String FORWARD_POLICY_SET = "enabled net.ipv4.ip_forward and set the FORWARD policy to DROP";

  /** Makes one network's driver; the controller opens one per network of the driver's kind. */
  interface Factory {
    NetworkDriver open(NetworkRecord network);
  }

  /** Brings the network's kernel objects into place; returns what had to change. */
  List<String> setup();

  /** Removes what {@link #setup} made for this network alone. */
  void teardown();

  /**
   * What is out of place now, read cheaply enough for a check every few seconds; {@code rules} is
   * the firewall as one read showed it. Empty when all is in place.
   */
  List<String> problems(Firewall.Snapshot rules);

  /** Wires {@code endpoint} into the sandbox's namespace; the gateway endpoint gets the route. */
  void join(Netns sandbox, EndpointRecord endpoint, boolean gateway);

  /** Removes what {@link #join} made for {@code endpoint}, whatever of it exists. */
  void leave(EndpointRecord endpoint);

  /**
   * Puts back the host ends of these endpoints where they belong (after the bridge was made again);
   * returns the host interfaces it moved.
   */
  List<String> reattach(List<EndpointRecord> endpoints);

  /** The name of the network's device on the host (its bridge), for messages. */
  String device();

  /**
   * Where the endpoints' addresses come from, when not the controller's own IPAM: a network shared
   * by several hosts hands them out from its own space.
   */
  default Optional<AddressSpace> addresses() {
    return Optional.empty();
  }

  /**
   * Whether every veth on {@link #device} is jocker's, so that one no endpoint names is a leftover;
   * not so for a bridge an orchestrator's configuration named and jocker found.
   */
  default boolean ownsEveryPort() {
    return true;
  }
}
