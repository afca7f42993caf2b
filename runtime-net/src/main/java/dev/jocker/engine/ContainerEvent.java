package dev.jocker.engine;

import java.time.Instant;
import java.util.Map;

/**
 * Something that happened to a container, as Docker's events report it.
 *
 * @param action {@code create}, {@code start}, {@code oom} (before the {@code die} of a run the
 *     kernel's OOM killer ended), {@code die}, {@code kill}, {@code stop}, {@code restart} (a start
 *     by the restart policy), {@code pause}, {@code unpause}, {@code rename}, {@code destroy}
 * @param id the container's ID
 * @param name its name (after a rename, the new one)
 * @param image the image it was created from
 * @param time when it happened
 * @param attributes Docker's extra attributes: {@code exitCode} for {@code die}, {@code signal} for
 *     {@code kill}, {@code oldName} ({@code /name}) for {@code rename}
 */
public record ContainerEvent(
    String action,
    String id,
    String name,
    String image,
    Instant time,
    Map<String, String> attributes) {
  public ContainerEvent {
    attributes = Map.copyOf(attributes);
  }
}
