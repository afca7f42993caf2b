package dev.jocker.engine;

/**
 * A failure whose message is fit for a user, e.g. {@code No such container: test3}, with the kind
 * that decides the daemon's HTTP status.
 */
public class EngineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, in HTTP terms. */
  public enum Kind {
    /** Bad input: 400. */
    INVALID(400),
    /** No such container, network or image: 404. */
    NOT_FOUND(404),
    /** Not allowed at all, such as removing a pre-defined network: 403. */
    FORBIDDEN(403),
    /** Name in use, container running or not running: 409. */
    CONFLICT(409),
    /** The kernel or a tool failed: 500. */
    INTERNAL(500);

    private final int httpStatus;

    Kind(int httpStatus) {
      this.httpStatus = httpStatus;
    }

    public int httpStatus() {
      return httpStatus;
    }
  }

  private final Kind kind;

  public EngineException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public EngineException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  public static EngineException notFound(String what, String ref) {
    return new EngineException(Kind.NOT_FOUND, "No such " + what + ": " + ref);
  }
}
