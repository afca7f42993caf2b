package dev.jocker.store;

import java.time.Instant;
import java.util.Map;

/**
 * A container's network sandbox: its named network namespace, recorded when the sandbox is planned
 * and used from then on to find it, never derived again from the container's current name.
 *
 * @param containerId the container
 * @param netns the namespace's name under the netns directory, e.g. {@code jocker-test1}
 * @param created when it was planned
 * @param options what the sandbox's add-ons read (a resolver's options, say), by name
 */
public record SandboxRecord(
    String containerId, String netns, Instant created, Map<String, String> options) {
  public SandboxRecord {
    options = Map.copyOf(options);
  }
}
