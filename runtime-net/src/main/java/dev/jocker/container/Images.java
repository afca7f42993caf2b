package dev.jocker.container;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Images as root file systems under {@code <root>/images/<name>/rootfs}, with a small properties
 * file for the ID and creation time. {@code busybox} is made on first use from the host's
 * busybox-static: the binary plus a link for each applet.
 */
public final class Images {
  /**
   * An image.
   *
   * @param name e.g. {@code busybox}
   * @param id {@code sha256:} + 64 hex
   * @param created when it was made
   * @param size bytes on disk
   * @param rootfs its root file system
   */
  public record Image(String name, String id, Instant created, long size, Path rootfs) {}

  private static final Path HOST_BUSYBOX = Path.of("/bin/busybox");

  private final Path root;

  /** Root file system sizes by image ID: walking a rootfs on every container create is costly. */
  private final Map<String, Long> sizes = new ConcurrentHashMap<>();

  /**
   * Images by name as last read, with their properties file's modification time then: a create
   * checks that time instead of parsing the file again.
   */
  private final Map<String, Loaded> loaded = new HashMap<>();

  private record Loaded(FileTime modified, Image image) {}

  public Images(Path stateRoot) {
    this.root = stateRoot.resolve("images");
  }

  /** An image by name or ID (prefix), provisioning busybox on first use. */
  public synchronized Optional<Image> find(String ref) {
    String name = ref.endsWith(":latest") ? ref.substring(0, ref.length() - 7) : ref;
    if (!name.isEmpty() && !name.contains("/")) {
      FileTime modified = modified(name);
      if (modified == null && name.equals("busybox")) {
        provisionBusybox();
        modified = modified(name);
      }
      if (modified != null) {
        Loaded l = loaded.get(name);
        return Optional.of(l != null && l.modified().equals(modified) ? l.image() : load(name));
      }
    }
    String hex = ref.startsWith("sha256:") ? ref.substring(7) : ref;
    if (hex.length() >= 4) {
      return list().stream().filter(i -> i.id().substring(7).startsWith(hex)).findFirst();
    }
    return Optional.empty();
  }

  /** Every image. */
  public synchronized List<Image> list() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.filter(d -> Files.exists(d.resolve("image.properties")))
          .map(d -> load(d.getFileName().toString()))
          .sorted((a, b) -> b.created().compareTo(a.created()))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("list images in " + root, e);
    }
  }

  /** Adds {@code source} (a directory or a tarball) as image {@code name}. */
  public synchronized Image importImage(Path source, String name) {
    if (!name.matches("[a-z0-9][a-z0-9_.-]*")) {
      throw new IllegalArgumentException(
          "invalid image name \"" + name + "\": use lowercase letters, digits, '_', '.' and '-'");
    }
    if (!Files.exists(source)) {
      throw new IllegalArgumentException("image import: " + source + " does not exist");
    }
    Path dir = root.resolve(name);
    Path rootfs = dir.resolve("rootfs");
    try {
      deleteTree(dir);
      Files.createDirectories(rootfs);
      if (Files.isDirectory(source)) {
        run(List.of("cp", "-a", source + "/.", rootfs.toString()));
      } else {
        run(List.of("tar", "-xf", source.toString(), "-C", rootfs.toString()));
      }
      for (String d : List.of("proc", "sys", "dev", "etc", "tmp")) {
        Files.createDirectories(rootfs.resolve(d));
      }
      return write(name, digest(source.toString() + Instant.now()));
    } catch (IOException e) {
      throw new UncheckedIOException("image import " + name, e);
    }
  }

  private void provisionBusybox() {
    if (!Files.isExecutable(HOST_BUSYBOX)) {
      throw new IllegalStateException(
          "image busybox: /bin/busybox is missing; install the busybox-static package");
    }
    Path dir = root.resolve("busybox");
    Path rootfs = dir.resolve("rootfs");
    try {
      deleteTree(dir);
      for (String d :
          List.of(
              "bin",
              "sbin",
              "usr/bin",
              "usr/sbin",
              "proc",
              "sys",
              "dev",
              "etc",
              "tmp",
              "root",
              "var",
              "home")) {
        Files.createDirectories(rootfs.resolve(d));
      }
      Files.copy(HOST_BUSYBOX, rootfs.resolve("bin/busybox"));
      // As in Docker Hub's busybox image: each applet a hard link at its own path (/bin/sh,
      // /usr/bin/env...), so that -e PATH=/bin finds sh and not env, as there.
      String applets = run(List.of(HOST_BUSYBOX.toString(), "--list-full"));
      for (String applet : applets.split("\n")) {
        if (!applet.isBlank() && !applet.equals("bin/busybox")) {
          Path link = rootfs.resolve(applet);
          Files.createDirectories(link.getParent());
          Files.createLink(link, rootfs.resolve("bin/busybox"));
        }
      }
      // Docker Hub's busybox image's own, so that -u nobody, -u daemon or id print as there.
      for (String f : List.of("passwd", "group")) {
        try (var in = Images.class.getResourceAsStream("busybox/" + f)) {
          Files.write(rootfs.resolve("etc").resolve(f), in.readAllBytes());
        }
      }
      Files.setPosixFilePermissions(
          rootfs.resolve("tmp"),
          java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
      write("busybox", digest(Files.readAllBytes(HOST_BUSYBOX)));
    } catch (IOException e) {
      throw new UncheckedIOException("provision image busybox from " + HOST_BUSYBOX, e);
    }
  }

  private Image write(String name, String hex) throws IOException {
    Properties p = new Properties();
    p.setProperty("id", "sha256:" + hex);
    p.setProperty("created", Instant.now().toString());
    try (var out = Files.newOutputStream(meta(name))) {
      p.store(out, "jocker image");
    }
    return load(name);
  }

  private FileTime modified(String name) {
    try {
      return Files.getLastModifiedTime(meta(name));
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("read image " + name, e);
    }
  }

  private Image load(String name) {
    Properties p = new Properties();
    FileTime modified = modified(name);
    try (var in = Files.newInputStream(meta(name))) {
      p.load(in);
      Path rootfs = root.resolve(name).resolve("rootfs");
      String id = p.getProperty("id");
      Long size = sizes.get(id);
      if (size == null) {
        size = size(rootfs);
        sizes.put(id, size);
      }
      Image image = new Image(name, id, Instant.parse(p.getProperty("created")), size, rootfs);
      loaded.put(name, new Loaded(modified, image));
      return image;
    } catch (IOException e) {
      throw new UncheckedIOException("read image " + name, e);
    }
  }

  private Path meta(String name) {
    return root.resolve(name).resolve("image.properties");
  }

  /** Bytes on disk, each file once however many hard links it has (busybox's applets). */
  private static long size(Path dir) throws IOException {
    java.util.Set<Object> seen = new java.util.HashSet<>();
    long size = 0;
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        var attrs =
            Files.readAttributes(
                p,
                java.nio.file.attribute.BasicFileAttributes.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (attrs.isRegularFile() && seen.add(attrs.fileKey())) {
          size += attrs.size();
        }
      }
    }
    return size;
  }

  private static String digest(String text) {
    return digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static String digest(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      List<Path> all = new ArrayList<>(walk.toList());
      java.util.Collections.reverse(all);
      for (Path p : all) {
        Files.delete(p);
      }
    }
  }

  private static String run(List<String> argv) throws IOException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException(String.join(" ", argv) + " failed: " + out.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", argv), e);
    }
    return out;
  }
}
