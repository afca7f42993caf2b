package dev.jocker.network;

import dev.jocker.store.EndpointRecord;
import dev.jocker.store.SandboxRecord;
import java.util.List;

/**
 * A container's network sandbox, libnetwork's word: its network namespace and what lives in it, its
 * endpoints first ({@code eth0} on the first network, which holds the default route).
 *
 * @param record the namespace's recorded name and the sandbox's options
 * @param endpoints one per network, by interface name
 */
public record Sandbox(SandboxRecord record, List<EndpointRecord> endpoints) {
  /**
   * The option of a sandbox whose namespace an orchestrator made (a CNI runtime's container), with
   * who attaches it as value: the controller neither creates nor deletes that namespace, no add-on
   * takes part, and nothing of jocker's container side knows the container.
   */
  public static final String EXTERNAL = "external";

  /** The option naming an external sandbox's container as its orchestrator names it. */
  public static final String NAME = "name";

  public Sandbox {
    endpoints = List.copyOf(endpoints);
  }

  public String containerId() {
    return record.containerId();
  }

  /** Whether an orchestrator made the namespace ({@link #EXTERNAL}). */
  public boolean external() {
    return record.options().containsKey(EXTERNAL);
  }

  /** The namespace's name, as recorded when the sandbox was planned; a path when external. */
  public String netns() {
    return record.netns();
  }
}
