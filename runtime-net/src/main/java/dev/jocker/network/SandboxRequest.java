package dev.jocker.network;

import java.util.List;
import java.util.Map;

/**
 * What a container's start asks of the network side.
 *
 * @param containerId the container
 * @param netns the name its namespace gets
 * @param endpoints one per network, in order: the first gets {@code eth0} and the default route
 * @param options for the sandbox's add-ons, by name
 */
public record SandboxRequest(
    String containerId,
    String netns,
    List<EndpointRequest> endpoints,
    Map<String, String> options) {
  public SandboxRequest {
    endpoints = List.copyOf(endpoints);
    options = Map.copyOf(options);
  }

  /**
   * One endpoint asked for.
   *
   * @param network the network's name or ID
   * @param ipv4 the container's own address ({@code --ip}), or null for any free one
   * @param options for the endpoint's add-ons (port bindings, aliases), by name
   */
  public record EndpointRequest(String network, String ipv4, Map<String, String> options) {
    public EndpointRequest {
      options = Map.copyOf(options);
    }
  }
}
