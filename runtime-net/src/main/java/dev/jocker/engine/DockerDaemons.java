package dev.jocker.engine;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds Docker daemons that share a network namespace with jocker, by reading {@code /proc}. */
final class DockerDaemons {
  private DockerDaemons() {}

  /**
   * PIDs of {@code dockerd} processes whose network namespace is the one {@code netns} names. A
   * daemon in another namespace has its own docker0 and its own iptables, so it is no concern.
   */
  static List<Long> inNetns(Path netns) {
    Object want = inode(netns);
    List<Long> pids = new ArrayList<>();
    if (want == null) {
      return pids;
    }
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path proc : procs) {
        if ("dockerd".equals(comm(proc)) && want.equals(inode(proc.resolve("ns/net")))) {
          pids.add(Long.parseLong(proc.getFileName().toString()));
        }
      }
    } catch (IOException e) {
      return pids;
    }
    pids.sort(null);
    return pids;
  }

  private static String comm(Path proc) {
    try {
      return Files.readString(proc.resolve("comm")).strip();
    } catch (IOException e) {
      return null;
    }
  }

  private static Object inode(Path file) {
    try {
      return Files.getAttribute(file, "unix:ino");
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }
}
