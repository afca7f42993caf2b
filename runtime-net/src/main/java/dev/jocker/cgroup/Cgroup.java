package dev.jocker.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One container's cgroup: a directory in each v1 hierarchy, or one in the v2 tree. A process joins
 * it by writing its PID to {@code cgroup.procs} in each directory (the launcher does, for the
 * container's PID 1 and every exec).
 */
public final class Cgroup {
  private final String id;
  private final boolean v2;
  private final List<Path> hierarchies;
  private final List<Path> dirs;

  Cgroup(String id, boolean v2, List<Path> hierarchies, String parent) {
    this.id = id;
    this.v2 = v2;
    this.hierarchies = List.copyOf(hierarchies);
    this.dirs = hierarchies.stream().map(h -> h.resolve(parent).resolve(id)).toList();
  }

  public String id() {
    return id;
  }

  /** The directories whose {@code cgroup.procs} a process of the container is written to. */
  public List<Path> dirs() {
    return dirs;
  }

  /** Whether any of its directories exists. */
  public boolean exists() {
    return dirs.stream().anyMatch(Files::isDirectory);
  }

  /** The directory of a v1 controller (or of the v2 cgroup), if that controller is mounted. */
  private Optional<Path> dir(String controller) {
    if (v2) {
      return Optional.of(dirs.get(0));
    }
    for (int i = 0; i < hierarchies.size(); i++) {
      for (String c : hierarchies.get(i).getFileName().toString().split(",")) {
        if (c.equals(controller)) {
          return Optional.of(dirs.get(i));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The file whose {@code oom_kill} line counts the OOM kills in the cgroup: v1's {@code
   * memory.oom_control}, v2's {@code memory.events}; empty without a memory controller.
   */
  public Optional<Path> oomFile() {
    return dir("memory").map(d -> d.resolve(v2 ? "memory.events" : "memory.oom_control"));
  }

  void write(Limits l) throws IOException {
    Optional<Path> memory = dir("memory");
    Optional<Path> cpu = dir("cpu");
    Optional<Path> pids = dir("pids");
    if (v2) {
      Path d = dirs.get(0);
      if (l.memory() > 0) {
        Files.writeString(d.resolve("memory.max"), Long.toString(l.memory()));
        if (Files.exists(d.resolve("memory.swap.max"))) {
          Files.writeString(
              d.resolve("memory.swap.max"),
              l.memoryAndSwap() > 0 ? Long.toString(l.memoryAndSwap() - l.memory()) : "max");
        }
      }
      if (l.cpuQuotaMicros() > 0) {
        Files.writeString(d.resolve("cpu.max"), l.cpuQuotaMicros() + " " + l.cpuPeriodMicros());
      }
      if (l.cpuShares() > 0) {
        Files.writeString(d.resolve("cpu.weight"), Long.toString(Limits.weight(l.cpuShares())));
      }
      if (l.pids() > 0) {
        Files.writeString(d.resolve("pids.max"), Long.toString(l.pids()));
      }
      return;
    }
    if (l.memory() > 0 && memory.isPresent()) {
      Files.writeString(memory.get().resolve("memory.limit_in_bytes"), Long.toString(l.memory()));
      Path memsw = memory.get().resolve("memory.memsw.limit_in_bytes");
      if (l.memoryAndSwap() > 0 && Files.exists(memsw)) {
        Files.writeString(memsw, Long.toString(l.memoryAndSwap()));
      }
    }
    if (cpu.isPresent()) {
      if (l.cpuQuotaMicros() > 0) {
        Files.writeString(
            cpu.get().resolve("cpu.cfs_period_us"), Long.toString(l.cpuPeriodMicros()));
        Files.writeString(cpu.get().resolve("cpu.cfs_quota_us"), Long.toString(l.cpuQuotaMicros()));
      }
      if (l.cpuShares() > 0) {
        Files.writeString(cpu.get().resolve("cpu.shares"), Long.toString(l.cpuShares()));
      }
    }
    if (l.pids() > 0 && pids.isPresent()) {
      Files.writeString(pids.get().resolve("pids.max"), Long.toString(l.pids()));
    }
  }

  /**
   * Restricts the devices the container may use (v1's devices controller): everything denied, then
   * each rule allowed ({@code c 1:3 rwm}) or, with a leading {@code !}, denied. v2 enforces devices
   * through a BPF program, which jocker does not load: returns false there.
   */
  public boolean restrictDevices(List<String> rules) {
    Optional<Path> devices = v2 ? Optional.empty() : dir("devices");
    if (devices.isEmpty()) {
      return false;
    }
    try {
      Files.writeString(devices.get().resolve("devices.deny"), "a");
      for (String rule : rules) {
        boolean deny = rule.startsWith("!");
        Files.writeString(
            devices.get().resolve(deny ? "devices.deny" : "devices.allow"),
            deny ? rule.substring(1) : rule);
      }
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("restrict the devices of cgroup " + id, e);
    }
  }

  /** The limits the kernel holds for it. */
  public Limits limits() {
    try {
      if (v2) {
        Path d = dirs.get(0);
        long memory = max(read(d.resolve("memory.max")));
        long swap =
            Files.exists(d.resolve("memory.swap.max"))
                ? max(read(d.resolve("memory.swap.max")))
                : -1;
        String[] cpuMax = read(d.resolve("cpu.max")).split(" ");
        long weight = Long.parseLong(read(d.resolve("cpu.weight")));
        return new Limits(
            memory,
            memory < 0 || swap < 0 ? -1 : memory + swap,
            max(cpuMax[0]),
            Long.parseLong(cpuMax[1]),
            weight == 100 ? 0 : Limits.shares(weight),
            max(read(d.resolve("pids.max"))));
      }
      long memory =
          dir("memory").map(m -> unlimited(readOr(m.resolve("memory.limit_in_bytes")))).orElse(-1L);
      long memsw =
          dir("memory")
              .map(m -> unlimited(readOr(m.resolve("memory.memsw.limit_in_bytes"))))
              .orElse(-1L);
      Optional<Path> cpu = dir("cpu");
      long quota = cpu.map(c -> Long.parseLong(readOr(c.resolve("cpu.cfs_quota_us")))).orElse(-1L);
      long period =
          cpu.map(c -> Long.parseLong(readOr(c.resolve("cpu.cfs_period_us"))))
              .orElse(Limits.DEFAULT_PERIOD);
      long shares = cpu.map(c -> Long.parseLong(readOr(c.resolve("cpu.shares")))).orElse(0L);
      long pids = dir("pids").map(p -> max(readOr(p.resolve("pids.max")))).orElse(-1L);
      return new Limits(memory, memsw, quota, period, shares == 1024 ? 0 : shares, pids);
    } catch (IOException e) {
      throw new UncheckedIOException("read the limits of cgroup " + id, e);
    }
  }

  /** What it uses now. */
  public Usage usage() {
    try {
      Limits limits = limits();
      if (v2) {
        Path d = dirs.get(0);
        long cpu = 0;
        for (String line : read(d.resolve("cpu.stat")).split("\n")) {
          if (line.startsWith("usage_usec ")) {
            cpu = Long.parseLong(line.substring(11).strip()) * 1000;
          }
        }
        return new Usage(
            Long.parseLong(read(d.resolve("memory.current"))),
            limits.memory(),
            cpu,
            Long.parseLong(read(d.resolve("pids.current"))),
            limits.pids());
      }
      long memory =
          dir("memory")
              .map(m -> Long.parseLong(readOr(m.resolve("memory.usage_in_bytes"))))
              .orElse(0L);
      long cpu =
          dir("cpuacct").map(c -> Long.parseLong(readOr(c.resolve("cpuacct.usage")))).orElse(0L);
      long pids =
          dir("pids").map(p -> Long.parseLong(readOr(p.resolve("pids.current")))).orElse(0L);
      return new Usage(memory, limits.memory(), cpu, pids, limits.pids());
    } catch (IOException e) {
      throw new UncheckedIOException("read the usage of cgroup " + id, e);
    }
  }

  /**
   * The counters of its {@code memory.stat} (v1's and v2's names as the kernel gives them), empty
   * without a memory controller.
   */
  public Map<String, Long> memoryStat() {
    Map<String, Long> out = new LinkedHashMap<>();
    Optional<Path> memory = dir("memory");
    if (memory.isEmpty() || !Files.exists(memory.get().resolve("memory.stat"))) {
      return out;
    }
    try {
      for (String line : read(memory.get().resolve("memory.stat")).split("\n")) {
        String[] f = line.split(" ");
        if (f.length == 2) {
          out.put(f[0], Long.parseLong(f[1]));
        }
      }
      return out;
    } catch (IOException | NumberFormatException e) {
      throw new IllegalStateException("read the memory counters of cgroup " + id, e);
    }
  }

  /** The PIDs of its processes (in the caller's PID namespace), from every hierarchy. */
  public List<Long> pids() {
    Set<Long> pids = new TreeSet<>();
    for (Path d : dirs) {
      try {
        for (String line : read(d.resolve("cgroup.procs")).split("\n")) {
          if (!line.isBlank()) {
            pids.add(Long.parseLong(line.strip()));
          }
        }
      } catch (NoSuchFileException notInThisHierarchy) {
        // A cgroup left half-made (or half-removed) is missing from some hierarchies.
      } catch (IOException e) {
        throw new UncheckedIOException("list the processes of cgroup " + id, e);
      }
    }
    return new ArrayList<>(pids);
  }

  /** Freezes every process in it ({@code docker pause}), returning once they all are frozen. */
  public void freeze() {
    setFrozen(true);
  }

  /** Lets them run again ({@code docker unpause}). */
  public void thaw() {
    setFrozen(false);
  }

  /** Whether it is frozen. */
  public boolean frozen() {
    try {
      if (v2) {
        return read(dirs.get(0).resolve("cgroup.events")).contains("frozen 1");
      }
      Optional<Path> freezer = dir("freezer");
      return freezer.isPresent() && read(freezer.get().resolve("freezer.state")).equals("FROZEN");
    } catch (NoSuchFileException gone) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("read the freezer state of cgroup " + id, e);
    }
  }

  private void setFrozen(boolean frozen) {
    try {
      if (v2) {
        Files.writeString(dirs.get(0).resolve("cgroup.freeze"), frozen ? "1" : "0");
      } else {
        Path freezer =
            dir("freezer")
                .orElseThrow(
                    () ->
                        new IllegalStateException(
                            "no freezer hierarchy is mounted to pause " + id));
        Files.writeString(freezer.resolve("freezer.state"), frozen ? "FROZEN" : "THAWED");
      }
      // Freezing is asynchronous: tasks stop at their next return to user space.
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (frozen() != frozen) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "cgroup " + id + " did not become " + (frozen ? "frozen" : "thawed") + " in 10 s");
        }
        Thread.sleep(1);
      }
    } catch (IOException e) {
      throw new UncheckedIOException((frozen ? "freeze" : "thaw") + " cgroup " + id, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while freezing cgroup " + id, e);
    }
  }

  /**
   * Removes every directory of it. Its processes must have ended; the kernel may hold a cgroup a
   * moment after its last task was reaped, so a busy one is tried again for up to two seconds.
   */
  public void remove() {
    for (Path d : dirs) {
      long deadline = System.nanoTime() + 2_000_000_000L;
      while (true) {
        try {
          Files.deleteIfExists(d);
          break;
        } catch (IOException e) {
          if (System.nanoTime() > deadline) {
            throw new UncheckedIOException("remove cgroup " + d, e);
          }
          try {
            Thread.sleep(10);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException("remove cgroup " + d, e);
          }
        }
      }
    }
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p).strip();
  }

  private static String readOr(Path p) {
    try {
      return read(p);
    } catch (NoSuchFileException e) {
      return "-1";
    } catch (IOException e) {
      throw new UncheckedIOException("read " + p, e);
    }
  }

  /** v2's "max" (and v1's largest values) as -1. */
  private static long max(String value) {
    return value.equals("max") ? -1 : unlimited(value);
  }

  private static long unlimited(String value) {
    long n = Long.parseLong(value);
    // v1 reports "no limit" as the largest page-aligned value; pids.max says "max".
    return n >= Long.MAX_VALUE - 4096 * 2 ? -1 : n;
  }
}
