package dev.jocker.engine;

import dev.jocker.container.ContainerNames;
import dev.jocker.container.ExecProcess;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exec instances ({@code POST /containers/{id}/exec}), as Docker's daemon keeps them: each is
 * forgotten once it has ended and its exit code was read, or when its container stops or goes, so
 * the map holds only what a client may still ask about.
 */
final class ExecInstances {
  /** One instance; its fields change under its own lock as its process starts and ends. */
  static final class Instance {
    final String id;
    final String containerId;
    final ExecRequest request;
    private boolean started;
    private ExecProcess process;
    private long pid;
    private Integer exitCode;

    private Instance(String id, String containerId, ExecRequest request) {
      this.id = id;
      this.containerId = containerId;
      this.request = request;
    }

    /** Marks it started; false if it was started before (an instance runs once, as Docker's). */
    synchronized boolean begin() {
      if (started) {
        return false;
      }
      started = true;
      return true;
    }

    synchronized void running(ExecProcess p) {
      process = p;
      pid = p.pid();
    }

    synchronized void ended(int code) {
      if (exitCode == null) {
        exitCode = code;
      }
      process = null;
    }

    /** Its process while it runs, else null. */
    synchronized ExecProcess process() {
      settle();
      return process;
    }

    synchronized ExecState state() {
      settle();
      return new ExecState(id, containerId, request, started && exitCode == null, exitCode, pid);
    }

    /** Takes the exit of a process that has ended, so a reader never sees it running still. */
    private void settle() {
      if (process != null) {
        OptionalInt code = process.exitCode();
        if (code.isPresent()) {
          ended(code.getAsInt());
        }
      }
    }
  }

  private final Map<String, Instance> instances = new ConcurrentHashMap<>();

  /** A new instance of {@code request} in container {@code containerId}. */
  Instance create(String containerId, ExecRequest request) {
    Instance i = new Instance(ContainerNames.newId(), containerId, request);
    instances.put(i.id, i);
    return i;
  }

  /** The instance {@code id}, or Docker's 404. */
  Instance get(String id) {
    Instance i = instances.get(id);
    if (i == null) {
      throw EngineException.notFound("exec instance", id);
    }
    return i;
  }

  /** The instance's state; an ended instance is forgotten once its exit code has been read. */
  ExecState inspect(String id) {
    Instance i = get(id);
    ExecState state = i.state();
    if (state.ended()) {
      instances.remove(id);
    }
    return state;
  }

  /** Forgets every instance of a container that stopped or went. */
  void forgetContainer(String containerId) {
    instances.values().removeIf(i -> i.containerId.equals(containerId));
  }
}
