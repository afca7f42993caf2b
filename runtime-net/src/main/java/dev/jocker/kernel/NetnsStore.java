package dev.jocker.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Named network namespaces, kept as bind mounts in a directory exactly as {@code ip netns} keeps
 * them (default {@code /run/netns}), so {@code ip netns list/exec} see jocker's namespaces.
 */
public final class NetnsStore {
  /** Where iproute2 looks. */
  public static final Path DEFAULT_DIR = Path.of("/run/netns");

  private final Path dir;
  private volatile boolean dirReady;

  public NetnsStore(Path dir) {
    this.dir = dir;
  }

  /** The directory holding the bind mounts. */
  public Path dir() {
    return dir;
  }

  /** The file that names namespace {@code name}. */
  public Path path(String name) {
    return dir.resolve(name);
  }

  /** Equivalent to: {@code ip netns add NAME}. */
  public Netns create(String name) {
    return create(name, ns -> {});
  }

  /**
   * Equivalent to: {@code ip netns add NAME}, then runs {@code init} inside the new namespace
   * before anyone can use it (e.g. sysctls), on the same thread and without another namespace
   * switch.
   */
  public Netns create(String name, Consumer<Path> init) {
    validate(name);
    prepareDir();
    Path target = path(name);
    try {
      Files.createFile(target);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      throw new AlreadyExistsException("netns add", name, 17, null);
    } catch (IOException e) {
      throw new UncheckedIOException("netns add " + name + ": cannot create " + target, e);
    }
    NetlinkSocket socket;
    try {
      // The socket is opened while the new namespace is current anyway: the first request inside
      // then costs no second trip into it.
      socket =
          NamespaceHopper.get()
              .callInNewNamespace(
                  () -> {
                    Syscalls.mount(
                        "/proc/thread-self/ns/net", target.toString(), "none", Syscalls.MS_BIND);
                    init.accept(target);
                    return NetlinkSocket.open();
                  });
    } catch (RuntimeException e) {
      try {
        Files.deleteIfExists(target);
      } catch (IOException ignored) {
        e.addSuppressed(ignored);
      }
      throw e;
    }
    try {
      return Netns.open(target, socket);
    } catch (RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /** Opens the namespace named {@code name}. */
  public Netns open(String name) {
    validate(name);
    if (!exists(name)) {
      throw new NotFoundException("netns open", name, 2, null);
    }
    return Netns.open(path(name));
  }

  /** Equivalent to: {@code ip netns delete NAME}. */
  public void delete(String name) {
    validate(name);
    Path target = path(name);
    if (!Files.exists(target)) {
      throw new NotFoundException("netns delete", name, 2, null);
    }
    try {
      Syscalls.umountDetach(target.toString());
    } catch (KernelException e) {
      if (!"EINVAL".equals(e.errnoName())) {
        throw e;
      }
    }
    try {
      Files.deleteIfExists(target);
    } catch (IOException e) {
      throw new UncheckedIOException("netns delete " + name, e);
    }
  }

  /** Equivalent to: {@code ip netns list}. */
  public List<String> list() {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("netns list " + dir, e);
    }
  }

  /** Whether namespace {@code name} exists. */
  public boolean exists(String name) {
    return Files.exists(path(name));
  }

  private static void validate(String name) {
    if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
      throw new IllegalArgumentException("invalid namespace name: \"" + name + "\"");
    }
  }

  /**
   * Makes the directory a shared mount point, as iproute2 does, so that bind mounts made here show
   * up in mount namespaces that were copied from this one.
   */
  private void prepareDir() {
    if (dirReady) {
      return;
    }
    synchronized (this) {
      if (dirReady) {
        return;
      }
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException("netns add: cannot create " + dir, e);
      }
      try {
        Syscalls.mount("none", dir.toString(), null, Syscalls.MS_SHARED | Syscalls.MS_REC);
      } catch (KernelException notAMountPoint) {
        Syscalls.mount(dir.toString(), dir.toString(), "none", Syscalls.MS_BIND | Syscalls.MS_REC);
        Syscalls.mount("none", dir.toString(), null, Syscalls.MS_SHARED | Syscalls.MS_REC);
      }
      dirReady = true;
    }
  }
}
