package dev.jocker.container;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The spec jocker-launcher reads: "key=value" entries in order, with what Docker 20.10's default
 * OCI spec holds (moby's oci/defaults.go and runc's defaults) spelled out as mounts, device nodes,
 * symbolic links, masked and read-only paths. The launcher performs them and decides nothing.
 */
final class LauncherSpec {
  static final long MS_RDONLY = 1;
  static final long MS_NOSUID = 2;
  static final long MS_NODEV = 4;
  static final long MS_NOEXEC = 8;
  static final long MS_BIND = 0x1000;
  static final long MS_REC = 0x4000;
  static final long MS_STRICTATIME = 1L << 24;

  private static final char SEP = '\u001f';

  /** A mount inside the container, in the order made. */
  record Mount(String type, String source, String target, long flags, String data) {}

  /** The device nodes runc makes in every container's /dev: char devices, 0666, root's. */
  record Device(String path, int major, int minor) {}

  static final List<Device> DEVICES =
      List.of(
          new Device("/dev/null", 1, 3),
          new Device("/dev/zero", 1, 5),
          new Device("/dev/full", 1, 7),
          new Device("/dev/random", 1, 8),
          new Device("/dev/urandom", 1, 9),
          new Device("/dev/tty", 5, 0));

  /** runc's links in /dev: target, then link. /dev/core only where the host has /proc/kcore. */
  static final List<List<String>> SYMLINKS =
      List.of(
          List.of("/proc/self/fd", "/dev/fd"),
          List.of("/proc/self/fd/0", "/dev/stdin"),
          List.of("/proc/self/fd/1", "/dev/stdout"),
          List.of("/proc/self/fd/2", "/dev/stderr"),
          List.of("pts/ptmx", "/dev/ptmx"));

  static final List<String> MASKED =
      List.of(
          "/proc/asound",
          "/proc/acpi",
          "/proc/kcore",
          "/proc/keys",
          "/proc/latency_stats",
          "/proc/timer_list",
          "/proc/timer_stats",
          "/proc/sched_debug",
          "/proc/scsi",
          "/sys/firmware");

  static final List<String> READONLY =
      List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  /** The /etc files the engine writes per run and binds over the image's, in Docker's order. */
  static final List<String> ETC_FILES = List.of("resolv.conf", "hostname", "hosts");

  /**
   * The devices cgroup (v1) as runc sets it for Docker's default spec: everything denied, then
   * mknod of anything, the nodes above, pseudo-terminals and tun allowed.
   */
  static final List<String> DEVICE_RULES =
      List.of(
          "c *:* m",
          "b *:* m",
          "c 1:3 rwm",
          "c 1:5 rwm",
          "c 1:7 rwm",
          "c 1:8 rwm",
          "c 1:9 rwm",
          "c 5:0 rwm",
          "c 5:1 rwm",
          "c 5:2 rwm",
          "c 136:* rwm",
          "c 10:200 rwm");

  /** Docker's 64 MB /dev/shm. */
  static final long SHM_SIZE = 64L * 1024 * 1024;

  private LauncherSpec() {}

