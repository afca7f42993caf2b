package dev.jocker.store;

/** The database failed; the message names the statement's purpose and SQLite's reason. */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
