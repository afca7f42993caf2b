package dev.jocker.daemon;

import dev.jocker.engine.Engine;
import dev.jocker.engine.EngineException;
import dev.jocker.engine.ExecState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The relay of Docker's exec instances over a hijacked connection. The instances themselves are the
 * engine's ({@link Engine#createExec}, {@link Engine#startExec(String)}, {@link
 * Engine#inspectExec}): it forgets one once its exit code was read or its container stopped.
 */
final class Execs {
  private static final Logger LOG = LogManager.getLogger(Execs.class);

  private final Engine engine;
  private final ExecutorService streams;

  Execs(Engine engine, ExecutorService streams) {
    this.engine = engine;
    this.streams = streams;
  }

  /** Docker's {@code GET /exec/{id}/json} of an instance's state. */
  static Map<String, Object> inspect(ExecState s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("CanRemove", s.ended());
    m.put("ContainerID", s.containerId());
    m.put("DetachKeys", "");
    m.put("ExitCode", s.exitCode());
    m.put("ID", s.id());
    m.put("OpenStderr", s.request().attachStderr());
    m.put("OpenStdin", s.request().attachStdin());
    m.put("OpenStdout", s.request().attachStdout());
    m.put("Running", s.running());
    m.put("Pid", s.pid());
    Map<String, Object> process = new LinkedHashMap<>();
    List<String> command = s.request().command();
    process.put("arguments", command.subList(1, command.size()));
    process.put("entrypoint", command.get(0));
    process.put("privileged", s.request().privileged());
    process.put("tty", s.request().tty());
    process.put("user", s.request().user());
    m.put("ProcessConfig", process);
    return m;
  }

  /**
   * Runs instance {@code execId} over a hijacked stream: output as it is written (framed without a
   * terminal), the client's input to the process with its half-close, the connection closed once
   * the process has ended, so that an inspect after the stream's end sees the exit code. A command
   * that cannot start writes Docker's text to the stream instead.
   */
  void startAttached(String execId, RawStream client, boolean tty) {
    OutputStream out = client.out();
    ExecState state = engine.execInstance(execId);
    Stdio io;
    try {
      io =
          new ExecStdio(
              engine.startExec(execId), state.request().tty(), state.request().attachStdin());
    } catch (EngineException e) {
      writeQuietly(
          out, StdCopy.STDOUT, (e.getMessage() + "\r\n").getBytes(StandardCharsets.UTF_8), tty);
      client.close();
      return;
    }
    // Docker frames by the start request's Tty, not the create's.
    boolean raw = tty;
    List<Future<?>> pumps = new ArrayList<>();
    AtomicBoolean clientGone = new AtomicBoolean();
    if (io.stderr() != null) {
      pumps.add(
          streams.submit(
              () ->
                  relay(
                      io.stderr(),
                      out,
                      StdCopy.STDERR,
                      raw,
                      state.request().attachStderr(),
                      clientGone)));
    }
    if (io.stdin() != null) {
      streams.execute(() -> feed(client.in(), io.stdin()));
    }
    relay(io.stdout(), out, StdCopy.STDOUT, raw, state.request().attachStdout(), clientGone);
    for (Future<?> p : pumps) {
      try {
        p.get();
      } catch (Exception e) {
        LOG.debug("exec {}: stderr relay: {}", execId, e.getMessage());
      }
    }
    try {
      io.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      io.kill();
    }
    io.close();
    client.close();
  }

  /**
   * Copies one output of the process to the client. Once the client is gone the process runs on, as
   * under Docker: the rest of its output is read and dropped until it ends.
   */
  private static void relay(
      InputStream from,
      OutputStream to,
      int stream,
      boolean raw,
      boolean attached,
      AtomicBoolean clientGone) {
    byte[] buf = new byte[32 * 1024];
    try {
      int n;
      while ((n = from.read(buf)) > 0) {
        if (!attached || clientGone.get()) {
          continue;
        }
        try {
          StdCopy.write(to, stream, buf, n, raw);
        } catch (IOException e) {
          clientGone.set(true);
        }
      }
    } catch (IOException ended) {
      // The process's side closed: its output is complete.
    }
  }

  /** The client's stdin to the process; the client's half-close closes the process's stdin. */
  private static void feed(InputStream from, OutputStream to) {
    byte[] buf = new byte[32 * 1024];
    try (to) {
      int n;
      while ((n = from.read(buf)) > 0) {
        to.write(buf, 0, n);
        to.flush();
      }
    } catch (IOException | RuntimeException e) {
      // The process closed its stdin or ended: nothing more to relay.
    }
  }

  private static void writeQuietly(OutputStream out, int stream, byte[] data, boolean raw) {
    try {
      StdCopy.write(out, stream, data, data.length, raw);
    } catch (IOException clientGone) {
      // Nobody is left to tell.
    }
  }
}
