package dev.jocker.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A CNI runtime in miniature, as libcni drives plugins: each call is a new process of the plugin's
 * binary, found in CNI_PATH, run in the sandbox's host namespace with CNI_COMMAND, CNI_CONTAINERID,
 * CNI_NETNS, CNI_IFNAME and CNI_PATH set and the configuration on standard input. For a network
 * configuration list it derives each plugin's configuration (cniVersion, name, prevResult,
 * runtimeConfig from the capabilities), runs ADD in order and DEL in reverse with the cached
 * result.
 */
final class CniDriver {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One plugin call's outcome. */
  record Result(int exitCode, String stdout, String stderr) {
    JsonNode json() {
      try {
        return JSON.readTree(stdout);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + stdout + stderr, e);
      }
    }

    /** The error result's code, failing the test when the call succeeded. */
    int code() {
      if (exitCode == 0) {
        throw new AssertionError("the call succeeded: " + stdout);
      }
      return json().path("code").asInt(-1);
    }
  }

  private final Sandbox sandbox;
  private final Path binDir;
  private final Map<String, String> extraEnv = new HashMap<>();
  private final Map<String, JsonNode> cache = new HashMap<>();

  /**
   * A runtime whose CNI_PATH is a directory holding {@code jocker} (the distribution's CNI binary)
   * and then Debian's plugins; {@code socket} is where the plugin looks for jockerd.
   */
  CniDriver(Sandbox sandbox, Path dir, Path socket) {
    this.sandbox = sandbox;
    this.binDir = dir.resolve("cni-bin");
    try {
      Files.createDirectories(binDir);
      Path dist = Path.of("../cli/target/jocker-dist").toAbsolutePath().normalize();
      Files.deleteIfExists(binDir.resolve("jocker"));
      Files.createSymbolicLink(binDir.resolve("jocker"), dist.resolve("bin/jocker-cni"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    extraEnv.put("JOCKER_CNI_SOCKET", socket.toString());
  }

  /** Sets a variable of every later plugin process (e.g. JDK_JAVA_OPTIONS for crash points). */
  CniDriver env(String name, String value) {
    extraEnv.put(name, value);
    return this;
  }

  String cniPath() {
    return binDir + ":/usr/lib/cni";
  }

  /** Runs plugin {@code type} once, as a runtime does. A null argument leaves its variable out. */
  Result call(
      String type, String command, String containerId, String netns, String ifname, String stdin) {
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("CNI_COMMAND", command);
    env.put("CNI_PATH", cniPath());
    if (containerId != null) {
      env.put("CNI_CONTAINERID", containerId);
    }
    if (netns != null) {
      env.put("CNI_NETNS", netns);
    }
    if (ifname != null) {
      env.put("CNI_IFNAME", ifname);
    }
    return exec(type, env, stdin);
  }

  /** As {@link #call} with a variable map of the caller's (to leave out or break any of them). */
  Result exec(String type, Map<String, String> env, String stdin) {
    Path binary = binDir.resolve(type);
    if (!Files.exists(binary)) {
      binary = Path.of("/usr/lib/cni", type);
    }
    ProcessBuilder pb =
        new ProcessBuilder("nsenter", "--net=" + sandbox.host().path(), "--", binary.toString());
    pb.environment().keySet().removeIf(k -> k.startsWith("CNI_") || k.startsWith("JOCKER_CNI_"));
    pb.environment().putAll(env);
    try {
      Path err = Files.createTempFile("cni", ".err");
      pb.redirectError(err.toFile());
      Process p = pb.start();
      try (OutputStream in = p.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(type + " " + env.get("CNI_COMMAND") + " did not finish in 120 s");
      }
      String stderr = Files.readString(err);
      Files.delete(err);
      return new Result(p.exitValue(), out, stderr);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * ADD of a configuration list: each plugin in order, each one's result the next one's prevResult;
   * the final result is cached for CHECK and DEL, as libcni caches it.
   */
  Result addList(
      String conflist, String containerId, String netns, String ifname, ObjectNode runtimeArgs) {
    JsonNode list = parse(conflist);
    JsonNode prev = null;
    Result last = null;
    for (JsonNode plugin : list.get("plugins")) {
      last =
          call(
              plugin.get("type").asText(),
              "ADD",
              containerId,
              netns,
              ifname,
              derive(list, plugin, prev, runtimeArgs).toString());
      if (last.exitCode() != 0) {
        return last;
      }
      prev = last.json();
    }
    cache.put(key(list, containerId, ifname), prev);
    return last;
  }

  /** CHECK of a configuration list, in order, each with the cached ADD result. */
  Result checkList(
      String conflist, String containerId, String netns, String ifname, ObjectNode runtimeArgs) {
    return run(conflist, "CHECK", containerId, netns, ifname, runtimeArgs, false);
  }

  /** DEL of a configuration list, in reverse order, each with the cached ADD result. */
  Result delList(
      String conflist, String containerId, String netns, String ifname, ObjectNode runtimeArgs) {
    Result r = run(conflist, "DEL", containerId, netns, ifname, runtimeArgs, true);
    if (r.exitCode() == 0) {
      cache.remove(key(parse(conflist), containerId, ifname));
    }
    return r;
  }

  private Result run(
      String conflist,
      String command,
      String containerId,
      String netns,
      String ifname,
      ObjectNode runtimeArgs,
      boolean reverse) {
    JsonNode list = parse(conflist);
    JsonNode prev = cache.get(key(list, containerId, ifname));
    List<JsonNode> plugins = new ArrayList<>();
    list.get("plugins").forEach(plugins::add);
    if (reverse) {
      java.util.Collections.reverse(plugins);
    }
    Result last = new Result(0, "", "");
    for (JsonNode plugin : plugins) {
      last =
          call(
              plugin.get("type").asText(),
              command,
              containerId,
              netns,
              ifname,
              derive(list, plugin, prev, runtimeArgs).toString());
      if (last.exitCode() != 0) {
        return last;
      }
    }
    return last;
  }

  /** GC of a configuration list: every plugin, told which attachments are still valid. */
  List<Result> gcList(String conflist, List<String[]> valid) {
    JsonNode list = parse(conflist);
    List<Result> out = new ArrayList<>();
    for (JsonNode plugin : list.get("plugins")) {
      ObjectNode conf = derive(list, plugin, null, null);
      ArrayNode attachments = conf.putArray("cni.dev/valid-attachments");
      for (String[] a : valid) {
        attachments.addObject().put("containerID", a[0]).put("ifname", a[1]);
      }
      out.add(call(plugin.get("type").asText(), "GC", null, null, null, conf.toString()));
    }
    return out;
  }

  /** The configuration one plugin of the list is given (the spec's section 3). */
  private static ObjectNode derive(
      JsonNode list, JsonNode plugin, JsonNode prevResult, ObjectNode runtimeArgs) {
    ObjectNode conf = plugin.deepCopy();
    conf.put("cniVersion", list.get("cniVersion").asText());
    conf.put("name", list.get("name").asText());
    conf.remove("capabilities");
    JsonNode capabilities = plugin.path("capabilities");
    if (runtimeArgs != null && capabilities.isObject()) {
      ObjectNode runtimeConfig = JSON.createObjectNode();
      capabilities
          .fieldNames()
          .forEachRemaining(
              c -> {
                if (capabilities.get(c).asBoolean() && runtimeArgs.has(c)) {
                  runtimeConfig.set(c, runtimeArgs.get(c));
                }
              });
      if (!runtimeConfig.isEmpty()) {
        conf.set("runtimeConfig", runtimeConfig);
      }
    }
    if (prevResult != null) {
      conf.set("prevResult", prevResult);
    }
    return conf;
  }

  private static String key(JsonNode list, String containerId, String ifname) {
    return list.get("name").asText() + "/" + containerId + "/" + ifname;
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
