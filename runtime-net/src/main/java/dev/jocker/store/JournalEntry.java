package dev.jocker.store;

import java.util.Map;

/**
 * A multi-step change that has begun and not yet finished, written in the same transaction as the
 * records it changes and before the kernel is touched, so that the next start after a crash rolls
 * it forward or back.
 *
 * @param id row ID
 * @param kind what is being done, e.g. {@code container.start}, {@code network.remove}
 * @param subject what it acts on, e.g. a container ID
 * @param payload what recovery needs to know, as names and values
 */
public record JournalEntry(long id, String kind, String subject, Map<String, String> payload) {
  public JournalEntry {
    payload = Map.copyOf(payload);
  }
}
