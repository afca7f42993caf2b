package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hijacked streams under stress, over raw connections as Docker's clients open them: attach and
 * exec to a missing container, an exec whose process is killed mid-stream, a client that hangs up
 * mid-stream (the process runs on, as under Docker), and 200 attached execs at once with no 5xx and
 * jockerd's threads and descriptors back where they were once they ended.
 */
@Privileged
class StreamsIT {
  @TempDir Path dir;

  /**
   * An upgraded connection: the head's status, then the raw stream; {@code length} is the head's
   * Content-Length (-1 without one), for an answer that is not a stream.
   */
  record Hijacked(SocketChannel channel, int status, long length, InputStream in)
      implements AutoCloseable {
    /** A plain answer's body, by its Content-Length. */
    String body() throws IOException {
      return new String(in.readNBytes((int) length), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }

    /** Docker's frames until the daemon closes: stdout then stderr, each concatenated. */
    String[] drain() throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      byte[] header = new byte[8];
      while (in.readNBytes(header, 0, 8) == 8) {
        int len =
            ((header[4] & 0xff) << 24)
                | ((header[5] & 0xff) << 16)
                | ((header[6] & 0xff) << 8)
                | (header[7] & 0xff);
        (header[0] == 2 ? err : out).write(in.readNBytes(len));
      }
      return new String[] {
        out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)
      };
    }

