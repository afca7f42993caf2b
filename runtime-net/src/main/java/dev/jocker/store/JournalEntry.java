package dev.jocker.store;

/**
 * A multi-step kernel change that has begun and not yet finished, written before the kernel is
 * touched so that a restart after a crash can finish or undo it.
 *
 * @param id row ID
 * @param kind e.g. {@code attach}, {@code detach}
 * @param subject what it acts on, e.g. the endpoint ID
 * @param payload what undoing needs to know (names, addresses), as {@code key=value} lines
 */
public record JournalEntry(long id, String kind, String subject, String payload) {}
