package dev.jocker.network;

import java.util.List;

/** A network operation refused or failed; the message is fit for a user. */
public final class NetworkException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why, in the terms the engine maps to its own. */
  public enum Kind {
    INVALID,
    NOT_FOUND,
    FORBIDDEN,
    CONFLICT,
    INTERNAL
  }

  private final Kind kind;
  private final List<String> containers;

  public NetworkException(Kind kind, String message) {
    this(kind, message, List.of(), null);
  }

  public NetworkException(Kind kind, String message, Throwable cause) {
    this(kind, message, List.of(), cause);
  }

  /**
   * A refusal because of containers, which the caller may name: the controller knows them by ID
   * only.
   */
  public NetworkException(Kind kind, String message, List<String> containers, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.containers = List.copyOf(containers);
  }

  public Kind kind() {
    return kind;
  }

  /** The IDs of the containers the refusal is about, if any. */
  public List<String> containers() {
    return containers;
  }
}