    /** The first frame's payload. */
    String firstFrame() throws IOException {
      byte[] header = in.readNBytes(8);
      int len = ((header[6] & 0xff) << 8) | (header[7] & 0xff);
      return new String(in.readNBytes(len), StandardCharsets.UTF_8);
    }
  }

  private static Hijacked hijack(Path socket, String path, String body) throws IOException {
    SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST /v1.41"
            + path
            + " HTTP/1.1\r\nHost: \r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
            + "Content-Type: application/json\r\nContent-Length: "
            + content.length
            + "\r\n\r\n";
    ch.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
    ch.write(ByteBuffer.wrap(content));
    InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
    String status = line(in);
    long length = -1;
    for (String h = line(in); !h.isEmpty(); h = line(in)) {
      if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Long.parseLong(h.substring(15).strip());
      }
    }
    return new Hijacked(ch, Integer.parseInt(status.split(" ")[1]), length, in);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.US_ASCII);
  }

  private static String exec(Jockerd d, String container, String cmd) {
    Jockerd.Response r =
        d.api(
            "POST",
            "/containers/" + container + "/exec",
            "{\"AttachStdout\":true,\"AttachStderr\":true,\"Cmd\":" + cmd + "}");
    assertEquals(201, r.status(), r.body());
    return r.json().get("Id").asText();
  }

  private static final String START = "{\"Detach\":false,\"Tty\":false}";

  @Test
  void attachAndExecToAMissingContainerAreDockers404s(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      try (Hijacked h = hijack(d.socket(), "/containers/nosuch/attach?stream=1&stdout=1", null)) {
        assertEquals(404, h.status());
        assertEquals("{\"message\":\"No such container: nosuch\"}\n", h.body());
      }
      try (Hijacked h = hijack(d.socket(), "/exec/nosuch/start", START)) {
        assertEquals(404, h.status());
        assertEquals("{\"message\":\"No such exec instance: nosuch\"}\n", h.body());
      }
    }
  }

  @Test
  void anExecKilledMidStreamEndsItsStreamWithItsStatus(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      d.ok("run", "-d", "--name", "c1", "busybox", "sleep", "1000");
      String id = exec(d, "c1", "[\"sh\",\"-c\",\"echo started; exec sleep 4242\"]");
      try (Hijacked h = hijack(d.socket(), "/exec/" + id + "/start", START)) {
        assertEquals(101, h.status());
        assertEquals("started\n", h.firstFrame());
        long pid = pidOf("sleep\u00004242");
        Sandbox.Command.run(List.of("kill", "-9", Long.toString(pid)));
        String[] rest = h.drain();
        assertEquals("", rest[0] + rest[1]);
      }
      JsonNode state = d.api("GET", "/exec/" + id + "/json", null).json();
      assertEquals(137, state.get("ExitCode").asInt());
      assertEquals(false, state.get("Running").asBoolean());
      assertTrue(d.ok("ps", "--format", "{{.Names}} {{.State}}").contains("c1 running"));
    }
  }

  @Test
  void aClientThatHangsUpLeavesTheProcessRunning(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      d.ok("run", "-d", "--name", "c1", "busybox", "sleep", "1000");
      String id =
          exec(
              d,
              "c1",
              "[\"sh\",\"-c\",\"while true; do echo tick; echo x >> /tmp/ticks; sleep 0.2; done\"]");
      try (Hijacked h = hijack(d.socket(), "/exec/" + id + "/start", START)) {
        assertEquals(101, h.status());
        assertEquals("tick\n", h.firstFrame());
      }
      Thread.sleep(1000);
      int before = ticks(d);
      Thread.sleep(1500);
      int after = ticks(d);
      assertTrue(
          after > before, "the exec ran on after its client left: " + before + " then " + after);
      assertTrue(d.api("GET", "/exec/" + id + "/json", null).json().get("Running").asBoolean());
    }
  }

  private static int ticks(Jockerd d) {
    return Integer.parseInt(d.ok("exec", "c1", "sh", "-c", "wc -l < /tmp/ticks").strip());
  }

  @Test
  void twoHundredAttachedExecsAtOnceLeakNothing(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      d.ok("run", "-d", "--name", "c1", "busybox", "sleep", "1000");
      burst(d, 200);
      long[] baseline = settle(d.pid());
      burst(d, 200);
      long[] after = settle(d.pid());
      assertTrue(
          after[0] <= baseline[0] + 2,
          "threads: "
              + baseline[0]
              + " before the second burst, "
              + after[0]
              + " after it: "
              + threadNames(d.pid()));
      assertTrue(
          after[1] <= baseline[1] + 2,
          "descriptors: " + baseline[1] + " before the second burst, " + after[1] + " after it");
    }
  }

  /** {@code n} execs at once, each attached: all 101, each its own output, exit 0. */
  private static void burst(Jockerd d, int n) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        results.add(
            pool.submit(
                () -> {
                  String id = exec(d, "c1", "[\"echo\",\"exec " + k + "\"]");
                  try (Hijacked h = hijack(d.socket(), "/exec/" + id + "/start", START)) {
                    if (h.status() != 101) {
                      return "exec " + k + ": start answered " + h.status();
                    }
                    String[] out = h.drain();
                    if (!out[0].equals("exec " + k + "\n")) {
                      return "exec " + k + ": printed " + out[0] + out[1];
                    }
                  }
                  JsonNode state = d.api("GET", "/exec/" + id + "/json", null).json();
                  return state.get("ExitCode").asInt() == 0 ? null : "exec " + k + ": " + state;
                }));
      }
      List<String> failures = new ArrayList<>();
      for (Future<String> f : results) {
        String failure = f.get();
        if (failure != null) {
          failures.add(failure);
        }
      }
      assertEquals(List.of(), failures);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * jockerd's threads (but the JDK's process reapers, a pool whose idle threads end after 60 s) and
   * open descriptors once they stop falling (stream threads end 5 s after their last stream).
   */
  private static long[] settle(long pid) throws Exception {
    long[] last = {threads(pid), count(Path.of("/proc/" + pid + "/fd"))};
    for (int i = 0; i < 30; i++) {
      Thread.sleep(1000);
      long[] now = {threads(pid), count(Path.of("/proc/" + pid + "/fd"))};
      if (i >= 6 && now[0] >= last[0] && now[1] >= last[1]) {
        return now;
      }
      last = now;
    }
    return last;
  }

  /**
   * jockerd's threads but the JDK's "process reaper"s: one waits on each child process while it
   * runs (every exec's launcher is one), and the pool keeps an idle one for 60 s.
   */
  private static long threads(long pid) {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      long n = 0;
      for (Path task : s) {
        try {
          if (!Files.readString(task.resolve("comm")).strip().equals("process reaper")) {
            n++;
          }
        } catch (IOException ended) {
          // The thread ended while the directory was read.
        }
      }
      return n;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** jockerd's threads by name, for a failure to show which stayed. */
  private static java.util.Map<String, Integer> threadNames(long pid) throws IOException {
    java.util.Map<String, Integer> names = new java.util.TreeMap<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : s) {
        try {
          names.merge(Files.readString(task.resolve("comm")).strip(), 1, Integer::sum);
        } catch (IOException ended) {
          // The thread ended while the directory was read.
        }
      }
    }
    return names;
  }

  private static long count(Path dir) {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      long n = 0;
      for (Path p : s) {
        n++;
      }
      return n;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The PID of the one process whose command line is {@code cmdline} (NUL-separated). */
  private static long pidOf(String cmdline) throws IOException {
    long deadline = System.currentTimeMillis() + 5000;
    while (System.currentTimeMillis() < deadline) {
      try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
        for (Path p : procs) {
          try {
            String c = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
            if (c.equals(cmdline + "\u0000")) {
              return Long.parseLong(p.getFileName().toString());
            }
          } catch (IOException gone) {
            // The process ended while it was read.
          }
        }
      }
    }
    throw new AssertionError("no process " + cmdline.replace('\u0000', ' '));
  }
}
