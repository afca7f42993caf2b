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
  public Sandbox {
    endpoints = List.copyOf(endpoints);
  }

  public String containerId() {
    return record.containerId();
  }

  /** The namespace's name, as recorded when the sandbox was planned. */
  public String netns() {
    return record.netns();
  }
}
