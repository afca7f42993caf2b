package dev.jocker.container;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the json-file log the shim writes ({@code docker logs}): each entry's stream and time, with
 * Docker's filters (streams, {@code --tail}, {@code --since}, {@code --until}) and its {@code
 * --timestamps} format, and from an offset on for {@code --follow}.
 */
public final class ContainerLogs {
  /** One entry: a line (or the part of a longer one), its stream and when the shim read it. */
  public record Entry(String stream, Instant time, byte[] log) {
    /** As {@code docker logs} prints it, with Go's RFC3339Nano time first when asked. */
    public byte[] format(boolean timestamps) {
      if (!timestamps) {
        return log;
      }
      byte[] prefix = (rfc3339Nano(time) + " ").getBytes(StandardCharsets.UTF_8);
      byte[] out = new byte[prefix.length + log.length];
      System.arraycopy(prefix, 0, out, 0, prefix.length);
      System.arraycopy(log, 0, out, prefix.length, log.length);
      return out;
    }
  }

  /**
   * What to show.
   *
   * @param stdout show stdout
   * @param stderr show stderr
   * @param tail the last this many entries of the log, or -1 for all
   * @param since entries at or after it, or null
   * @param until entries at or before it, or null
   */
  public record Options(boolean stdout, boolean stderr, int tail, Instant since, Instant until) {
    public static final Options ALL = new Options(true, true, -1, null, null);

    boolean shows(Entry e) {
      return (e.stream().equals("stderr") ? stderr : stdout)
          && (since == null || !e.time().isBefore(since))
          && (until == null || !e.time().isAfter(until));
    }
  }

  /** Entries read from an offset, and the offset to go on from. */
  public record Chunk(List<Entry> entries, long next) {}

  private ContainerLogs() {}

  /** The log's entries that {@code options} shows; none when there is no log yet. */
  public static List<Entry> read(Path log, Options options) {
    List<Entry> all = readFrom(log, 0).entries();
    // Docker tails the file first, then filters by time and stream.
    List<Entry> tail =
        options.tail() >= 0 && options.tail() < all.size()
            ? all.subList(all.size() - options.tail(), all.size())
            : all;
    return tail.stream().filter(options::shows).toList();
  }

  /**
   * The whole entries from byte {@code offset} on ({@code --follow} reads again from {@code next});
   * a line the shim is still writing is left for the next read.
   */
  public static Chunk readFrom(Path log, long offset) {
    if (!Files.exists(log)) {
      return new Chunk(List.of(), offset);
    }
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      long length = f.length();
      if (length <= offset) {
        return new Chunk(List.of(), offset);
      }
      byte[] bytes = new byte[(int) Math.min(length - offset, 64L * 1024 * 1024)];
      f.seek(offset);
      f.readFully(bytes);
      List<Entry> entries = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < bytes.length; i++) {
        if (bytes[i] == '\n') {
          entries.add(parse(new String(bytes, start, i - start, StandardCharsets.UTF_8)));
          start = i + 1;
        }
      }
      return new Chunk(entries, offset + start);
    } catch (IOException e) {
      throw new UncheckedIOException("read log " + log, e);
    }
  }

  /** One line of the file, as dockerd writes it: {"log":"...","stream":"...","time":"..."}. */
  static Entry parse(String line) {
    int at = 0;
    String log = "";
    String stream = "";
    String time = null;
    while (true) {
      int keyStart = line.indexOf('"', at);
      if (keyStart < 0) {
        break;
      }
      int keyEnd = line.indexOf('"', keyStart + 1);
      String key = line.substring(keyStart + 1, keyEnd);
      int valueStart = line.indexOf('"', keyEnd + 1);
      StringBuilder value = new StringBuilder();
      int i = valueStart + 1;
      for (; line.charAt(i) != '"'; i++) {
        char c = line.charAt(i);
        if (c != '\\') {
          value.append(c);
          continue;
        }
        char e = line.charAt(++i);
        switch (e) {
          case 'n' -> value.append('\n');
          case 'r' -> value.append('\r');
          case 't' -> value.append('\t');
          case 'b' -> value.append('\b');
          case 'f' -> value.append('\f');
          case 'u' -> {
            value.append((char) Integer.parseInt(line.substring(i + 1, i + 5), 16));
            i += 4;
          }
          default -> value.append(e);
        }
      }
      switch (key) {
        case "log" -> log = value.toString();
        case "stream" -> stream = value.toString();
        case "time" -> time = value.toString();
        default -> {}
      }
      at = i + 1;
    }
    if (time == null) {
      throw new IllegalArgumentException("not a json-file log line: " + line);
    }
    return new Entry(stream, Instant.parse(time), log.getBytes(StandardCharsets.UTF_8));
  }

  /** Go's time.RFC3339Nano in UTC: the fraction without its trailing zeros, none when zero. */
  public static String rfc3339Nano(Instant t) {
    String seconds =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC).format(t);
    if (t.getNano() == 0) {
      return seconds + "Z";
    }
    String fraction = String.format("%09d", t.getNano()).replaceAll("0+$", "");
    return seconds + "." + fraction + "Z";
  }
}
