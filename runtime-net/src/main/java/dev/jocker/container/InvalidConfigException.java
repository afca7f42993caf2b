package dev.jocker.container;

/**
 * A container's configuration that Docker 20.10 refuses, with dockerd's own text (the CLI prints it
 * after "Error response from daemon: " and exits 125).
 */
public final class InvalidConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidConfigException(String message) {
    super(message);
  }
}
