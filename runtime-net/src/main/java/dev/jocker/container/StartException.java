package dev.jocker.container;

/**
 * A container process that could not start: the message is Docker's own (for a missing command,
 * {@code exec: "nosuchcmd": executable file not found in $PATH}), and the exit code is the one the
 * docker CLI derives from such a message: 127 for a command not found, 126 for one that may not be
 * run, 125 for anything else.
 */
public final class StartException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  public StartException(String message) {
    super(message);
    this.exitCode = exitCodeOf(message);
  }

  /** The docker CLI's rule (cli/command/container/run.go, runStartContainerErr). */
  static int exitCodeOf(String message) {
    if (message.contains("executable file not found")
        || message.contains("no such file or directory")
        || message.contains("system cannot find the file specified")) {
      return 127;
    }
    if (message.contains("permission denied")) {
      return 126;
    }
    return 125;
  }

  public int exitCode() {
    return exitCode;
  }

  /**
   * The text dockerd 20.10 answers with: the runtime's failures to exec the command come wrapped as
   * containerd and runc wrap them; its own (a user not found, a working directory that is a file)
   * come as they are.
   */
  public String dockerMessage() {
    String m = getMessage();
    return m.startsWith("exec")
        ? "failed to create shim task: OCI runtime create failed: runc create failed: unable to"
            + " start container process: "
            + m
            + ": unknown"
        : m;
  }

  /**
   * The text dockerd 20.10 gives for an exec that could not start ({@code docker exec} prints it on
   * stdout and exits 126): {@code OCI runtime exec failed: exec failed: unable to start container
   * process: exec: "nosuchcmd": executable file not found in $PATH: unknown}.
   */
  public String dockerExecMessage() {
    return "OCI runtime exec failed: exec failed: unable to start container process: "
        + getMessage()
        + ": unknown";
  }

  /**
   * The exit code dockerd records for a container whose start failed so: 127 for a command not
   * found, 126 for one that may not be run, 128 for anything else (daemon/start.go).
   */
  public int stateExitCode() {
    return exitCode == 125 ? 128 : exitCode;
  }
}
