package dev.jocker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * Docker's commands, spoken to jockerd over its API, with Docker 20.10's client texts and exit
 * statuses under jocker's name: usage and argument errors exit 1, flag errors 125 ({@code See
 * 'jocker ps --help'.}), {@code run}'s and {@code create}'s daemon errors 125 ({@code jocker: Error
 * response from daemon: ...}), other daemon errors 1.
 */
final class Commands {
  private final Cli cli;
  private final ContainerCommands containers;
  private final ObjectCommands objects;

  Commands(DaemonClient client, PrintStream out, PrintStream err, boolean debug) {
    this.cli = new Cli(client, out, err, debug);
    this.containers = new ContainerCommands(cli);
    this.objects = new ObjectCommands(cli);
  }

  /** The groups and their subcommands, for {@code jocker GROUP} and its help. */
  private static final Map<String, String> GROUPS =
      Map.of(
          "container", "Manage containers",
          "image", "Manage images",
          "network", "Manage networks",
          "system", "Manage jocker",
          "volume", "Manage volumes");

  int run(String command, List<String> args) {
    try {
      return dispatch(command, args);
    } catch (Cli.HelpShown h) {
      return 0;
    } catch (Cli.StatusError e) {
      if (e.getMessage() != null && !e.getMessage().isEmpty()) {
        cli.err.println(e.getMessage());
      }
      return e.code == 0 ? 1 : e.code;
    } catch (Cli.DaemonError e) {
      cli.err.println(e.text());
      return 1;
    } catch (DaemonClient.Unreachable e) {
      cli.err.println(e.getMessage());
      return 1;
    } catch (IOException e) {
      if (cli.debug) {
        e.printStackTrace(cli.err);
      }
      cli.err.println("jocker: " + e.getMessage());
      return 1;
    }
  }

  private int dispatch(String command, List<String> args)
      throws Cli.StatusError, Cli.DaemonError, IOException {
    return switch (command) {
      case "run" -> containers.run(args);
      case "create" -> containers.create(args);
      case "ps" -> containers.ps("ps", args);
      case "exec" -> containers.exec(args);
      case "start" -> containers.start(args);
      case "stop" -> containers.stop(args);
      case "restart" -> containers.restart(args);
      case "wait" -> containers.await(args);
      case "kill" -> containers.kill(args);
      case "rm" -> containers.rm("rm", args);
      case "logs" -> containers.logs(args);
      case "attach" -> containers.attach(args);
      case "top" -> containers.top(args);
      case "stats" -> containers.stats(args);
      case "rename" -> containers.rename(args);
      case "port" -> containers.port(args);
      case "pause" -> containers.pause("pause", args);
      case "unpause" -> containers.pause("unpause", args);
      case "cp" -> containers.cp(args);
      case "inspect" -> objects.inspect(args);
      case "images" -> objects.images("images", args);
      case "pull" -> objects.pull(args);
      case "events" -> objects.events("events", args);
      case "info" -> objects.info("info", args);
      case "version" -> objects.version(args);
      case "reconcile" -> objects.reconcile(args);
      case "doctor" -> objects.doctor(args);
      case "container", "image", "network", "system", "volume" -> group(command, args);
      case "demo" -> Demo.run(args, cli.out, cli.err);
      case "install" -> {
        cli.err.println(
            "jocker install is handled by the ./jocker launcher: run 'sudo ./jocker install' from the repository");
        yield 125;
      }
      default -> {
        cli.err.println("jocker: '" + command + "' is not a jocker command.");
        cli.err.println("See 'jocker --help'");
        yield 1;
      }
    };
  }

  private int group(String group, List<String> args)
      throws Cli.StatusError, Cli.DaemonError, IOException {
    String sub = args.isEmpty() ? "" : args.get(0);
    List<String> rest = args.isEmpty() ? List.of() : args.subList(1, args.size());
    switch (group + " " + sub) {
      case "container ls", "container list", "container ps" -> {
        return containers.ps("container ls", rest);
      }
      case "container prune" -> {
        return containers.prune(rest);
      }
      case "container rm", "container remove" -> {
        return containers.rm("container rm", rest);
      }
      case "container run" -> {
        return containers.run(rest);
      }
      case "container create" -> {
        return containers.create(rest);
      }
      case "container inspect" -> {
        return objects.inspectTyped("container inspect", "container", rest);
      }
      case "image ls", "image list" -> {
        return objects.images("image ls", rest);
      }
      case "image prune" -> {
        return objects.pruneImages(rest);
      }
      case "image inspect" -> {
        return objects.inspectTyped("image inspect", "image", rest);
      }
      case "image import" -> {
        return objects.importImage(rest);
      }
      case "image pull" -> {
        return objects.pull(rest);
      }
      case "network ls", "network list" -> {
        return objects.networks(rest);
      }
      case "network create" -> {
        return objects.createNetwork(rest);
      }
      case "network rm", "network remove" -> {
        return objects.removeNetworks(rest);
      }
      case "network inspect" -> {
        return objects.inspectTyped("network inspect", "network", rest);
      }
      case "network prune" -> {
        return objects.pruneNetworks(rest);
      }
      case "network topology" -> {
        return objects.topology(rest);
      }
      case "network trace" -> {
        return objects.trace(rest);
      }
      case "system df" -> {
        return objects.df(rest);
      }
      case "system info" -> {
        return objects.info("system info", rest);
      }
      case "system events" -> {
        return objects.events("system events", rest);
      }
      case "system prune" -> {
        return objects.pruneSystem(rest);
      }
      case "volume ls", "volume list" -> {
        return objects.volumes(rest);
      }
      case "volume prune" -> {
        return objects.pruneVolumes(rest);
      }
      default -> {
        if (sub.isEmpty() || sub.equals("--help") || sub.equals("-h")) {
          cli.out.print(groupHelp(group));
          return 0;
        }
        cli.err.println("jocker: '" + sub + "' is not a jocker " + group + " command.");
        cli.err.println("See 'jocker " + group + " --help'");
        return 1;
      }
    }
  }

  private static String groupHelp(String group) {
    String commands =
        switch (group) {
          case "container" ->
              """
                create      Create a new container
                inspect     Display detailed information on one or more containers
                ls          List containers
                prune       Remove all stopped containers
                rm          Remove one or more containers
                run         Run a command in a new container
              """;
          case "image" ->
              """
                import      Import a root file system (a directory or a tarball) as an image
                inspect     Display detailed information on one or more images
                ls          List images
                prune       Remove unused images
                pull        Check an image is present (jocker pulls from no registry)
              """;
          case "network" ->
              """
                create      Create a network
                inspect     Display detailed information on one or more networks
                ls          List networks
                prune       Remove all unused networks
                rm          Remove one or more networks
                topology    Draw the network as the kernel holds it (--format text|dot|mermaid)
                trace       Explain the path of a packet: trace CONTAINER DEST
              """;
          case "system" ->
              """
                df          Show jocker disk usage
                events      Get real time events from the server
                info        Display system-wide information
                prune       Remove unused data
              """;
          default ->
              """
                ls          List volumes
                prune       Remove all unused local volumes
              """;
        };
    return "\nUsage:  jocker "
        + group
        + " COMMAND\n\n"
        + GROUPS.get(group)
        + "\n\nCommands:\n"
        + commands
        + "\nRun 'jocker "
        + group
        + " COMMAND --help' for more information on a command.\n";
  }

  /** What {@code jocker inspect} reads, exposed for the formatting tests. */
  static String pretty(JsonNode node) throws IOException {
    return Cli.pretty(node);
  }
}
