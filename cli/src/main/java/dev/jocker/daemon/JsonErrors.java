package dev.jocker.daemon;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Every error Jetty answers by itself (a malformed request line, a URI or headers too long, an
 * ambiguous path, a bad chunk, a body cut short) in Docker's shape: {@code {"message": ...}} as
 * JSON, never Jetty's HTML page.
 */
final class JsonErrors extends ErrorHandler {
  static byte[] body(String message) {
    StringBuilder sb = new StringBuilder("{\"message\":\"");
    for (char c : message.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append("\"}\n").toString().getBytes(StandardCharsets.UTF_8);
  }

  static String message(int status, String reason) {
    String text = HttpStatus.getMessage(status);
    if (reason == null || reason.isBlank() || reason.equals(text)) {
      return text.toLowerCase(java.util.Locale.ROOT);
    }
    return text.toLowerCase(java.util.Locale.ROOT) + ": " + reason;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    int status = response.getStatus();
    Object attribute = request.getAttribute(ERROR_STATUS);
    if (attribute instanceof Integer s) {
      status = s;
    }
    Object reason = request.getAttribute(ERROR_MESSAGE);
    Throwable cause = (Throwable) request.getAttribute(ERROR_EXCEPTION);
    String text = reason == null && cause != null ? cause.getMessage() : (String) reason;
    byte[] bytes = body(message(status, text));
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
    return true;
  }
}
