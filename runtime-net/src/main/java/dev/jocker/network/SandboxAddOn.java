package dev.jocker.network;

import dev.jocker.kernel.Netns;
import dev.jocker.store.Store;
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

  /**
   * Runs inside the transaction that records {@code sandbox} with the caller's journal entry,
   * before any of its kernel objects exists: what the add-on records in {@code tx} commits or rolls
   * back with the sandbox (published ports take their host ports here). A {@link NetworkException}
   * reaches the caller as it is.
   */
  default void planned(Store.Tx tx, Sandbox sandbox) {}

  /** Sets up what this add-on keeps for {@code sandbox}, whose namespace {@code ns} is. */
  void joined(Sandbox sandbox, Netns ns);

  /**
   * Runs once the container's process is launched, before its start is recorded as done: waits for
   * what {@link #joined} left running in the background. A failure fails the start (which then
   * releases the sandbox); a {@link NetworkException} reaches the caller as it is.
   */
  default void ready(Sandbox sandbox) {}

  /** Removes what {@link #joined} set up for {@code sandbox}, whatever of it exists. */
  void leaving(Sandbox sandbox);

  /**
   * Once at daemon start, after recovery: {@code sandboxes} are those of the running containers;
   * the add-on takes back what it keeps for them and drops what it recorded for any other. Returns
   * what it had to change.
   */
  default List<String> recovered(Collection<Sandbox> sandboxes) {
    return List.of();
  }

  /** The periodic check: puts back what is missing for these sandboxes; returns what it fixed. */
  default List<String> heal(Collection<Sandbox> sandboxes) {
    return List.of();
  }
}
