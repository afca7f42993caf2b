package dev.jocker.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The cgroups of jocker's containers: {@code ROOT/<hierarchy>/PARENT/<id>} on v1 (every mounted
 * hierarchy, {@code name=systemd} and the hybrid layout's empty cgroup2 too, as runc joins them),
 * {@code ROOT/PARENT/<id>} on v2. Which one the machine runs is read from the root: v2 has {@code
 * cgroup.controllers} there.
 */
public final class Cgroups {
  /** Where cgroups are mounted on a normal machine. */
  public static final Path DEFAULT_ROOT = Path.of("/sys/fs/cgroup");

  /** v2 controllers a container's limits need, enabled down to the parent. */
  private static final List<String> V2_CONTROLLERS = List.of("cpu", "memory", "pids", "io");

  private final Path root;
  private final String parent;
  private final boolean v2;
  private final List<Path> hierarchies;

  private Cgroups(Path root, String parent, boolean v2, List<Path> hierarchies) {
    this.root = root;
    this.parent = parent;
    this.v2 = v2;
    this.hierarchies = hierarchies;
  }

  /**
   * The cgroups under {@code root} (normally {@link #DEFAULT_ROOT}), containers going under {@code
   * parent} ({@code jocker}, as Docker's go under {@code docker}).
   */
  public static Cgroups detect(Path root, String parent) {
    if (parent.isEmpty() || parent.startsWith("/") || parent.contains("..")) {
      throw new IllegalArgumentException("cgroup parent must be a relative path: " + parent);
    }
    if (Files.exists(root.resolve("cgroup.controllers"))) {
      return new Cgroups(root, parent, true, List.of(root));
    }
    List<Path> found = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root)) {
      // A co-mounted pair (cpu,cpuacct) also appears as symbolic links named after each
      // controller: the directory itself is the hierarchy.
      dirs.filter(d -> Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS))
          .filter(d -> Files.exists(d.resolve("cgroup.procs")))
          .sorted()
          .forEach(found::add);
    } catch (IOException e) {
      throw new UncheckedIOException("list cgroup hierarchies in " + root, e);
    }
    if (found.isEmpty()) {
      throw new IllegalStateException(
          "no cgroup hierarchy is mounted under " + root + " (neither v2 nor v1)");
    }
    return new Cgroups(root, parent, false, List.copyOf(found));
  }

  /** Whether this is the unified (v2) hierarchy. */
  public boolean v2() {
    return v2;
  }

  /** Where the hierarchies are mounted. */
  public Path root() {
    return root;
  }

  /** The parent of every container's cgroup, relative to each hierarchy. */
  public String parent() {
    return parent;
  }

  /** The mount point of each hierarchy (one on v2). */
  public List<Path> hierarchies() {
    return hierarchies;
  }

  /** The cgroup of container {@code id}, which may not exist. */
  public Cgroup of(String id) {
    if (id.isEmpty() || id.contains("/") || id.startsWith(".")) {
      throw new IllegalArgumentException("invalid cgroup name: \"" + id + "\"");
    }
    return new Cgroup(id, v2, hierarchies, parent);
  }

  /** Makes the cgroup of {@code id} (anew, if an old one was left) and writes its limits. */
  public Cgroup create(String id, Limits limits) {
    Cgroup cgroup = of(id);
    cgroup.remove();
    try {
      if (v2) {
        enableControllers(root);
        Files.createDirectories(root.resolve(parent));
        enableControllers(root.resolve(parent));
      }
      for (Path hierarchy : hierarchies) {
        Path dir = hierarchy.resolve(parent).resolve(id);
        if (hierarchy.getFileName().toString().contains("cpuset")) {
          // A new v1 cpuset has no CPUs nor memory nodes, and no task may join it until it has.
          createCpuset(hierarchy, dir);
        } else {
          Files.createDirectories(dir);
        }
      }
      cgroup.write(limits);
      return cgroup;
    } catch (IOException | RuntimeException e) {
      cgroup.remove();
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new UncheckedIOException("create cgroup " + parent + "/" + id, (IOException) e);
    }
  }

  private static void createCpuset(Path hierarchy, Path dir) throws IOException {
    Path at = hierarchy;
    for (Path part : hierarchy.relativize(dir)) {
      Path child = at.resolve(part);
      if (!Files.exists(child)) {
        Files.createDirectory(child);
      }
      for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
        if (Files.readString(child.resolve(f)).isBlank()) {
          Files.writeString(child.resolve(f), Files.readString(at.resolve(f)).strip());
        }
      }
      at = child;
    }
  }

  private static void enableControllers(Path dir) throws IOException {
    String available = Files.readString(dir.resolve("cgroup.controllers"));
    String enabled = Files.readString(dir.resolve("cgroup.subtree_control"));
    for (String c : V2_CONTROLLERS) {
      if ((" " + available.strip() + " ").contains(" " + c + " ")
          && !(" " + enabled.strip() + " ").contains(" " + c + " ")) {
        Files.writeString(dir.resolve("cgroup.subtree_control"), "+" + c);
      }
    }
  }

  /** The IDs that have a cgroup under the parent, in any hierarchy. */
  public List<String> ids() {
    TreeSet<String> ids = new TreeSet<>();
    for (Path h : hierarchies) {
      Path p = h.resolve(parent);
      if (Files.isDirectory(p)) {
        try (Stream<Path> dirs = Files.list(p)) {
          dirs.filter(Files::isDirectory).forEach(d -> ids.add(d.getFileName().toString()));
        } catch (IOException e) {
          throw new UncheckedIOException("list cgroups in " + p, e);
        }
      }
    }
    return List.copyOf(ids);
  }

  /** Removes the parent itself, which must hold no cgroup any more (tests make their own). */
  public void removeParent() {
    for (Path h : hierarchies) {
      Path p = h.resolve(parent);
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        throw new UncheckedIOException("remove cgroup " + p, e);
      }
    }
  }
}