  /** Docker's mounts, in its order, with the per-run /etc files of {@code stateDir}. */
  static List<Mount> mounts(Path stateDir, boolean privileged) {
    List<Mount> m = new ArrayList<>();
    m.add(new Mount("proc", "proc", "/proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, ""));
    m.add(new Mount("tmpfs", "tmpfs", "/dev", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"));
    m.add(
        new Mount(
            "devpts",
            "devpts",
            "/dev/pts",
            MS_NOSUID | MS_NOEXEC,
            "newinstance,ptmxmode=0666,mode=0620,gid=5"));
    m.add(
        new Mount(
            "sysfs",
            "sysfs",
            "/sys",
            MS_NOSUID | MS_NOEXEC | MS_NODEV | (privileged ? 0 : MS_RDONLY),
            ""));
    m.add(new Mount("mqueue", "mqueue", "/dev/mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, ""));
    m.add(
        new Mount(
            "tmpfs",
            "shm",
            "/dev/shm",
            MS_NOSUID | MS_NOEXEC | MS_NODEV,
            "mode=1777,size=" + SHM_SIZE));
    for (String f : ETC_FILES) {
      m.add(new Mount("none", stateDir.resolve(f).toString(), "/etc/" + f, MS_BIND | MS_REC, ""));
    }
    return m;
  }

  /** The entries shared by a container's PID 1 and an exec'd process. */
  static List<String> process(
      List<String> argv,
      List<String> env,
      String cwd,
      ExecUser user,
      Capabilities.Sets caps,
      boolean noNewPrivileges,
      boolean tty,
      List<Path> cgroups,
      boolean cgroupns) {
    List<String> e = new ArrayList<>();
    argv.forEach(a -> e.add("arg=" + a));
    env.forEach(v -> e.add("env=" + v));
    e.add("cwd=" + cwd);
    e.add("uid=" + user.uid());
    e.add("gid=" + user.gid());
    e.add("groups=" + user.groups().stream().map(String::valueOf).collect(Collectors.joining(",")));
    e.add("cap.bounding=" + Long.toHexString(caps.bounding()));
    e.add("cap.effective=" + Long.toHexString(caps.effective()));
    e.add("cap.permitted=" + Long.toHexString(caps.permitted()));
    e.add("cap.inheritable=" + Long.toHexString(caps.inheritable()));
    if (noNewPrivileges) {
      e.add("no_new_privs=1");
    }
    if (tty) {
      e.add("tty=1");
    }
    cgroups.forEach(c -> e.add("cgroup=" + c));
    if (cgroupns) {
      e.add("cgroupns=1");
    }
    return e;
  }

  /** The entries that lay out a container's root around its PID 1. */
  static List<String> container(LaunchSpec spec, Path root, boolean overlay, boolean hasKcore) {
    List<String> e = new ArrayList<>();
    if (spec.netns() != null) {
      e.add("netns=" + spec.netns());
    }
    e.add("hostname=" + spec.hostname());
    e.add("root=" + root);
    Path upper = spec.layer().resolve("upper");
    if (overlay) {
      e.add("lower=" + spec.image());
      e.add("upper=" + upper);
      e.add("work=" + spec.layer().resolve("work"));
    } else {
      e.add("root_bind=" + upper);
    }
    boolean privileged = spec.security().privileged();
    for (Mount m : mounts(spec.stateDir(), privileged)) {
      e.add(
          "mount="
              + m.type()
              + SEP
              + m.source()
              + SEP
              + m.target()
              + SEP
              + Long.toHexString(m.flags())
              + SEP
              + m.data());
    }
    for (Device d : DEVICES) {
      e.add(
          "device=" + d.path() + SEP + "c" + SEP + d.major() + SEP + d.minor() + SEP + "666" + SEP
              + "0" + SEP + "0");
    }
    for (List<String> l : SYMLINKS) {
      e.add("symlink=" + l.get(0) + SEP + l.get(1));
    }
    if (hasKcore) {
      e.add("symlink=/proc/kcore" + SEP + "/dev/core");
    }
    if (!privileged) {
      MASKED.forEach(p -> e.add("masked=" + p));
      READONLY.forEach(p -> e.add("readonly=" + p));
    }
    if (spec.security().readonlyRootfs()) {
      e.add("readonly_root=1");
    }
    if (spec.openStdin()) {
      e.add("open_stdin=1");
    }
    e.add("log=" + spec.logFile());
    e.add("exit_file=" + spec.exitFile());
    e.add("pid_file=" + spec.pidFile());
    e.add("attach=" + spec.attachSocket());
    return e;
  }

  /** The bytes on the launcher's stdin: the length, a newline, and each entry NUL-terminated. */
  static byte[] encode(List<String> entries) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (String entry : entries) {
      if (entry.indexOf('\0') >= 0) {
        throw new InvalidConfigException(
            "a NUL byte cannot be passed to a process: " + entry.replace('\0', '?'));
      }
      body.writeBytes(entry.getBytes(StandardCharsets.UTF_8));
      body.write(0);
    }
    byte[] header = (body.size() + "\n").getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream out = new ByteArrayOutputStream(header.length + body.size());
    out.writeBytes(header);
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }
}
