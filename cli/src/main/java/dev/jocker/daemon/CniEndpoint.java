package dev.jocker.daemon;

import dev.jocker.cni.CniException;
import dev.jocker.cni.CniPlugin;
import dev.jocker.cni.ExecDelegate;
import dev.jocker.engine.Engine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Blocker;

/**
 * {@code POST /jocker/cni}: the CNI plugin's fast path. The {@code jocker} CNI binary (a small C
 * program, bin/jocker-cni) sends the call here instead of starting a JVM: the body is each CNI_
 * variable as {@code NAME=VALUE} and a NUL, one more NUL, then the plugin's standard input. The
 * answer is the plugin's standard output, its exit code in the {@code Jocker-Cni-Exit} header. The
 * plugin attaches through the engine's network controller, for a configuration whose {@code
 * dataDir} is this daemon's data root (the default, {@code /var/lib/jocker}, or named): one store
 * holds jockerd's networks and the orchestrator's, and no call's state goes elsewhere.
 */
final class CniEndpoint {
  private static final Logger LOG = LogManager.getLogger(CniEndpoint.class);
  static final String EXIT_HEADER = "Jocker-Cni-Exit";

  private final CniPlugin plugin;

  CniEndpoint(Engine engine) {
    Path root = engine.info().dataRoot().toAbsolutePath().normalize();
    this.plugin =
        new CniPlugin(
            dir -> {
              if (!dir.toAbsolutePath().normalize().equals(root)) {
                throw new CniException(
                    CniException.INVALID_CONFIG,
                    "invalid network configuration",
                    "dataDir "
                        + dir
                        + " is not the data root of the jockerd answering on this socket ("
                        + root
                        + "): name "
                        + root
                        + " (jockerd's --data-root) in the configuration");
              }
              return engine.cniBackend();
            },
            new ExecDelegate());
  }

  void handle(ApiHandler.Call c) throws IOException {
    ByteBuffer in = Content.Source.asByteBuffer(c.request);
    byte[] body = new byte[in.remaining()];
    in.get(body);
    Map<String, String> env = new LinkedHashMap<>();
    int stdin = environment(body, env);
    long start = System.nanoTime();
    CniPlugin.Reply reply = plugin.run(env, Arrays.copyOfRange(body, stdin, body.length));
    LOG.info(
        "CNI {} {} {}: exit {} in {} ms",
        env.getOrDefault("CNI_COMMAND", "?"),
        env.getOrDefault("CNI_CONTAINERID", "-"),
        env.getOrDefault("CNI_IFNAME", "-"),
        reply.exitCode(),
        (System.nanoTime() - start) / 1_000_000);
    c.response.setStatus(200);
    c.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    c.response.getHeaders().put(EXIT_HEADER, Integer.toString(reply.exitCode()));
    c.response.getHeaders().put(HttpHeader.CONTENT_LENGTH, reply.stdout().length);
    try (Blocker.Callback blocker = Blocker.callback()) {
      c.response.write(true, ByteBuffer.wrap(reply.stdout()), blocker);
      blocker.block();
    }
  }

  /**
   * Reads the CNI_ variables at the head of {@code body} into {@code env} (any other name is
   * ignored: the plugin's environment is the CNI one); returns where standard input starts.
   */
  static int environment(byte[] body, Map<String, String> env) {
    int pos = 0;
    while (pos < body.length) {
      int end = pos;
      while (end < body.length && body[end] != 0) {
        end++;
      }
      if (end == pos) {
        return pos + 1;
      }
      String entry = new String(body, pos, end - pos, StandardCharsets.UTF_8);
      int eq = entry.indexOf('=');
      if (eq > 0 && entry.startsWith("CNI_")) {
        env.put(entry.substring(0, eq), entry.substring(eq + 1));
      }
      pos = end + 1;
    }
    return body.length;
  }
}
