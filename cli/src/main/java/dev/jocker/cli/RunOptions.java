package dev.jocker.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * The options of {@code run} and {@code create} that shape the container's process, privileges,
 * resources and restarts, read as the docker CLI reads them (its texts for a value it cannot
 * parse); what they mean is checked by the daemon, as dockerd checks it.
 */
final class RunOptions {
  private static final Pattern SIZE =
      Pattern.compile("^(\\d+(\\.\\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$");

  private RunOptions() {}

  static void add(Options o) {
    o.addOption(
        value(null, "entrypoint", "string", "Overwrite the default ENTRYPOINT of the image"));
    o.addOption(value("u", "user", "string", "Username or UID (format: <name|uid>[:<group|gid>])"));
    o.addOption(value("w", "workdir", "string", "Working directory inside the container"));
    o.addOption(value(null, "cap-add", "list", "Add Linux capabilities"));
    o.addOption(value(null, "cap-drop", "list", "Drop Linux capabilities"));
    o.addOption(
        Option.builder()
            .longOpt("privileged")
            .desc("Give extended privileges to this container")
            .build());
    o.addOption(value(null, "security-opt", "list", "Security Options"));
    o.addOption(value("m", "memory", "bytes", "Memory limit"));
    o.addOption(
        value(
            null,
            "memory-swap",
            "bytes",
            "Swap limit equal to memory plus swap: '-1' to enable unlimited swap"));
    o.addOption(value(null, "cpus", "decimal", "Number of CPUs"));
    o.addOption(value("c", "cpu-shares", "int", "CPU shares (relative weight)"));
    o.addOption(
        value(null, "pids-limit", "int", "Tune container pids limit (set -1 for unlimited)"));
    o.addOption(
        value(
            null,
            "restart",
            "string",
            "Restart policy to apply when a container exits (default \"no\")"));
  }

  private static Option value(String shortName, String longName, String arg, String description) {
    return Option.builder(shortName)
        .longOpt(longName)
        .hasArg()
        .argName(arg)
        .desc(description)
        .build();
  }

  /** Writes what {@code cl} asks for into the create body's Config and HostConfig. */
  static void apply(String command, CommandLine cl, ObjectNode config, ObjectNode host)
      throws UsageException {
    if (cl.hasOption("entrypoint")) {
      config.putArray("Entrypoint").add(cl.getOptionValue("entrypoint"));
    }
    if (cl.hasOption("u")) {
      config.put("User", cl.getOptionValue("u"));
    }
    if (cl.hasOption("w")) {
      config.put("WorkingDir", cl.getOptionValue("w"));
    }
    list(cl, "cap-add", host.putArray("CapAdd"));
    list(cl, "cap-drop", host.putArray("CapDrop"));
    host.put("Privileged", cl.hasOption("privileged"));
    ArrayNode security = host.putArray("SecurityOpt");
    if (cl.hasOption("security-opt")) {
      for (String opt : cl.getOptionValues("security-opt")) {
        if (!opt.equals("no-new-privileges") && !opt.contains("=") && !opt.contains(":")) {
          throw new UsageException(command, "Invalid --security-opt: \"" + opt + "\"");
        }
        security.add(opt);
      }
    }
    if (cl.hasOption("m")) {
      host.put("Memory", size(command, cl.getOptionValue("m"), "-m, --memory"));
    }
    if (cl.hasOption("memory-swap")) {
      String swap = cl.getOptionValue("memory-swap");
      host.put("MemorySwap", swap.equals("-1") ? -1 : size(command, swap, "--memory-swap"));
    }
    if (cl.hasOption("cpus")) {
      host.put("NanoCpus", nanoCpus(command, cl.getOptionValue("cpus")));
    }
    if (cl.hasOption("c")) {
      host.put("CpuShares", integer(command, cl.getOptionValue("c"), "-c, --cpu-shares"));
    }
    if (cl.hasOption("pids-limit")) {
      host.put("PidsLimit", integer(command, cl.getOptionValue("pids-limit"), "--pids-limit"));
    }
    if (cl.hasOption("restart")) {
      String policy = cl.getOptionValue("restart");
      if (cl.hasOption("rm") && !policy.isEmpty() && !policy.equals("no")) {
        throw new UsageException(
            command, "conflicting options: cannot specify both --restart and --rm");
      }
      String[] parts = policy.split(":", -1);
      if (parts.length > 2) {
        throw new UsageException(command, "invalid restart policy format");
      }
      int count = 0;
      if (parts.length == 2) {
        try {
          count = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
          throw new UsageException(
              command, "invalid restart policy format: maximum retry count must be an integer");
        }
      }
      ObjectNode restart = host.putObject("RestartPolicy");
      restart.put("Name", parts[0]);
      restart.put("MaximumRetryCount", count);
    }
  }

  private static void list(CommandLine cl, String option, ArrayNode into) {
    if (cl.hasOption(option)) {
      for (String v : cl.getOptionValues(option)) {
        into.add(v);
      }
    }
  }

  /** go-units' RAMInBytes: {@code 64m}, {@code 1.5g}, {@code 512} (bytes), binary multiples. */
  static long size(String command, String value, String flag) throws UsageException {
    Matcher m = SIZE.matcher(value);
    if (!m.matches()) {
      throw new UsageException(
          command,
          "invalid argument \""
              + value
              + "\" for \""
              + flag
              + "\" flag: invalid size: '"
              + value
              + "'");
    }
    BigDecimal n = new BigDecimal(m.group(1).replaceAll("\\.(?=.*\\.)", ""));
    String unit = m.group(3) == null ? "" : m.group(3).toLowerCase(Locale.ROOT);
    int power = "kmgtp".indexOf(unit) + 1;
    return n.multiply(BigDecimal.valueOf(1024).pow(power)).longValue();
  }

  /** The docker CLI's ParseCPUs: a rational number of CPUs, in billionths. */
  static long nanoCpus(String command, String value) throws UsageException {
    BigDecimal cpus;
    try {
      if (value.contains("/")) {
        String[] f = value.split("/", 2);
        cpus =
            new BigDecimal(new BigInteger(f[0]))
                .divide(
                    new BigDecimal(new BigInteger(f[1])), 9, java.math.RoundingMode.UNNECESSARY);
      } else {
        cpus = new BigDecimal(value);
      }
    } catch (NumberFormatException | ArithmeticException e) {
      throw new UsageException(
          command,
          "invalid argument \""
              + value
              + "\" for \"--cpus\" flag: failed to parse "
              + value
              + " as a rational number");
    }
    BigDecimal nano = cpus.multiply(BigDecimal.valueOf(1_000_000_000L));
    if (nano.stripTrailingZeros().scale() > 0) {
      throw new UsageException(
          command, "invalid argument \"" + value + "\" for \"--cpus\" flag: value is too precise");
    }
    return nano.longValueExact();
  }

  private static long integer(String command, String value, String flag) throws UsageException {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new UsageException(
          command,
          "invalid argument \""
              + value
              + "\" for \""
              + flag
              + "\" flag: strconv.ParseInt: parsing \""
              + value
              + "\": invalid syntax");
    }
  }
}
