package dev.jocker.dns;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A container's recent answers over UDP, by query (every byte but the ID), valid while the name
 * table's generation is unchanged. A client asking the same name again gets the bytes dnsjava made
 * the first time with its new ID: no parse, no lookup, no encoding. Only answers that do not change
 * from one query to the next are kept ({@link Answers#reusable}). Touched by one loop thread.
 */
final class AnswerCache {
  /** Enough for the names one container asks for; past it the cache starts again. */
  static final int MAX_ENTRIES = 256;

  private static final int ID_BYTES = 2;

  /** A query without its ID. */
  private static final class Key {
    final byte[] query;
    final int hash;

    Key(byte[] query) {
      this.query = query;
      int h = 1;
      for (int i = ID_BYTES; i < query.length; i++) {
        h = 31 * h + query[i];
      }
      this.hash = h;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && k.hash == hash
          && Arrays.equals(query, ID_BYTES, query.length, k.query, ID_BYTES, k.query.length);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  private final Map<Key, byte[]> answers = new HashMap<>();
  private long generation = -1;

  /** The answer made for this query at table generation {@code generation}, or null. */
  byte[] get(byte[] query, long generation) {
    if (generation != this.generation || query.length <= ID_BYTES) {
      return null;
    }
    return answers.get(new Key(query));
  }

  /** Keeps {@code answer} for {@code query}, made at table generation {@code generation}. */
  void put(byte[] query, long generation, byte[] answer) {
    if (generation != this.generation) {
      answers.clear();
      this.generation = generation;
    }
    if (answers.size() >= MAX_ENTRIES) {
      answers.clear();
    }
    answers.put(new Key(query.clone()), answer);
  }
}
