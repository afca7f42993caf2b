package dev.jocker.network;

import java.util.List;

/**
 * Kernel objects with jocker's names that no sandbox owns, and endpoints not where they belong.
 *
 * @param veths host-side veths no endpoint names (bridge ports, or left unattached by a crash)
 * @param namespaces jocker-named namespaces no sandbox names
 * @param detached endpoints whose host veth is missing or not on its network's device
 */
public record Orphans(List<String> veths, List<String> namespaces, List<Detached> detached) {
  /**
   * An endpoint out of place.
   *
   * @param hostVeth its host end
   * @param containerId its container
   * @param network its network's name
   * @param problem {@code is missing} or {@code is not on DEVICE}
   */
  public record Detached(String hostVeth, String containerId, String network, String problem) {}

  public Orphans {
    veths = List.copyOf(veths);
    namespaces = List.copyOf(namespaces);
    detached = List.copyOf(detached);
  }
}
