package dev.jocker.kernel;

/**
 * A kernel call that failed: which operation, on what, and why, e.g. {@code link add veth3f2a1c9:
 * File exists (EEXIST)}, with the kernel's extended-ACK message appended when it sent one.
 */
public class KernelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String operation;
  private final String object;
  private final int errno;

  public KernelException(String operation, String object, int errno, String kernelMessage) {
    super(format(operation, object, errno, kernelMessage));
    this.operation = operation;
    this.object = object;
    this.errno = errno;
  }

  /** Turns an errno into the most specific exception type. */
  public static KernelException of(String operation, String object, int errno, String message) {
    return switch (Errno.name(errno)) {
      case "EEXIST", "EADDRINUSE" -> new AlreadyExistsException(operation, object, errno, message);
      case "ENOENT", "ENODEV", "ESRCH", "EADDRNOTAVAIL" ->
          new NotFoundException(operation, object, errno, message);
      default -> new KernelException(operation, object, errno, message);
    };
  }

  public String operation() {
    return operation;
  }

  public String object() {
    return object;
  }

  public int errno() {
    return errno;
  }

  /** The symbolic errno, e.g. {@code EEXIST}. */
  public String errnoName() {
    return Errno.name(errno);
  }

  private static String format(String operation, String object, int errno, String kernelMessage) {
    String text =
        operation + " " + object + ": " + Errno.description(errno) + " (" + Errno.name(errno) + ")";
    return kernelMessage == null || kernelMessage.isEmpty() ? text : text + ": " + kernelMessage;
  }
}
