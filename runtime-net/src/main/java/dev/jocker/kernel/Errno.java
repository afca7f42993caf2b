package dev.jocker.kernel;

/** Symbolic names and descriptions for errno values, from jnr-constants. */
final class Errno {
  static final int EINTR = 4;
  static final int EAGAIN = 11;

  private Errno() {}

  static String name(int errno) {
    jnr.constants.platform.Errno e = jnr.constants.platform.Errno.valueOf(errno);
    return e == null || !e.defined() ? "errno " + errno : e.name();
  }

  static String description(int errno) {
    jnr.constants.platform.Errno e = jnr.constants.platform.Errno.valueOf(errno);
    return e == null || !e.defined() ? "Unknown error " + errno : e.description();
  }
}
