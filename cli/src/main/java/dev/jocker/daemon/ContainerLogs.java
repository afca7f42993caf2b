package dev.jocker.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Reads a container's log file for logs and attach. Two formats: Docker's json-file ({@code
 * *-json.log}, a line per write with its stream and time, as the container launcher writes it) and
 * the plain file today's runtime appends stdout and stderr to, merged and without times.
 */
final class ContainerLogs {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ContainerLogs() {}

  /** One write of the container's: {@code stream} 1 or 2, {@code time} null when not recorded. */
  record Entry(int stream, Instant time, byte[] bytes) {}

  /** A position in a log that moves forward as entries are read. */
  interface Cursor extends Closeable {
    /** The next entry, or null when the file holds no more for now. */
    Entry next() throws IOException;

    /** Whether entries carry the time they were written. */
    boolean timed();
  }

  /**
   * A cursor on {@code file}, at its start or at its current end. The file is opened (made empty if
   * the container never ran) before this returns, so that what the run writes stays readable after
   * an auto-remove deletes the file.
   */
  static Cursor open(Path file, boolean atEnd) throws IOException {
    boolean json = file.getFileName().toString().endsWith("-json.log");
    if (!Files.exists(file)) {
      Files.createDirectories(file.getParent());
      try {
        Files.createFile(file);
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // The run opened it first.
      }
    }
    long start = atEnd && Files.exists(file) ? Files.size(file) : 0;
    RandomAccessFile in = Files.exists(file) ? new RandomAccessFile(file.toFile(), "r") : null;
    return json ? new JsonFile(file, start, in) : new PlainFile(file, start, in);
  }

  /** The merged file of today's runtime: everything is stream 1, as it was written. */
  private static final class PlainFile implements Cursor {
    private final Path file;
    private long offset;
    private RandomAccessFile in;

    PlainFile(Path file, long offset, RandomAccessFile in) {
      this.file = file;
      this.offset = offset;
      this.in = in;
    }

    @Override
    public Entry next() throws IOException {
      if (in == null) {
        if (!Files.exists(file)) {
          return null;
        }
        in = new RandomAccessFile(file.toFile(), "r");
      }
      if (in.length() < offset) {
        // A new run truncated the file: read it from its start.
        offset = 0;
      }
      in.seek(offset);
      byte[] buf = new byte[32 * 1024];
      int n = in.read(buf);
      if (n <= 0) {
        return null;
      }
      offset += n;
      return new Entry(StdCopy.STDOUT, null, java.util.Arrays.copyOf(buf, n));
    }

    @Override
    public boolean timed() {
      return false;
    }

    @Override
    public void close() throws IOException {
      if (in != null) {
        in.close();
      }
    }
  }

  /**
   * Docker's json-file: {@code {"log":"...","stream":"stdout","time":"RFC 3339 nano"}} a line. A
   * line still being written (no newline yet) is left for the next call.
   */
  private static final class JsonFile implements Cursor {
    private final Path file;
    private long offset;
    private RandomAccessFile in;

    JsonFile(Path file, long offset, RandomAccessFile in) {
      this.file = file;
      this.offset = offset;
      this.in = in;
    }

    @Override
    public Entry next() throws IOException {
      if (in == null) {
        if (!Files.exists(file)) {
          return null;
        }
        in = new RandomAccessFile(file.toFile(), "r");
      }
      in.seek(offset);
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      while (true) {
        int n = in.read(buf);
        if (n <= 0) {
          return null;
        }
        for (int i = 0; i < n; i++) {
          if (buf[i] == '\n') {
            line.write(buf, 0, i);
            offset += line.size() + 1;
            return parse(line.toByteArray());
          }
        }
        line.write(buf, 0, n);
      }
    }

    private Entry parse(byte[] line) throws IOException {
      JsonNode n = JSON.readTree(line);
      int stream = "stderr".equals(n.path("stream").asText()) ? StdCopy.STDERR : StdCopy.STDOUT;
      Instant time = n.hasNonNull("time") ? Instant.parse(n.get("time").asText()) : null;
      return new Entry(stream, time, n.path("log").asText("").getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean timed() {
      return true;
    }

    @Override
    public void close() throws IOException {
      if (in != null) {
        in.close();
      }
    }
  }
}
