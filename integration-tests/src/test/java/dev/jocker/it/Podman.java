package dev.jocker.it;

import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Debian 12's Podman 4.3 as the orchestrator, with {@code network_backend = "cni"} and a network
 * {@code jnet} of {@code "type": "jocker"}, all inside the sandbox: its storage and run root under
 * the test's directory, its containers in a cgroup parent of the test's own (removed on close, as
 * are the cgroup hierarchies mounted into the test JVM's private /sys and a private /var/lib/cni
 * for libcni's result cache), and its commands run in the sandbox's host namespace.
 */
final class Podman implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/podman");

  private final Sandbox sandbox;
  private final Path dir;
  private final Path socket;
  private final String cgroupParent =
      "jk-podman-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  private final List<String> mounted = new ArrayList<>();
  private boolean madeCniDir;

  /** Podman for the sandbox; its CNI plugin looks for jockerd at {@code socket}. */
  Podman(Sandbox sandbox, Path dir, Path socket) {
    this.sandbox = sandbox;
    this.dir = dir;
    this.socket = socket;
    try {
      setUp();
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private void setUp() throws IOException {
    mountCgroups();
    Path cniCache = Path.of("/var/lib/cni");
    if (!Files.exists(cniCache)) {
      Files.createDirectories(cniCache);
      madeCniDir = true;
    }
    mount("tmpfs", "jk-cni-cache", cniCache.toString(), "mode=700");

    Path netD = Files.createDirectories(dir.resolve("net.d"));
    Path bin = Files.createDirectories(dir.resolve("podman-cni-bin"));
    Files.createSymbolicLink(
        bin.resolve("jocker"),
        Path.of("../cli/target/jocker-dist/bin/jocker-cni").toAbsolutePath().normalize());
    Files.writeString(
        netD.resolve("jnet.conflist"),
        "{\"cniVersion\": \"1.0.0\", \"name\": \"jnet\", \"plugins\": [{\"type\": \"jocker\","
            + " \"bridge\": \"jk0\", \"subnet\": \"10.88.0.0/24\", \"dataDir\": \""
            + dir.resolve("state")
            + "\"}]}\n");
    // The sandbox's hard limits are below what rootful Podman asks for by default.
    Files.writeString(
        dir.resolve("containers.conf"),
        "[containers]\n"
            + "cgroupns = \"host\"\n"
            + "default_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n"
            + "[engine]\n"
            + "cgroup_manager = \"cgroupfs\"\n"
            + "events_logger = \"file\"\n"
            + "events_logfile_path = \""
            + dir.resolve("podman-events.log")
            + "\"\n"
            + "runtime = \"runc\"\n"
            + "tmp_dir = \""
            + dir.resolve("podman-tmp")
            + "\"\n"
            + "[network]\n"
            + "network_backend = \"cni\"\n"
            + "network_config_dir = \""
            + netD
            + "\"\n"
            + "cni_plugin_dirs = [\""
            + bin
            + "\", \"/usr/lib/cni\"]\n");
    Path root = Files.createDirectories(dir.resolve("busybox-root/bin"));
    Files.copy(Path.of("/bin/busybox"), root.resolve("busybox"));
    for (String applet : List.of("sh", "sleep", "ping", "ip")) {
      Files.createSymbolicLink(root.resolve(applet), Path.of("busybox"));
    }
    Sandbox.Command.run(
        List.of(
            "tar",
            "-C",
            dir.resolve("busybox-root").toString(),
            "-cf",
            dir.resolve("busybox.tar").toString(),
            "."));
    run("import", dir.resolve("busybox.tar").toString(), "localhost/busybox");
  }

  /**
   * The test JVM's /sys is a sysfs of its own network namespace, without the cgroup hierarchies
   * runc needs: mount the machine's (the same ones, listed in the mount table the sandbox copied)
   * into the JVM's private mount namespace, over a tmpfs.
   */
  private void mountCgroups() throws IOException {
    List<String[]> hierarchies = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
      String[] f = line.split(" ");
      if ((f[2].equals("cgroup") || f[2].equals("cgroup2"))
          && f[1].startsWith("/sys/fs/cgroup")
          && hierarchies.stream().noneMatch(h -> h[0].equals(f[1]))) {
        hierarchies.add(new String[] {f[1], f[2], f[3]});
      }
    }
    mount("tmpfs", "jk-cgroup", "/sys/fs/cgroup", "mode=755");
    for (String[] h : hierarchies) {
      if (!h[0].equals("/sys/fs/cgroup")) {
        Files.createDirectories(Path.of(h[0]));
      }
      mount(h[1], h[1], h[0], h[2]);
    }
  }

  private void mount(String type, String source, String target, String options) {
    Sandbox.Command.run(List.of("mount", "-t", type, "-o", options, source, target));
    mounted.add(0, target);
  }

  /** {@code podman ARGS} in the sandbox's host namespace; fails the test on a non-zero exit. */
  String run(String... args) {
    Sandbox.Command.Result r = exec(args);
    if (r.exitCode() != 0) {
      throw new AssertionError(
          "podman " + String.join(" ", args) + " exited " + r.exitCode() + ": " + r.stderr());
    }
    return r.stdout();
  }

  /** {@code podman ARGS}, whatever its exit code. */
  Sandbox.Command.Result exec(String... args) {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "nsenter",
                "--net=" + sandbox.host().path(),
                "--",
                "env",
                "CONTAINERS_CONF=" + dir.resolve("containers.conf"),
                "JOCKER_CNI_SOCKET=" + socket,
                BINARY.toString(),
                "--root",
                dir.resolve("podman-root").toString(),
                "--runroot",
                dir.resolve("podman-run").toString(),
                "--storage-driver",
                "vfs"));
    argv.addAll(List.of(args));
    return Sandbox.Command.exec(argv);
  }

  /** {@code podman run -d --network jnet} of busybox sleeping; returns the container's ID. */
  String runDetached(String name) {
    return run(
            "run",
            "-d",
            "--name",
            name,
            "--network",
            "jnet",
            "--cgroup-parent",
            "/" + cgroupParent,
            "localhost/busybox",
            "sleep",
            "1000")
        .strip();
  }

  /** The containers' cgroups, which must all be gone once they are removed. */
  List<Path> cgroups() {
    List<Path> out = new ArrayList<>();
    try (var dirs = Files.list(Path.of("/sys/fs/cgroup"))) {
      dirs.map(d -> d.resolve(cgroupParent)).filter(Files::exists).forEach(out::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  @Override
  public void close() {
    if (Files.exists(dir.resolve("containers.conf"))) {
      exec("rm", "-a", "-f", "-t", "0");
    }
    // cgroups are global on this machine: remove the test's parent, innermost first.
    for (Path parent : mounted.contains("/sys/fs/cgroup") ? cgroups() : List.<Path>of()) {
      Sandbox.Command.exec(
          List.of("find", parent.toString(), "-depth", "-type", "d", "-exec", "rmdir", "{}", ";"));
    }
    for (String target : mounted) {
      Sandbox.Command.exec(List.of("umount", "-l", target));
    }
    mounted.clear();
    if (madeCniDir) {
      try {
        Files.deleteIfExists(Path.of("/var/lib/cni"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
