package dev.jocker.network;

import dev.jocker.kernel.Netns;
import java.util.Collection;
import java.util.List;

/**
 * A part of a sandbox beyond its endpoints, such as published ports or an embedded resolver. The
 * controller runs each add-on inside the container's journaled start and stop: {@link #joined} once
 * every endpoint is in place, before the container's process starts; {@link #leaving} before the
 * endpoints go, also for a sandbox whose start failed or was cut short by a crash, so it must
 * tolerate finding nothing or half of what it makes. Its own state lives behind a small interface
 * of its own (as IPAM's leases do), so that a restart finds what it made.
 */
public interface SandboxAddOn {
  /** A short name for logs and errors. */
  String name();

  /** Sets up what this add-on keeps for {@code sandbox}, whose namespace {@code ns} is. */
  void joined(Sandbox sandbox, Netns ns);

  /** Removes what {@link #joined} set up for {@code sandbox}, whatever of it exists. */
  void leaving(Sandbox sandbox);

  /** The periodic check: puts back what is missing for these sandboxes; returns what it fixed. */
  default List<String> heal(Collection<Sandbox> sandboxes) {
    return List.of();
  }
}
