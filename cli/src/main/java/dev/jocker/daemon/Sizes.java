package dev.jocker.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/**
 * The size of a directory tree as Docker's {@code directory.Size} counts it: every entry but
 * directories, a hard-linked file once.
 */
final class Sizes {
  private Sizes() {}

  /** The size of the tree at {@code dir}; 0 when it does not exist (a container never started). */
  static long of(Path dir) {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return 0;
    }
    Set<Object> seen = new HashSet<>();
    long[] total = {0};
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
              if (!a.isDirectory() && (a.fileKey() == null || seen.add(a.fileKey()))) {
                total[0] += a.size();
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              // A file the container removed while it was counted.
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (NoSuchFileException gone) {
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException("measure " + dir + ": " + e.getMessage(), e);
    }
    return total[0];
  }
}
