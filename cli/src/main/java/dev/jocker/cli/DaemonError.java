package dev.jocker.cli;

/** The daemon answered with an error; printed as {@code Error response from daemon: …}. */
final class DaemonError extends Exception {
  private static final long serialVersionUID = 1L;

  final int status;

  DaemonError(int status, String message) {
    super(message);
    this.status = status;
  }
}
