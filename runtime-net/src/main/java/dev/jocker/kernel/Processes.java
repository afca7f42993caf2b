package dev.jocker.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Processes as {@code /proc} shows them: which live in a network namespace, and signals. */
public final class Processes {
  private static final Path PROC = Path.of("/proc");

  /**
   * A process: its PID, its network namespace's inode, its command line (NULs as spaces) and its
   * root directory as its own mount namespace names it (a container's PID 1 after its chroot).
   */
  public record Info(long pid, long netnsInode, String cmdline, String root) {}

  private Processes() {}

  /**
   * Every process this namespace's {@code /proc} shows, with its network namespace. One pass reads
   * two small files per process, so callers take it once for all the namespaces they look at.
   */
  public static List<Info> list() {
    List<Info> out = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(PROC, "[0-9]*")) {
      for (Path proc : procs) {
        long ns = inodeOfLink(proc.resolve("ns/net"));
        if (ns < 0) {
          continue;
        }
        String cmdline;
        try {
          cmdline =
              new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
                  .replace('\0', ' ')
                  .strip();
        } catch (IOException gone) {
          continue;
        }
        String root;
        try {
          root = Files.readSymbolicLink(proc.resolve("root")).toString();
        } catch (IOException gone) {
          root = "";
        }
        out.add(new Info(Long.parseLong(proc.getFileName().toString()), ns, cmdline, root));
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("list processes in " + PROC, e);
    }
    return out;
  }

  /** The inode of the namespace bound at {@code nsFile} (as {@code net:[INODE]} names it). */
  public static Optional<Long> namespaceInode(Path nsFile) {
    try {
      return Optional.of(((Number) Files.getAttribute(nsFile, "unix:ino")).longValue());
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.empty();
    }
  }

  /** The PIDs of the processes whose network namespace is the one bound at {@code nsFile}. */
  public static List<Long> inNamespace(Path nsFile) {
    Optional<Long> inode = namespaceInode(nsFile);
    if (inode.isEmpty()) {
      return List.of();
    }
    return list().stream().filter(p -> p.netnsInode() == inode.get()).map(Info::pid).toList();
  }

  /** SIGKILL to {@code pid}; false when it is gone already. */
  public static boolean kill(long pid) {
    try {
      Syscalls.kill(pid, 9);
      return true;
    } catch (NotFoundException gone) {
      return false;
    }
  }

  private static long inodeOfLink(Path link) {
    try {
      String target = Files.readSymbolicLink(link).toString();
      return Long.parseLong(target.substring(target.indexOf('[') + 1, target.length() - 1));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
