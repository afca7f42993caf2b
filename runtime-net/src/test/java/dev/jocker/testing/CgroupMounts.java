package dev.jocker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The machine's cgroup hierarchies, mounted again under a directory of the test's: the sandbox
 * JVM's own /sys hides /sys/fs/cgroup. Each hierarchy is mounted with the options it has on the
 * machine (the kernel then hands out the same hierarchy), so cgroups made here are the machine's:
 * tests put theirs under a parent of their own and remove it.
 */
public final class CgroupMounts implements AutoCloseable {
  private final Path root;
  private final List<Path> mounted = new ArrayList<>();

  private CgroupMounts(Path root) {
    this.root = root;
  }

  /** Mounts every cgroup hierarchy the machine has under {@code root}. */
  public static CgroupMounts under(Path root) {
    CgroupMounts m = new CgroupMounts(root);
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] halves = line.split(" - ", 2);
        String[] before = halves[0].split(" ");
        String[] after = halves[1].split(" ");
        String type = after[0];
        if (!type.equals("cgroup") && !type.equals("cgroup2")) {
          continue;
        }
        String mountPoint = before[4];
        if (!mountPoint.startsWith("/sys/fs/cgroup")) {
          continue;
        }
        boolean unifiedRoot = mountPoint.equals("/sys/fs/cgroup");
        Path target = unifiedRoot ? root : root.resolve(Path.of(mountPoint).getFileName());
        if (m.mounted.contains(target)) {
          continue;
        }
        Files.createDirectories(target);
        List<String> options = new ArrayList<>();
        for (String o : after[2].split(",")) {
          if (!o.equals("rw") && !o.equals("ro")) {
            options.add(o);
          }
        }
        List<String> argv = new ArrayList<>(List.of("mount", "-t", type));
        if (!options.isEmpty()) {
          argv.addAll(List.of("-o", String.join(",", options)));
        }
        argv.addAll(List.of(type, target.toString()));
        Sandbox.Command.run(argv);
        m.mounted.add(0, target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("mount the cgroup hierarchies under " + root, e);
    }
    return m;
  }

  public Path root() {
    return root;
  }

  @Override
  public void close() {
    for (Path p : mounted) {
      Sandbox.Command.exec(List.of("umount", p.toString()));
    }
  }
}
