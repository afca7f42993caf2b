package dev.jocker.daemon;

import dev.jocker.container.ContainerNames;
import dev.jocker.engine.EngineException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Docker's exec instances: made by {@code POST /containers/{id}/exec}, run once by {@code POST
 * /exec/{id}/start}, inspected until they are forgotten, five minutes after they ended or at once
 * when their container goes (Docker's exec clean-up does the same every five minutes).
 */
final class Execs {
  private static final Logger LOG = LogManager.getLogger(Execs.class);
  static final Duration KEEP_ENDED = Duration.ofMinutes(5);

  /** One exec instance; its fields change under its own lock. */
  static final class Instance {
    final String id;
    final String containerId;
    final ExecSpec spec;
    final boolean attachStdout;
    final boolean attachStderr;
    private boolean running;
    private Integer exitCode;
    private long pid;
    private Stdio stdio;
    private Instant ended;

    Instance(
        String id, String containerId, ExecSpec spec, boolean attachStdout, boolean attachStderr) {
      this.id = id;
      this.containerId = containerId;
      this.spec = spec;
      this.attachStdout = attachStdout;
      this.attachStderr = attachStderr;
    }

    /** Docker's {@code GET /exec/{id}/json}. */
    synchronized Map<String, Object> inspect() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("CanRemove", ended != null);
      m.put("ContainerID", containerId);
      m.put("DetachKeys", "");
      m.put("ExitCode", exitCode);
      m.put("ID", id);
      m.put("OpenStderr", attachStderr);
      m.put("OpenStdin", spec.stdin());
      m.put("OpenStdout", attachStdout);
      m.put("Running", running);
      m.put("Pid", stdio == null ? pid : Math.max(pid, stdio.pid()));
      Map<String, Object> process = new LinkedHashMap<>();
      process.put("arguments", spec.command().subList(1, spec.command().size()));
      process.put("entrypoint", spec.command().get(0));
      process.put("privileged", false);
      process.put("tty", spec.tty());
      process.put("user", "");
      m.put("ProcessConfig", process);
      return m;
    }

    /** Marks the instance running, or says why it cannot run (Docker's 409s). */
    private synchronized void begin() {
      if (exitCode != null) {
        throw new EngineException(
            EngineException.Kind.CONFLICT, "Error: Exec command " + id + " has already run");
      }
      if (running) {
        throw new EngineException(
            EngineException.Kind.CONFLICT, "Error: Exec command " + id + " is already running");
      }
      running = true;
    }

    private synchronized void started(Stdio io) {
      stdio = io;
    }

    private synchronized void end(int code) {
      if (stdio != null) {
        pid = Math.max(pid, stdio.pid());
      }
      running = false;
      exitCode = code;
      ended = Instant.now();
      stdio = null;
    }

    synchronized Stdio stdio() {
      return stdio;
    }
  }

  private final Map<String, Instance> instances = new ConcurrentHashMap<>();
  private final ExecLauncher launcher;
  private final ExecutorService streams;

  Execs(ExecLauncher launcher, ExecutorService streams) {
    this.launcher = launcher;
    this.streams = streams;
  }

  Instance create(String containerId, ExecSpec spec, boolean attachStdout, boolean attachStderr) {
    forgetEnded();
    Instance i =
        new Instance(ContainerNames.newId(), containerId, spec, attachStdout, attachStderr);
    instances.put(i.id, i);
    return i;
  }

  Instance get(String id) {
    Instance i = instances.get(id);
    if (i == null) {
      throw EngineException.notFound("exec instance", id);
    }
    return i;
  }

  /** Forgets the exec instances of a container that is gone. */
  void forgetContainer(String containerId) {
    instances.values().removeIf(i -> i.containerId.equals(containerId) && i.stdio() == null);
  }

  private void forgetEnded() {
    Instant horizon = Instant.now().minus(KEEP_ENDED);
    instances.values().removeIf(i -> i.ended != null && i.ended.isBefore(horizon));
  }

  /** {@code Detach: true}: starts the process, discards its output, records its exit. */
  void startDetached(Instance i) {
    i.begin();
    Stdio io = launch(i);
    streams.execute(() -> drain(io.stdout()));
    if (io.stderr() != null) {
      streams.execute(() -> drain(io.stderr()));
    }
    streams.execute(() -> finish(i, io));
  }

  /**
   * Runs the instance over a hijacked stream: output as it is written (framed without a terminal),
   * the client's input to the process with its half-close, the connection closed once the exit is
   * recorded, so that an inspect after the stream's end sees the exit code.
   */
  void startAttached(Instance i, RawStream client, boolean tty) {
    OutputStream out = client.out();
    Stdio io;
    try {
      i.begin();
      io = launch(i);
    } catch (EngineException e) {
      writeQuietly(
          out, StdCopy.STDOUT, (e.getMessage() + "\r\n").getBytes(StandardCharsets.UTF_8), tty);
      client.close();
      return;
    }
    // Docker frames by the start request's Tty, not the create's.
    boolean raw = tty;
    List<java.util.concurrent.Future<?>> pumps = new ArrayList<>();
    AtomicBoolean clientGone = new AtomicBoolean();
    if (io.stderr() != null) {
      pumps.add(
          streams.submit(
              () -> relay(io.stderr(), out, StdCopy.STDERR, raw, i.attachStderr, clientGone)));
    }
    if (io.stdin() != null) {
      streams.execute(() -> feed(client.in(), io.stdin()));
    }
    relay(io.stdout(), out, StdCopy.STDOUT, raw, i.attachStdout, clientGone);
    for (var p : pumps) {
      try {
        p.get();
      } catch (Exception e) {
        LOG.debug("exec {}: stderr relay: {}", i.id, e.getMessage());
      }
    }
    finish(i, io);
    client.close();
  }

  private Stdio launch(Instance i) {
    Stdio io;
    try {
      io = launcher.start(i.containerId, i.spec);
    } catch (RuntimeException e) {
      i.end(126);
      throw e;
    }
    i.started(io);
    return io;
  }

  private static void finish(Instance i, Stdio io) {
    int code;
    try {
      code = io.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      io.kill();
      code = 137;
    }
    io.close();
    i.end(code);
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
    } catch (IOException e) {
      // The process closed its stdin or ended: nothing more to relay.
    }
  }

  private static void drain(InputStream in) {
    try (in) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException ended) {
      // The process ended.
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
