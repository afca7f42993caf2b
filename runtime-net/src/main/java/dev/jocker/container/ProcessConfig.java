package dev.jocker.container;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The command line, environment and working directory of a container's process, composed and
 * checked as dockerd 20.10 does (daemon/commit.go's merge, container/env.go, daemon/container.go).
 */
public final class ProcessConfig {
  /** Docker's PATH when neither the image nor the user sets one. */
  public static final String DEFAULT_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private ProcessConfig() {}

  /**
   * The argument vector: the entrypoint followed by the command. A user's entrypoint (null when
   * {@code --entrypoint} was not given; {@code [""]} for {@code --entrypoint ""}) replaces the
   * image's and drops the image's command; a user's command replaces the image's.
   */
  public static List<String> command(
      List<String> imageEntrypoint,
      List<String> imageCmd,
      List<String> userEntrypoint,
      List<String> userCmd) {
    List<String> entrypoint = userEntrypoint;
    List<String> cmd = userCmd == null ? List.of() : userCmd;
    if (entrypoint == null || entrypoint.isEmpty()) {
      if (cmd.isEmpty()) {
        cmd = imageCmd == null ? List.of() : imageCmd;
      }
      if (entrypoint == null) {
        entrypoint = imageEntrypoint == null ? List.of() : imageEntrypoint;
      }
    }
    if (entrypoint.size() == 1 && entrypoint.get(0).isEmpty()) {
      entrypoint = List.of();
    }
    if (entrypoint.isEmpty() && cmd.isEmpty()) {
      throw new InvalidConfigException("No command specified");
    }
    List<String> argv = new ArrayList<>(entrypoint);
    argv.addAll(cmd);
    return argv;
  }

  /**
   * The environment: PATH, HOSTNAME and (with a terminal) TERM=xterm first, each replaced in place
   * by the container's own value (or removed by a bare name), then the container's other variables
   * in their order.
   */
  public static List<String> environment(String hostname, boolean tty, List<String> configEnv) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "PATH=" + DEFAULT_PATH);
    env.put("HOSTNAME", "HOSTNAME=" + hostname);
    if (tty) {
      env.put("TERM", "TERM=xterm");
    }
    for (String e : configEnv) {
      int eq = e.indexOf('=');
      if (eq < 0) {
        env.remove(e); // a name without a value unsets it
      } else {
        env.put(e.substring(0, eq), e);
      }
    }
    return List.copyOf(env.values());
  }

  /** The environment with HOME added last when it is not set, as runc adds it. */
  public static List<String> withHome(List<String> env, String home) {
    if (env.stream().anyMatch(e -> e.startsWith("HOME="))) {
      return env;
    }
    List<String> out = new ArrayList<>(env);
    out.add("HOME=" + home);
    return out;
  }

  /** Docker's check at create: an empty or {@code =value} variable is refused. */
  public static void checkEnvironment(List<String> env) {
    for (String e : env) {
      if (e.isEmpty() || e.startsWith("=")) {
        throw new InvalidConfigException("invalid environment variable: " + e);
      }
    }
  }

  /** Docker's check at create: the working directory, when given, must be absolute. */
  public static String workingDir(String dir) {
    if (dir == null || dir.isEmpty()) {
      return "/";
    }
    if (!dir.startsWith("/")) {
      throw new InvalidConfigException(
          "the working directory '" + dir + "' is invalid, it needs to be an absolute path");
    }
    return java.nio.file.Path.of(dir).normalize().toString();
  }
}
