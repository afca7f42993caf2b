package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Engine API's raw answers against Docker 20.10's, from reference/docker-20.10/api (recorded by
 * tools/record-docker-goldens api): each request of its README sent to jockerd as curl or the
 * recorder sent it, in the recorder's order and with its fixture, and the status, Content-Type and
 * body compared (an error's {@code message}, a wait's result, a stream's frames byte for byte) with
 * IDs normalised. Where issue 21 or jocker chooses otherwise (a 400 where Docker answers 500 for
 * malformed JSON, a clean 4xx where it hangs or redirects), {@link #KNOWN} says so.
 */
@Privileged
class ApiGoldensIT {
  private static final Path REF = Path.of("../reference/docker-20.10/api");

  private static final Map<String, String> KNOWN = new LinkedHashMap<>();

  static {
    String malformed = "malformed or wrongly typed JSON is issue 21's 400 (Docker: 500)";
    for (String n :
        List.of(
            "create-malformed",
            "create-cmd-object",
            "create-env-string",
            "create-tty-yes",
            "create-hostconfig-array",
            "create-memory-string",
            "create-empty-body")) {
      KNOWN.put(n, malformed);
    }
    KNOWN.put("create-hostname-newline", "hostnames are RFC 1123 (Docker writes the line break)");
    KNOWN.put("create-ip-default-bridge", "--ip on the default bridge is refused at create");
    KNOWN.put("start-ip-default-bridge", "the container was refused at create");
    KNOWN.put("ps-filters-garbage", "malformed filters are issue 21's 400 (Docker: 500)");
    KNOWN.put("ps-limit-abc", "a malformed limit is issue 21's 400 (Docker: 500)");
    KNOWN.put("stop-t-abc", "a malformed t is issue 21's 400 (Docker: 500)");
    KNOWN.put("stop-t-huge", "t is checked before anything is done (Docker waits, then kills)");
    KNOWN.put("wait-bad-condition", "an unknown condition is a 400 (Docker ignores it)");
    KNOWN.put("images-create-local", "jocker pulls from no registry: a local image is up to date");
    KNOWN.put("images-create-nosuch", "jocker pulls from no registry: a clean 404 saying so");
    KNOWN.put("not-found-route", "the 404 names the route");
    KNOWN.put("not-found-route-method", "the 404 names the route");
    KNOWN.put("ping-post", "the 404 names the route");
    KNOWN.put("uri-100k", "Jetty's 414 for a URI past its limit, as JSON (Docker: a 404)");
    KNOWN.put("header-1100k", "Jetty's 431 as JSON (Docker: text)");
    KNOWN.put("garbage-request-line", "a bad request line is a JSON 400 (Docker: text)");
    KNOWN.put("http11-no-host", "HTTP/1.1 without Host is served (Docker: a text 400)");
    KNOWN.put("bad-chunk", "a bad chunk is a JSON 400 (Docker: 500)");
    KNOWN.put("body-shorter-than-length", "a short body is a 400 at once (Docker waits for ever)");
    KNOWN.put("path-dotdot", "paths are not cleaned into a redirect: a JSON 4xx");
    KNOWN.put("path-double-slash", "paths are not cleaned into a redirect: a JSON 4xx");
    KNOWN.put("path-encoded-dotdot", "paths are not cleaned into a redirect: a JSON 4xx");
    KNOWN.put(
        "attach-nosuch",
        "a JSON message (Docker writes its text under the raw-stream type, the hijack begun)");
    KNOWN.put("body-64m", "bodies past 1 MiB are a 413 (Docker reads any size)");
  }

  @TempDir Path dir;

  /** One answer: status, headers (lower-case names), body (de-chunked). */
  record Answer(int status, Map<String, String> headers, byte[] body) {}

  private Jockerd d;
  private final List<String> failures = new ArrayList<>();
  private final List<String> known = new ArrayList<>();
  private final Map<String, String> execIds = new LinkedHashMap<>();
  private String lastExec;

  @Test
  void everyRecordedRequestIsAnsweredAsDocker2010(Sandbox sandbox) throws Exception {
    try (Jockerd jockerd = new Jockerd(sandbox, dir).start()) {
      d = jockerd;
      d.ok("run", "-d", "--name", "web", "busybox", "sleep", "3600");
      d.jocker("run", "--name", "done3", "busybox", "sh", "-c", "exit 3");
      Pattern row = Pattern.compile("^\\| ([a-z0-9.-]+)\\.http \\| `(.*)` \\|$");
      for (String line : Files.readAllLines(REF.resolve("README.md"))) {
        Matcher m =
            row.matcher(
                line.replaceFirst("^\\| [a-z0-9.-]+\\.request, ", "| ")
                    .replaceFirst("^\\| ([a-z0-9.-]+)\\.stdin, ", "| "));
        if (!m.matches()) {
          continue;
        }
        String name = m.group(1);
        if (name.equals("body-64m")) {
          known.add(name);
          continue;
        }
        before(name);
        boolean curl = m.group(2).startsWith("curl ");
        Answer a = curl ? curl(m.group(2)) : raw(name, m.group(2));
        compare(name, a, curl);
      }
    }
    StringBuilder report = new StringBuilder();
    report.append(failures.size()).append(" answers differ from Docker 20.10's:\n\n");
    failures.forEach(f -> report.append(f).append('\n'));
    report.append("\nknown (").append(known.size()).append("): ").append(String.join(", ", known));
    assertTrue(failures.isEmpty(), report.toString());
  }

  /** The recorder's fixture steps before a request. */
  private void before(String name) throws Exception {
    switch (name) {
      case "wait-running" ->
          d.ok("run", "-d", "--name", "waiter", "busybox", "sh", "-c", "sleep 1; exit 9");
      case "wait-next-exit" -> {
        d.ok("create", "--name", "nextexit", "busybox", "sh", "-c", "exit 2");
        later(1000, "start", "nextexit");
      }
      case "wait-removed" -> {
        d.ok("run", "-d", "--name", "removed", "busybox", "sh", "-c", "sleep 1");
        later(2000, "rm", "removed");
      }
      case "attach-upgrade", "attach-plain" ->
          d.ok(
              "run",
              "-d",
              "--name",
              name.replace("attach", "att"),
              "busybox",
              "sh",
              "-c",
              "sleep 1; echo out; echo err >&2; exit 4");
      case "exec-upgrade", "exec-plain" ->
          execIds.put(
              name,
              exec(
                  "{\"AttachStdout\":true,\"AttachStderr\":true,\"Cmd\":[\"sh\",\"-c\",\"echo out; echo err >&2; exit 5\"]}"));
      case "exec-tty-upgrade", "exec-tty-plain" ->
          execIds.put(
              name,
              exec(
                  "{\"AttachStdout\":true,\"AttachStderr\":true,\"Tty\":true,\"Cmd\":[\"sh\",\"-c\",\"echo out; echo err >&2; tty\"]}"));
      case "exec-stdin-half-close" ->
          execIds.put(name, exec("{\"AttachStdin\":true,\"AttachStdout\":true,\"Cmd\":[\"cat\"]}"));
      case "stop-t-abc" -> d.ok("run", "-d", "--name", "stopme", "busybox", "sleep", "3600");
      default -> {
        // No fixture step.
      }
    }
  }

  private void later(long millis, String... args) {
    CompletableFuture.runAsync(
        () -> {
          try {
            Thread.sleep(millis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          d.jocker(args);
        });
  }

  /** An exec instance in web; the last one made is what {@code /exec/ID/json} rows ask about. */
  private String exec(String body) {
    Jockerd.Response r = d.api("POST", "/containers/web/exec", body);
    lastExec = r.json().get("Id").asText();
    return lastExec;
  }

  // ---------------------------------------------------------------- sending

  /** curl's request for the recorder's arguments. */
  private Answer curl(String command) throws Exception {
    List<String> args = words(command);
    String method = "GET";
    List<String> headers = new ArrayList<>();
    String body = null;
    String url = null;
    for (int i = 1; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "-i" -> {}
        case "--unix-socket" -> i++;
        case "-X" -> method = args.get(++i);
        case "-I" -> method = "HEAD";
        case "-H", "-d", "--data-binary" -> {
          // The README keeps the recorder's words without their quotes: a value runs to the next
          // option or the URL.
          List<String> value = new ArrayList<>();
          while (i + 1 < args.size()
              && !args.get(i + 1).startsWith("http://")
              && !List.of("-X", "-H", "-I", "-d", "-i").contains(args.get(i + 1))) {
            value.add(args.get(++i));
          }
          if (a.equals("-H")) {
            headers.add(String.join(" ", value));
          } else {
            body = String.join(" ", value);
          }
        }
        default -> url = a;
      }
    }
    if (body != null && method.equals("GET")) {
      method = "POST";
    }
    String path = url.replaceFirst("^http://localhost", "");
    if (path.contains("/exec/ID/")) {
      path = path.replace("ID", lastExec);
    }
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: localhost\r\n");
    head.append("User-Agent: curl/7.88.1\r\nAccept: */*\r\n");
    boolean typed = false;
    for (String h : headers) {
      head.append(h).append("\r\n");
      typed |= h.toLowerCase(Locale.ROOT).startsWith("content-type");
    }
    byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    if (body != null) {
      if (!typed) {
        head.append("Content-Type: application/x-www-form-urlencoded\r\n");
      }
      head.append("Content-Length: ").append(content.length).append("\r\n");
    }
    head.append("\r\n");
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.write(head.toString().getBytes(StandardCharsets.UTF_8));
    request.write(content);
    return send(request.toByteArray(), null, method.equals("HEAD"), 30);
  }

  /** The recorder's raw request (its exec IDs replaced by this run's). */
  private Answer raw(String name, String command) throws Exception {
    byte[] request = Files.readAllBytes(REF.resolve(name + ".request"));
    String id = execIds.get(name);
    if (id != null) {
      request =
          new String(request, StandardCharsets.ISO_8859_1)
              .replaceAll("[0-9a-f]{64}", id)
              .getBytes(StandardCharsets.ISO_8859_1);
    }
    byte[] stdin = null;
    if (Files.exists(REF.resolve(name + ".stdin"))) {
      stdin = Files.readAllBytes(REF.resolve(name + ".stdin"));
    }
    Matcher m = Pattern.compile("or (\\d+) s").matcher(command);
    int seconds = m.find() ? Integer.parseInt(m.group(1)) : 5;
    return send(request, stdin, false, Math.min(seconds, 10));
  }

  /**
   * Sends {@code request}, and {@code stdin} a second later with a half-close; reads the answer
   * until its end (by its length or chunks, or the close of a stream), {@code seconds} at most.
   */
  private Answer send(byte[] request, byte[] stdin, boolean head, int seconds) throws Exception {
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(d.socket()))) {
      ch.write(ByteBuffer.wrap(request));
      if (stdin != null) {
        Thread.sleep(1000);
        ch.write(ByteBuffer.wrap(stdin));
        ch.shutdownOutput();
      }
      ExecutorService reader = Executors.newSingleThreadExecutor();
      try {
        Future<Answer> answer = reader.submit(() -> read(Channels.newInputStream(ch), head));
        return answer.get(seconds, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        return new Answer(-1, Map.of(), "no answer in time".getBytes(StandardCharsets.UTF_8));
      } finally {
        reader.shutdownNow();
      }
    }
  }

  private static Answer read(InputStream raw, boolean head) throws IOException {
    return read(raw, head, false);
  }

  /** With {@code asShown}, the body is the rest as curl showed it (already de-chunked). */
  private static Answer read(InputStream raw, boolean head, boolean asShown) throws IOException {
    InputStream in = new java.io.BufferedInputStream(raw);
    String status = line(in);
    if (status.isEmpty()) {
      return new Answer(0, Map.of(), new byte[0]);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(in); !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      headers.put(
          h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
    }
    int code = Integer.parseInt(status.split(" ")[1]);
    byte[] body;
    if (asShown) {
      body = in.readAllBytes();
    } else if (head || code == 204 || code == 304) {
      body = new byte[0];
    } else if (headers.containsKey("content-length")) {
      body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (String size = line(in).strip(); !size.isEmpty(); size = line(in).strip()) {
        int n = Integer.parseInt(size.split(";")[0], 16);
        if (n == 0) {
          break;
        }
        b.write(in.readNBytes(n));
        line(in);
      }
      body = b.toByteArray();
    } else {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      try {
        in.transferTo(b);
      } catch (SocketTimeoutException | java.nio.channels.ClosedByInterruptException stop) {
        // What came before the time ran out.
      }
      body = b.toByteArray();
    }
    return new Answer(code, headers, body);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  /** The recorder's single-quoted shell words. */
  private static List<String> words(String command) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("'([^']*)'|(\\S+)").matcher(command);
    while (m.find()) {
      out.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return out;
  }

  // ---------------------------------------------------------------- comparing

  private Answer recorded(String name, boolean curl) throws IOException {
    byte[] bytes = Files.readAllBytes(REF.resolve(name + ".http"));
    if (bytes.length == 0) {
      return new Answer(-1, Map.of(), new byte[0]);
    }
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    // curl -i shows a 100 Continue before the answer.
    while (text.startsWith("HTTP/1.1 100")) {
      text = text.substring(text.indexOf("\r\n\r\n") + 4);
    }
    return read(
        new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)), false, curl);
  }

  private void compare(String name, Answer actual, boolean curl) throws IOException {
    Answer expected = recorded(name, curl);
    List<String> diffs = new ArrayList<>();
    if (expected.status() != actual.status()) {
      diffs.add("status " + expected.status() + " but " + actual.status());
    }
    String type = expected.headers().get("content-type");
    if (type != null
        && expected.status() == actual.status()
        && !type.equals(actual.headers().get("content-type"))) {
      diffs.add("Content-Type " + type + " but " + actual.headers().get("content-type"));
    }
    String e = normalise(new String(expected.body(), StandardCharsets.UTF_8), type);
    String a = normalise(new String(actual.body(), StandardCharsets.UTF_8), type);
    if (!e.equals(a)) {
      diffs.add(
          "body\n      "
              + e.replace("\n", "\n      ")
              + "\n    but\n      "
              + a.replace("\n", "\n      "));
    }
    if (diffs.isEmpty()) {
      if (KNOWN.containsKey(name)) {
        failures.add(name + ": listed as known (" + KNOWN.get(name) + ") but matches: drop it");
      }
      return;
    }
    if (KNOWN.containsKey(name)) {
      known.add(name);
      return;
    }
    failures.add("--- " + name + ": " + String.join("; ", diffs));
  }

  /** A multiplexed stream as what it carried on stdout and on stderr. */
  private static String demux(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    StringBuilder err = new StringBuilder();
    int at = 0;
    while (at + 8 <= bytes.length) {
      int len =
          ((bytes[at + 4] & 0xff) << 24)
              | ((bytes[at + 5] & 0xff) << 16)
              | ((bytes[at + 6] & 0xff) << 8)
              | (bytes[at + 7] & 0xff);
      String payload =
          new String(bytes, at + 8, Math.min(len, bytes.length - at - 8), StandardCharsets.UTF_8);
      (bytes[at] == 2 ? err : out).append(payload);
      at += 8 + len;
    }
    return "stdout: " + out + "stderr: " + err;
  }

  /**
   * What is compared of a body: an error's message, a stream's bytes, a JSON result but its IDs and
   * times; lists and documents (ps, inspect, version) only by their kind.
   */
  private static String normalise(String body, String type) {
    String b = body.replaceAll("[0-9a-f]{64}", "<ID>");
    if ("application/vnd.docker.raw-stream".equals(type) && b.length() >= 8 && b.charAt(1) == 0) {
      // Frames of stdout and stderr are relayed as each stream is read: only the order within a
      // stream is the process's.
      return demux(body.getBytes(StandardCharsets.ISO_8859_1));
    }
    if (type != null && type.startsWith("application/json")) {
      if (b.startsWith("[")) {
        return "<a JSON list>";
      }
      if (b.startsWith("{\"message\"") || b.startsWith("{\"Error\"")) {
        return b.strip();
      }
      if (b.startsWith("{\"Id\"")) {
        return "<created>";
      }
      return "<a JSON document>";
    }
    return b;
  }
}
