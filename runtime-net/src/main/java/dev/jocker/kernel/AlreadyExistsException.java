package dev.jocker.kernel;

/** The object the call would create exists already (EEXIST, EADDRINUSE). */
public final class AlreadyExistsException extends KernelException {
  private static final long serialVersionUID = 1L;

  public AlreadyExistsException(String operation, String object, int errno, String message) {
    super(operation, object, errno, message);
  }
}
