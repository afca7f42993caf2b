package dev.jocker.daemon;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * The stdio of a running process as the API relays it: an exec that the engine started through the
 * container launcher ({@link ExecStdio}). With a terminal, {@link #stdout} carries everything the
 * terminal shows and {@link #stderr} is null.
 */
interface Stdio extends AutoCloseable {
  /** Where the client's stdin goes, or null when the process's stdin is not attached. */
  OutputStream stdin();

  InputStream stdout();

  /** The process's stderr, or null when it has a terminal. */
  InputStream stderr();

  /** Waits for the process to end and returns its exit status (128 + signal when killed). */
  int waitFor() throws InterruptedException;

  /** The host PID of the process, 0 while not known. */
  long pid();

  /** Changes the terminal's window size; refused without a terminal. */
  void resize(int height, int width);

  /** Ends the process at once (its client went away). */
  void kill();

  /** Releases what the relay holds (pipes, the terminal) once the streams have ended. */
  @Override
  void close();
}
