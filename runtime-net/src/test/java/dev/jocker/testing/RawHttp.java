package dev.jocker.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP exchange over a unix socket with the bytes exactly as given, however broken, as the
 * hostile-input tests of the API send them (no HTTP client would).
 */
public final class RawHttp {
  private RawHttp() {}

  /** What came back: the status, the head, and the body de-chunked. */
  public record Reply(int status, String head, String body) {}

  /** Sends {@code bytes} as they are, half-closes, and reads the answer (10 s at most). */
  public static Reply exchange(Path socket, byte[] bytes) throws Exception {
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      CompletableFuture<byte[]> answer =
          CompletableFuture.supplyAsync(
              () -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteBuffer buf = ByteBuffer.allocate(65536);
                try {
                  while (ch.read(buf) > 0) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                  }
                } catch (IOException closed) {
                  // What was read is the answer.
                }
                return out.toByteArray();
              });
      ByteBuffer b = ByteBuffer.wrap(bytes);
      try {
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.shutdownOutput();
      } catch (IOException refusedEarly) {
        // The server answered and closed before the whole request was sent.
      }
      String text = new String(answer.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
      int split = text.indexOf("\r\n\r\n");
      if (split <= 0) {
        throw new AssertionError("no HTTP answer: " + text);
      }
      String head = text.substring(0, split);
      String body = text.substring(split + 4);
      if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
        body = dechunk(body);
      }
      return new Reply(Integer.parseInt(head.split(" ")[1]), head, body);
    }
  }

  private static String dechunk(String s) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (at < s.length()) {
      int eol = s.indexOf("\r\n", at);
      int n = Integer.parseInt(s.substring(at, eol).trim(), 16);
      if (n == 0) {
        break;
      }
      out.append(s, eol + 2, eol + 2 + n);
      at = eol + 2 + n + 2;
    }
    return out.toString();
  }
}
