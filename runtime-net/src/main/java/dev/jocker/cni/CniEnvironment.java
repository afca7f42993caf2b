package dev.jocker.cni;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The CNI_ variables of one call, checked for the command they serve: which are required, and that
 * the container ID and interface name are what the spec and the kernel accept.
 *
 * @param command ADD, DEL, CHECK, GC, STATUS or VERSION
 * @param containerId CNI_CONTAINERID, or null where the command takes none
 * @param netns CNI_NETNS, or null where the command takes none (DEL may omit it)
 * @param ifname CNI_IFNAME, or null where the command takes none
 * @param args CNI_ARGS, or empty
 * @param path CNI_PATH's directories, in order
 * @param variables every CNI_ variable as given, for delegated plugins
 */
public record CniEnvironment(
    String command,
    String containerId,
    String netns,
    String ifname,
    String args,
    List<String> path,
    Map<String, String> variables) {
  public static final List<String> COMMANDS =
      List.of("ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION");

  private static final Pattern CONTAINER_ID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*");

  public CniEnvironment {
    path = List.copyOf(path);
    variables = Map.copyOf(variables);
  }

  /** Reads and checks the variables; a problem is the spec's code 4, naming the variable. */
  public static CniEnvironment of(Map<String, String> env) {
    Map<String, String> cni = new LinkedHashMap<>();
    env.forEach(
        (k, v) -> {
          if (k.startsWith("CNI_")) {
            cni.put(k, v);
          }
        });
    String command = blankToNull(env.get("CNI_COMMAND"));
    if (command == null) {
      throw invalid("CNI_COMMAND is not set; expected one of " + String.join(", ", COMMANDS));
    }
    if (!COMMANDS.contains(command)) {
      throw invalid(
          "CNI_COMMAND=" + command + " is not a CNI command; expected one of " + COMMANDS);
    }
    boolean attachment = command.equals("ADD") || command.equals("DEL") || command.equals("CHECK");
    String containerId = null;
    String ifname = null;
    String netns = null;
    if (attachment) {
      containerId = required(env, "CNI_CONTAINERID", command);
      if (!CONTAINER_ID.matcher(containerId).matches()) {
        throw invalid(
            "CNI_CONTAINERID="
                + containerId
                + " is not a container ID: it must start with a letter or digit, followed by"
                + " letters, digits, _, . or -");
      }
      ifname = required(env, "CNI_IFNAME", command);
      String problem = interfaceNameProblem(ifname);
      if (problem != null) {
        throw invalid("CNI_IFNAME=" + ifname + " " + problem);
      }
      netns =
          command.equals("DEL")
              ? blankToNull(env.get("CNI_NETNS"))
              : required(env, "CNI_NETNS", command);
    }
    List<String> path = new ArrayList<>();
    String pathText = env.get("CNI_PATH");
    if (pathText != null) {
      for (String dir : pathText.split(":")) {
        if (!dir.isEmpty()) {
          path.add(dir);
        }
      }
    }
    String args = env.getOrDefault("CNI_ARGS", "");
    return new CniEnvironment(command, containerId, netns, ifname, args, path, cni);
  }

  /**
   * Why {@code name} cannot name a Linux interface (the kernel's own rules: 1 to 15 bytes, no '/',
   * ':' or white space, not "." or ".."), or null when it can.
   */
  public static String interfaceNameProblem(String name) {
    if (name.isEmpty() || name.length() > 15) {
      return "is not a valid interface name: it must be 1 to 15 characters long";
    }
    if (name.equals(".") || name.equals("..")) {
      return "is not a valid interface name";
    }
    for (char c : name.toCharArray()) {
      if (c == '/' || c == ':' || Character.isWhitespace(c) || c < 0x21 || c > 0x7e) {
        return "is not a valid interface name: it contains '" + c + "'";
      }
    }
    return null;
  }

  private static String required(Map<String, String> env, String name, String command) {
    String value = blankToNull(env.get(name));
    if (value == null) {
      throw invalid(name + " is not set; " + command + " needs it");
    }
    return value;
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static CniException invalid(String details) {
    return new CniException(
        CniException.INVALID_ENVIRONMENT, "invalid environment variables", details);
  }
}
