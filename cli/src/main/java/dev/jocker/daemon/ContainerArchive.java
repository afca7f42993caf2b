package dev.jocker.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.archive.Tar;
import dev.jocker.engine.EngineException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code HEAD}, {@code GET} and {@code PUT /containers/{id}/archive}: a container's files as
 * Docker's daemon reads and writes them for {@code docker cp}. A running container's files are read
 * through its root ({@code /proc/PID/root}); a stopped one's through its layer over its image
 * (overlayfs' whiteouts hide what it deleted), and written into its layer. Paths resolve as
 * Docker's {@code FollowSymlinkInScope}: a symbolic link is followed inside the container's root,
 * never out of it, and a path's last component is not followed.
 */
final class ContainerArchive {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_LINKS = 255;

  /** Go's os.FileMode bits. */
  private static final long MODE_DIR = 1L << 31;

  private static final long MODE_SYMLINK = 1L << 27;
  private static final long MODE_DEVICE = 1L << 26;
  private static final long MODE_PIPE = 1L << 25;
  private static final long MODE_SOCKET = 1L << 24;
  private static final long MODE_CHAR = 1L << 21;

  /** A container's file tree: where each of its paths is on the host. */
  interface Tree {
    /** The host file of container path {@code rel} (relative, no leading slash), or null. */
    Path locate(String rel);

    /** The names in directory {@code rel}, sorted. */
    List<String> list(String rel) throws IOException;

    /** Where a file extracted at {@code rel} goes on the host. */
    Path writable(String rel);
  }

  /** A running container's tree, through {@code /proc/PID/root}. */
  static Tree live(Path root) {
    return new Tree() {
      @Override
      public Path locate(String rel) {
        Path p = rel.isEmpty() ? root : root.resolve(rel);
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? p : null;
      }

      @Override
      public List<String> list(String rel) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> d =
            Files.newDirectoryStream(rel.isEmpty() ? root : root.resolve(rel))) {
          d.forEach(p -> names.add(p.getFileName().toString()));
        }
        names.sort(null);
        return names;
      }

      @Override
      public Path writable(String rel) {
        return rel.isEmpty() ? root : root.resolve(rel);
      }
    };
  }

  /**
   * A stopped container's tree: its layer over its image, as overlayfs would show it (a character
   * device 0:0 in the layer hides the image's file of that name).
   */
  static Tree layered(Path upper, Path lower) {
    return new Tree() {
      @Override
      public Path locate(String rel) {
        Path u = rel.isEmpty() ? upper : upper.resolve(rel);
        if (Files.exists(u, LinkOption.NOFOLLOW_LINKS)) {
          return whiteout(u) ? null : u;
        }
        if (hiddenBelow(rel)) {
          return null;
        }
        Path l = rel.isEmpty() ? lower : lower.resolve(rel);
        return Files.exists(l, LinkOption.NOFOLLOW_LINKS) ? l : null;
      }

      /** Whether a directory above {@code rel} in the layer is a file that hides the image's. */
      private boolean hiddenBelow(String rel) {
        Path u = upper;
        String[] parts = rel.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
          u = u.resolve(parts[i]);
          if (Files.exists(u, LinkOption.NOFOLLOW_LINKS)
              && !Files.isDirectory(u, LinkOption.NOFOLLOW_LINKS)) {
            return true;
          }
        }
        return false;
      }

      @Override
      public List<String> list(String rel) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        List<String> hidden = new ArrayList<>();
        Path u = rel.isEmpty() ? upper : upper.resolve(rel);
        if (Files.isDirectory(u, LinkOption.NOFOLLOW_LINKS)) {
          try (DirectoryStream<Path> d = Files.newDirectoryStream(u)) {
            for (Path p : d) {
              (whiteout(p) ? hidden : names).add(p.getFileName().toString());
            }
          }
        }
        Path l = rel.isEmpty() ? lower : lower.resolve(rel);
        if (Files.isDirectory(l, LinkOption.NOFOLLOW_LINKS) && !hiddenBelow(rel + "/x")) {
          try (DirectoryStream<Path> d = Files.newDirectoryStream(l)) {
            for (Path p : d) {
              String n = p.getFileName().toString();
              if (!hidden.contains(n)) {
                names.add(n);
              }
            }
          }
        }
        return new ArrayList<>(names);
      }

      @Override
      public Path writable(String rel) {
        return rel.isEmpty() ? upper : upper.resolve(rel);
      }
    };
  }

  private static boolean whiteout(Path p) {
    try {
      PosixFileAttributes a =
          Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return a.isOther()
          && ((Number) Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue()
              == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- resolution

  /**
   * {@code path} in the container, symbolic links followed inside its root except in the last
   * component (unless the path ends in {@code /} or {@code /.}); the result is relative to the
   * root.
   */
  static String resolve(Tree tree, String path) throws IOException {
    boolean followLast = path.endsWith("/") || path.endsWith("/.");
    List<String> done = new ArrayList<>();
    List<String> todo = new ArrayList<>(List.of(path.split("/")));
    int links = 0;
    while (!todo.isEmpty()) {
      String part = todo.remove(0);
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!done.isEmpty()) {
          done.remove(done.size() - 1);
        }
        continue;
      }
      done.add(part);
      boolean last = todo.stream().allMatch(p -> p.isEmpty() || p.equals("."));
      if (last && !followLast) {
        break;
      }
      Path host = tree.locate(String.join("/", done));
      if (host != null && Files.isSymbolicLink(host)) {
        if (++links > MAX_LINKS) {
          throw new EngineException(EngineException.Kind.INVALID, "too many links in " + path);
        }
        String target = Files.readSymbolicLink(host).toString();
        done.remove(done.size() - 1);
        if (target.startsWith("/")) {
          done.clear();
        }
        List<String> expanded = new ArrayList<>(List.of(target.split("/")));
        expanded.addAll(todo);
        todo = expanded;
      }
    }
    return String.join("/", done);
  }

  // ---------------------------------------------------------------- stat

  /** Docker's {@code X-Docker-Container-Path-Stat}: name, size, mode, mtime, link target. */
  static String statHeader(Tree tree, String rel, String asked) throws IOException {
    Path host = tree.locate(rel);
    if (host == null) {
      throw new NoSuchFileException(asked);
    }
    PosixFileAttributes a =
        Files.readAttributes(host, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    Map<String, Object> m = new LinkedHashMap<>();
    String name = rel.isEmpty() ? "/" : rel.substring(rel.lastIndexOf('/') + 1);
    m.put("name", name);
    m.put("size", a.size());
    m.put("mode", goMode(host, a));
    m.put(
        "mtime",
        DateTimeFormatter.ISO_OFFSET_DATE_TIME
            .format(
                Instant.ofEpochSecond(
                        a.lastModifiedTime().toInstant().getEpochSecond(),
                        a.lastModifiedTime().toInstant().getNano())
                    .atOffset(ZoneOffset.UTC))
            .replace("+00:00", "Z"));
    m.put("linkTarget", a.isSymbolicLink() ? "/" + resolve(tree, "/" + rel + "/") : "");
    return Base64.getEncoder().encodeToString(JSON.writeValueAsBytes(m));
  }

  private static long goMode(Path host, PosixFileAttributes a) throws IOException {
    long mode = 0;
    for (PosixFilePermission p : a.permissions()) {
      mode |= 1L << (8 - p.ordinal());
    }
    int unixMode =
        ((Number) Files.getAttribute(host, "unix:mode", LinkOption.NOFOLLOW_LINKS)).intValue();
    if ((unixMode & 04000) != 0) {
      mode |= 1L << 23;
    }
    if ((unixMode & 02000) != 0) {
      mode |= 1L << 22;
    }
    if ((unixMode & 01000) != 0) {
      mode |= 1L << 20;
    }
    int type = unixMode & 0170000;
    switch (type) {
      case 0040000 -> mode |= MODE_DIR;
      case 0120000 -> mode |= MODE_SYMLINK;
      case 0010000 -> mode |= MODE_PIPE;
      case 0140000 -> mode |= MODE_SOCKET;
      case 0020000 -> mode |= MODE_DEVICE | MODE_CHAR;
      case 0060000 -> mode |= MODE_DEVICE;
      default -> {
        // A regular file has no type bit.
      }
    }
    return mode;
  }

  // ---------------------------------------------------------------- read

  /** The archive of container path {@code rel}: entry named as its last component, and below it. */
  static void write(Tree tree, String rel, OutputStream out) throws IOException {
    Tar.Writer w = new Tar.Writer(out);
    String name = rel.isEmpty() ? "." : rel.substring(rel.lastIndexOf('/') + 1);
    add(tree, w, rel, name);
    w.finish();
  }

  private static void add(Tree tree, Tar.Writer w, String rel, String name) throws IOException {
    Path host = tree.locate(rel);
    if (host == null) {
      return;
    }
    PosixFileAttributes a;
    try {
      a = Files.readAttributes(host, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException gone) {
      return;
    }
    long mode = 0;
    for (PosixFilePermission p : a.permissions()) {
      mode |= 1L << (8 - p.ordinal());
    }
    long uid =
        ((Number) Files.getAttribute(host, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    long gid =
        ((Number) Files.getAttribute(host, "unix:gid", LinkOption.NOFOLLOW_LINKS)).longValue();
    long mtime = a.lastModifiedTime().toInstant().getEpochSecond();
    if (a.isDirectory()) {
      w.header(name + "/", mode | 040000, uid, gid, 0, mtime, '5', "");
      for (String child : tree.list(rel)) {
        add(tree, w, rel.isEmpty() ? child : rel + "/" + child, name + "/" + child);
      }
    } else if (a.isSymbolicLink()) {
      w.header(
          name, mode | 0120000, uid, gid, 0, mtime, '2', Files.readSymbolicLink(host).toString());
    } else if (a.isRegularFile()) {
      try (InputStream in = Files.newInputStream(host, LinkOption.NOFOLLOW_LINKS)) {
        w.header(name, mode | 0100000, uid, gid, a.size(), mtime, '0', "");
        w.data(in, a.size());
      }
    }
  }

  // ---------------------------------------------------------------- write

  /**
   * Extracts {@code tar} (gzip allowed) into container directory {@code rel}; Docker's {@code
   * noOverwriteDirNonDir} refuses to replace a directory by a file or the reverse.
   */
  static void extract(
      Tree tree, String rel, InputStream tar, boolean copyUidGid, boolean noOverwriteDirNonDir)
      throws IOException {
    Path dir = tree.locate(rel);
    if (dir == null) {
      throw new NoSuchFileException(rel);
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new EngineException(
          EngineException.Kind.INVALID, "extraction point is not a directory");
    }
    InputStream in = new java.io.BufferedInputStream(tar);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    if (b1 == 0x1f && b2 == 0x8b) {
      in = new java.util.zip.GZIPInputStream(in);
    }
    Path into = tree.writable(rel);
    Files.createDirectories(into);
    Tar.Check check =
        !noOverwriteDirNonDir
            ? (name, directory) -> {}
            : (name, directory) -> {
              String path = rel.isEmpty() ? name : rel + "/" + name;
              Path existing = tree.locate(path);
              if (existing == null) {
                return;
              }
              boolean isDir = Files.isDirectory(existing, LinkOption.NOFOLLOW_LINKS);
              if (isDir != directory) {
                throw new Tar.TarException(
                    "cannot overwrite "
                        + (isDir ? "directory" : "non-directory")
                        + " \"/"
                        + path
                        + "\" with "
                        + (directory ? "directory" : "non-directory")
                        + " \""
                        + name
                        + "\"");
              }
            };
    Tar.extract(in, into, "", null, copyUidGid, check);
  }

  /** Docker's 404 text for a path the container does not have. */
  static EngineException notFound(String path, String container) {
    return new EngineException(
        EngineException.Kind.NOT_FOUND,
        "Could not find the file " + path + " in container " + container);
  }
}
