package dev.jocker.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A {@link Delegate} that executes the plugin's binary. */
public final class ExecDelegate implements Delegate {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long TIMEOUT_SECONDS = 60;

  @Override
  public byte[] run(String type, String command, CniEnvironment env, byte[] config) {
    Path binary = find(type, env);
    ProcessBuilder pb = new ProcessBuilder(binary.toString());
    Map<String, String> childEnv = pb.environment();
    childEnv.keySet().removeIf(k -> k.startsWith("CNI_"));
    childEnv.putAll(env.variables());
    childEnv.put("CNI_COMMAND", command);
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    String what = "IPAM plugin " + binary + " (" + command + ")";
    try {
      Process p = pb.start();
      try (OutputStream in = p.getOutputStream()) {
        in.write(config);
      }
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw failed(what + " did not finish in " + TIMEOUT_SECONDS + " s");
      }
      if (p.exitValue() == 0) {
        return out;
      }
      throw errorOf(what, p.exitValue(), out);
    } catch (IOException e) {
      throw failed(what + " could not be run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failed(what + " was interrupted");
    }
  }

  private static Path find(String type, CniEnvironment env) {
    if (env.path().isEmpty()) {
      throw new CniException(
          CniException.INVALID_ENVIRONMENT,
          "invalid environment variables",
          "CNI_PATH is not set; it must name the directory of the IPAM plugin " + type);
    }
    for (String dir : env.path()) {
      Path p = Path.of(dir, type);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    throw failed("no IPAM plugin " + type + " in CNI_PATH=" + String.join(":", env.path()));
  }

  /** The plugin's error result, its own code and texts, prefixed with who said it. */
  private static CniException errorOf(String what, int exit, byte[] out) {
    String text = new String(out, StandardCharsets.UTF_8).strip();
    try {
      JsonNode e = JSON.readTree(out);
      if (e != null && e.isObject() && e.path("code").canConvertToInt()) {
        String details = e.path("details").asText("");
        return new CniException(
            e.path("code").asInt(),
            e.path("msg").asText("error"),
            what + ": " + e.path("msg").asText("") + (details.isEmpty() ? "" : ": " + details));
      }
    } catch (IOException notJson) {
      // Reported below with what it printed.
    }
    return failed(what + " exited " + exit + (text.isEmpty() ? "" : ": " + text));
  }

  private static CniException failed(String details) {
    return new CniException(CniException.DELEGATE_FAILED, "delegated plugin failed", details);
  }
}
