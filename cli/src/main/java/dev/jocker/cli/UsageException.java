package dev.jocker.cli;

/** A usage error: printed with a pointer to the command's help, exit status 125. */
final class UsageException extends Exception {
  private static final long serialVersionUID = 1L;

  final String command;

  UsageException(String command, String message) {
    super(message);
    this.command = command;
  }
}
