package dev.jocker.cni;

import dev.jocker.kernel.Netns;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The plugin in a JVM of its own: what the {@code jocker} CNI binary runs when jockerd does not
 * answer on its socket, so that a node without jockerd still works (slower: a JVM starts per call).
 */
public final class CniMain {
  private CniMain() {}

  public static void main(String[] args) {
    System.exit(run(System.getenv(), System.out));
  }

  /** Runs one call with the process's standard input; returns the exit code. */
  static int run(Map<String, String> env, PrintStream out) {
    byte[] stdin;
    try {
      stdin = System.in.readAllBytes();
    } catch (IOException e) {
      CniException error =
          new CniException(
              CniException.IO_FAILURE,
              "failed to read the network configuration",
              "reading standard input: " + e.getMessage());
      out.print(CniResults.error(CniVersion.LATEST, error).toPrettyString());
      out.flush();
      return 1;
    }
    Map<Path, CniBackend> backends = new ConcurrentHashMap<>();
    Netns host = Netns.current();
    CniPlugin plugin =
        new CniPlugin(
            dir -> backends.computeIfAbsent(dir, d -> new DirectBackend(d, host, null)),
            new ExecDelegate());
    CniPlugin.Reply reply = plugin.run(env, stdin);
    out.print(new String(reply.stdout(), StandardCharsets.UTF_8));
    out.flush();
    return reply.exitCode();
  }
}
