package dev.jocker.store;

/**
 * The database failed; the message names the statement's purpose and SQLite's own reason, e.g.
 * {@code [SQLITE_FULL] ... (database or disk is full)}.
 */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Whether the database could not write because its file system is full. */
  public boolean diskFull() {
    for (Throwable t = this; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      if (m.contains("SQLITE_FULL") || m.contains("No space left")) {
        return true;
      }
    }
    return false;
  }
}
