package dev.jocker.kernel;

/** The object named in the call does not exist (ENOENT, ENODEV, ESRCH, EADDRNOTAVAIL). */
public final class NotFoundException extends KernelException {
  private static final long serialVersionUID = 1L;

  public NotFoundException(String operation, String object, int errno, String message) {
    super(operation, object, errno, message);
  }
}
