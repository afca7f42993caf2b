package dev.jocker.container;

import dev.jocker.kernel.ReportFifo;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Starts, signals and enters container processes. Every process starts from the calling thread
 * (which must sit in the host namespace) through util-linux trampolines: {@code nsenter} into the
 * network namespace, {@code unshare} for new PID, mount, UTS and IPC namespaces, then an init
 * script that mounts the root and execs the command as PID 1. A small shell shim per container
 * outlives the daemon and records the exit status, like containerd-shim.
 */
public final class ProcessRuntime {
  /** A running container process: host PID of its PID 1 and that PID's start time. */
  public record Started(long pid, long startTime) {}

  static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private ProcessRuntime() {}

  /**
   * Starts the container detached and returns once its PID 1 runs the command's exec: output to
   * {@code container.log}, exit status to a file. The shim ({@code setsid --fork}) is reparented
   * away from the daemon at once, like containerd-shim, so no daemon thread waits for it. The init
   * script reports PID 1 over a named pipe that only the shim and the script hold: if either dies
   * first, the pipe ends at that moment and the start fails with the end of the container's log.
   */
  public static Started start(ProcessSpec spec) {
    prepare(spec);
    Path dir = spec.stateDir();
    try (ReportFifo report = ReportFifo.create(dir.resolve("report"))) {
      Files.deleteIfExists(dir.resolve("exitcode"));
      Files.deleteIfExists(dir.resolve("pid"));
      Files.writeString(dir.resolve("shim.sh"), shimScript(spec));
      List<String> argv = new ArrayList<>(List.of("setsid", "--fork"));
      argv.addAll(namespaces(spec, false));
      argv.addAll(List.of("/bin/sh", dir.resolve("shim.sh").toString()));
      new ProcessBuilder(argv)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.to(report.path().toFile()))
          .redirectError(
              ProcessBuilder.Redirect.appendTo(spec.dataDir().resolve("container.log").toFile()))
          .start();
      Started started =
          report
              .readLine(START_TIMEOUT_MILLIS)
              .map(ProcessRuntime::parseStarted)
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "container process ended before it started: "
                              + tail(spec.dataDir().resolve("container.log"))));
      awaitChroot(spec, started);
      return started;
    } catch (IOException e) {
      throw new UncheckedIOException("start container in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Waits until PID 1 has changed its root to the container's: the init script reports just before
   * it execs {@code env} and {@code chroot}, and an exec entering PID 1 before the chroot would see
   * the host's files. Two execs take a millisecond or two, so this checks every 0.2 ms; a process
   * that ends first is the exit watch's to report.
   */
  private static void awaitChroot(ProcessSpec spec, Started started) {
    Path proc = Path.of("/proc/" + started.pid() + "/root");
    String root = spec.stateDir().resolve("rootfs").toString();
    long deadline = System.nanoTime() + START_TIMEOUT_MILLIS * 1_000_000L;
    while (System.nanoTime() < deadline && alive(started.pid(), started.startTime())) {
      try {
        if (Files.readSymbolicLink(proc).toString().equals(root)) {
          return;
        }
        Thread.sleep(0, 200_000);
      } catch (IOException gone) {
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** How long a container's mounts and init may take before its start is given up. */
  private static final int START_TIMEOUT_MILLIS = 30_000;

  /**
   * The shim: forked by {@code setsid --fork}, it holds the report FIFO (fd 1 of the launcher) only
   * as fd 3 while it starts the init script, which writes PID 1's report there; then it waits. The
   * first child it forks is PID 1 of the new PID namespace (it runs after unshare(CLONE_NEWPID));
   * as that child's parent it sees a death by signal, which unshare --fork hides. Only builtins
   * after the wait: once PID 1 is gone the namespace cannot fork any more.
   */
  private static String shimScript(ProcessSpec spec) {
    Path dir = spec.stateDir();
    return "#!/bin/sh\n"
        + "# Outlives the daemon, like containerd-shim, and records how the container ended.\n"
        + "exec 3>&1 >>"
        + quote(spec.dataDir().resolve("container.log").toString())
        + "\n"
        + "/bin/sh "
        + quote(dir.resolve("init.sh").toString())
        + " \"$$\" &\n"
        + "exec 3>&-\n"
        + "wait $!\n"
        + "echo $? > "
        + quote(dir.resolve("exitcode").toString())
        + "\n";
  }

  /**
   * What the PID file of a run records: PID 1, its start time, and the shim's PID (0 for a process
   * the caller launched itself); empty when the run never got as far as writing it.
   */
  public static Optional<Recorded> recorded(Path stateDir) {
    try {
      String line = Files.readString(stateDir.resolve("pid"));
      if (!line.endsWith("\n")) {
        return Optional.empty();
      }
      String[] parts = line.strip().split(" ");
      return Optional.of(
          new Recorded(
              new Started(Long.parseLong(parts[0]), Long.parseLong(parts[1])),
              parts.length > 2 ? Long.parseLong(parts[2]) : 0));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** A run's PID file: the started PID 1, and the shim's PID or 0. */
  public record Recorded(Started started, long shimPid) {}

  private static Started parseStarted(String line) {
    String[] parts = line.strip().split(" ");
    return new Started(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
  }

  private static List<String> namespaces(ProcessSpec spec, boolean fork) {
    List<String> argv = new ArrayList<>();
    if (spec.netns() != null) {
      argv.addAll(List.of("nsenter", "--net=" + spec.netns(), "--"));
    }
    argv.addAll(
        List.of("unshare", "--pid", "--mount", "--uts", "--ipc", "--propagation", "private"));
    if (fork) {
      argv.addAll(List.of("--fork", "--kill-child"));
    }
    argv.add("--");
    return argv;
  }

  /**
   * The argument vector that starts the container when run by the caller (who then owns its
   * terminal); the caller learns the PID from {@link #awaitStarted}.
   */
  public static List<String> launchArgv(ProcessSpec spec) {
    prepare(spec);
    List<String> argv = namespaces(spec, true);
    argv.addAll(List.of("/bin/sh", spec.stateDir().resolve("init.sh").toString()));
    return argv;
  }

  /**
   * Waits until the init script of a process the caller launched ({@link #launchArgv}) reports the
   * container's PID; fails as soon as that process ({@code launcherPid}) has ended without a
   * report.
   */
  public static Started awaitStarted(ProcessSpec spec, long launcherPid, long timeoutMillis) {
    Path stateDir = spec.stateDir();
    long deadline = System.currentTimeMillis() + timeoutMillis;
    try {
      while (System.currentTimeMillis() < deadline) {
        Optional<Recorded> r = recorded(stateDir);
        if (r.isPresent()) {
          awaitChroot(spec, r.get().started());
          return r.get().started();
        }
        if (Files.exists(stateDir.resolve("exitcode"))
            || !Files.exists(Path.of("/proc/" + launcherPid))) {
          throw new IllegalStateException(
              "container process ended before it started: "
                  + tail(spec.dataDir().resolve("container.log")));
        }
        Thread.sleep(2);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new IllegalStateException(
        "container process did not start within " + timeoutMillis + " ms");
  }

  /**
   * Whether {@code pid} is alive and still the process that started at {@code startTime}: not a
   * zombie (ended, its parent yet to read its status), not another process that reuses the PID.
   */
  public static boolean alive(long pid, long startTime) {
    if (pid <= 0) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z' && startTimeOf(stat) == startTime;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Field 22 of a {@code /proc/PID/stat} line, counted from the state (field 3) that follows the
   * command name's ')': the name may hold spaces and ')', the fields after it do not. It skips to
   * the field instead of splitting the line: the engine reads it for every running container it has
   * not yet watched (each one after a daemon restart).
   */
  static long startTimeOf(String stat) {
    int at = stat.lastIndexOf(')') + 2;
    for (int field = 3; field < 22; field++) {
      at = stat.indexOf(' ', at) + 1;
    }
    int end = stat.indexOf(' ', at);
    return Long.parseLong(stat, at, end < 0 ? stat.length() : end, 10);
  }

  /** The exit status the shim recorded, if the container has ended. */
  public static OptionalInt exitCode(Path stateDir) {
    try {
      Path f = stateDir.resolve("exitcode");
      return Files.exists(f)
          ? OptionalInt.of(Integer.parseInt(Files.readString(f).strip()))
          : OptionalInt.empty();
    } catch (IOException | NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  /**
   * The argument vector that runs {@code command} inside every namespace and the root of {@code
   * pid}.
   */
  public static List<String> execArgv(long pid, List<String> command, List<String> env) {
    List<String> argv = new ArrayList<>(List.of("env", "-i"));
    argv.addAll(env);
    argv.addAll(
        List.of(
            "nsenter", "-t", Long.toString(pid), "-m", "-u", "-i", "-n", "-p", "-r", "-w", "--"));
    argv.addAll(command);
    return argv;
  }

  /** Runs {@code command} inside the container and collects its exit code and output. */
  public static ExecOutput exec(long pid, List<String> command, List<String> env) {
    try {
      Path err = Files.createTempFile("jocker-exec", ".err");
      try {
        Process p =
            new ProcessBuilder(execArgv(pid, command, env))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(err.toFile())
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        int code = p.waitFor();
        return new ExecOutput(code, out, Files.readAllBytes(err));
      } finally {
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("exec in container " + pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("exec interrupted", e);
    }
  }

  /**
   * Starts {@code command} inside the container without waiting for it, its output discarded, as a
   * detached exec's is; the caller learns its end from the returned process.
   */
  public static Process execDetached(long pid, List<String> command, List<String> env) {
    try {
      return new ProcessBuilder(execArgv(pid, command, env))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("exec in container " + pid + ": " + e.getMessage(), e);
    }
  }

  /** What an exec left. */
  public record ExecOutput(int exitCode, byte[] stdout, byte[] stderr) {}

  /** The environment a container process gets: PATH and HOSTNAME, then the user's entries. */
  public static List<String> environment(String hostname, List<String> user, boolean tty) {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    env.put("PATH", PATH);
    env.put("HOSTNAME", hostname);
    if (tty) {
      env.put("TERM", "xterm");
    }
    for (String e : user) {
      int eq = e.indexOf('=');
      if (eq > 0) {
        env.put(e.substring(0, eq), e.substring(eq + 1));
      }
    }
    return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
  }

  private static void prepare(ProcessSpec spec) {
    Path dir = spec.stateDir();
    try {
      Files.createDirectories(dir.resolve("rootfs"));
      for (String d : List.of("upper", "work")) {
        Files.createDirectories(spec.dataDir().resolve(d));
      }
      // Like Docker's init layer: the mount points exist in the container's own layer before it
      // starts, so the init script makes none of them (each mkdir there is a process).
      Path upper = spec.dataDir().resolve("upper");
      for (String d : List.of("proc", "sys", "dev", "etc", "tmp")) {
        Files.createDirectories(upper.resolve(d));
      }
      for (String f : ETC_FILES) {
        if (!Files.exists(upper.resolve("etc").resolve(f), LinkOption.NOFOLLOW_LINKS)) {
          Files.createFile(upper.resolve("etc").resolve(f));
        }
      }
      Files.writeString(dir.resolve("init.sh"), initScript(spec));
      Files.writeString(dir.resolve("fstab.base"), baseFstab(dir.resolve("rootfs")));
      Files.writeString(dir.resolve("fstab.binds"), bindsFstab(dir));
    } catch (IOException e) {
      throw new UncheckedIOException("prepare container in " + dir, e);
    }
  }

  /** The device nodes a container sees in its {@code /dev}: the host's, bind-mounted. */
  private static final List<String> DEVICES =
      List.of("null", "zero", "full", "random", "urandom", "tty");

  /** The files the engine writes per container and bind-mounts over the image's {@code /etc}. */
  private static final List<String> ETC_FILES = List.of("hosts", "hostname", "resolv.conf");

  private static String initScript(ProcessSpec spec) {
    Path root = spec.stateDir().resolve("rootfs");
    List<String> exec = new ArrayList<>(List.of("env", "-i"));
    exec.addAll(spec.env());
    exec.addAll(List.of("chroot", root.toString()));
    exec.addAll(spec.command());
    StringBuilder devices = new StringBuilder();
    for (String n : DEVICES) {
      devices.append(": > \"$R/dev/").append(n).append("\"\n");
    }
    return "#!/bin/sh\n"
        + "# PID 1 of the container's PID namespace, in its own mount, UTS and IPC namespaces.\n"
        + "# Every process this script starts is time the user waits for at `run`: the engine made\n"
        + "# the mount points in the container's layer, and one mount(8) per stage mounts an fstab.\n"
        + "set -e\n"
        + "# The shim passes its PID; a process the caller launched itself has no shim.\n"
        + "shim=${1:-0}\n"
        + "D="
        + quote(spec.stateDir().toString())
        + "\n"
        + "R=\"$D/rootfs\"\n"
        + "L="
        + quote(spec.dataDir().toString())
        + "\n"
        + "I="
        + quote(spec.rootfs().toString())
        + "\n"
        + "# The host's /proc is still mounted here, so /proc/self/stat shows our host PID.\n"
        + "read -r stat < /proc/self/stat\n"
        + "mount -t overlay overlay -o \"lowerdir=$I,upperdir=$L/upper,workdir=$L/work\" \"$R\" 2>/dev/null"
        + " || { cp -a \"$I/.\" \"$L/upper/\"; mount --bind \"$L/upper\" \"$R\"; }\n"
        + "mount --all --fstab \"$D/fstab.base\"\n"
        + devices
        + "mount --all --fstab \"$D/fstab.binds\"\n"
        + "ln -s pts/ptmx \"$R/dev/ptmx\"\n"
        + "echo "
        + quote(spec.hostname())
        + " > /proc/sys/kernel/hostname\n"
        + "# Fields 1 and 22 of stat: PID and start time, which together name this process for good.\n"
        + "set -- $stat\n"
        + "pid=$1\n"
        + "shift 21\n"
        + "echo \"$pid $1 $shim\" > \"$D/pid\"\n"
        + "# The daemon waits on fd 3 for this line; with it written, nothing here holds the pipe.\n"
        + "if [ \"$shim\" != 0 ]; then echo \"$pid $1\" >&3; exec 3>&-; fi\n"
        + "cd \"$R\"\n"
        + "exec "
        + quoteAll(exec)
        + "\n";
  }

  /** Mounted before the device nodes inside {@code /dev} can be made: proc, sysfs and /dev. */
  static String baseFstab(Path root) {
    return fstabLine("proc", root.resolve("proc"), "proc", "nosuid,nodev,noexec")
        + fstabLine("sysfs", root.resolve("sys"), "sysfs", "ro,nosuid,nodev,noexec")
        + fstabLine("tmpfs", root.resolve("dev"), "tmpfs", "nosuid,mode=755");
  }

  /**
   * The pseudo-terminals, Docker's 64 MB /dev/shm, the host's device nodes and the engine's /etc
   * files.
   */
  static String bindsFstab(Path stateDir) {
    Path root = stateDir.resolve("rootfs");
    StringBuilder fstab =
        new StringBuilder(
            fstabLine(
                    "devpts",
                    root.resolve("dev/pts"),
                    "devpts",
                    "newinstance,ptmxmode=0666,mode=620,X-mount.mkdir")
                + fstabLine(
                    "shm",
                    root.resolve("dev/shm"),
                    "tmpfs",
                    "nosuid,nodev,noexec,mode=1777,size=65536k,X-mount.mkdir"));
    for (String n : DEVICES) {
      fstab.append(fstabLine("/dev/" + n, root.resolve("dev").resolve(n), "none", "bind"));
    }
    for (String f : ETC_FILES) {
      fstab.append(
          fstabLine(
              stateDir.resolve(f).toString(), root.resolve("etc").resolve(f), "none", "bind"));
    }
    return fstab.toString();
  }

  private static String fstabLine(String source, Path target, String type, String options) {
    return fstabEscape(source)
        + " "
        + fstabEscape(target.toString())
        + " "
        + type
        + " "
        + options
        + " 0 0\n";
  }

  /** fstab separates fields by white space, so white space and backslash in a path are octal. */
  static String fstabEscape(String path) {
    StringBuilder out = new StringBuilder(path.length());
    for (char c : path.toCharArray()) {
      switch (c) {
        case ' ' -> out.append("\\040");
        case '\t' -> out.append("\\011");
        case '\n' -> out.append("\\012");
        case '\\' -> out.append("\\134");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static String quoteAll(List<String> words) {
    return String.join(" ", words.stream().map(ProcessRuntime::quote).toList());
  }

  private static String tail(Path log) {
    try {
      if (!Files.exists(log)) {
        return "(no output)";
      }
      String text = Files.readString(log).strip();
      return text.length() > 500 ? text.substring(text.length() - 500) : text;
    } catch (IOException e) {
      return "(log unreadable)";
    }
  }
}
