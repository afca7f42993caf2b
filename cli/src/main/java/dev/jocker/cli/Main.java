package dev.jocker.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The single entry point of {@code jocker} and {@code jockerd} ({@code jocker daemon}). Nothing on
 * the CLI's path touches logging, jnr or the engine unless the command needs them.
 */
public final class Main {
  static final String USAGE =
      """
      Usage:  jocker [OPTIONS] COMMAND

      Docker's default bridge networking, rebuilt on rtnetlink

      Options:
        -D, --debug          Enable debug mode (stack traces on errors)
        -H, --host string    Daemon socket to connect to (default unix:///run/jocker.sock)
        -h, --help           Print usage
        -v, --version        Print version information and quit

      Management Commands:
        container   Manage containers
        image       Manage images
        network     Manage networks (ls, create, rm, inspect, prune, topology, trace)
        system      Manage jocker (df, events, info, prune)
        volume      Manage volumes

      Commands:
        attach      Attach local standard input, output, and error streams to a running container
        cp          Copy files/folders between a container and the local filesystem
        create      Create a new container
        daemon      Run the jocker daemon (same as jockerd)
        demo        Replay the docker0 tutorial in a throwaway sandbox
        doctor      Check what container networking needs, with a fix for each problem
        events      Get real time events from the server
        exec        Run a command in a running container
        images      List images
        info        Display system-wide information
        inspect     Return low-level information on jocker objects
        install     Put jocker and jockerd on PATH (run through ./jocker)
        kill        Kill one or more running containers
        logs        Fetch the logs of a container
        pause       Pause all processes within one or more containers
        port        List port mappings or a specific mapping for the container
        ps          List containers
        pull        Check an image is present (jocker pulls from no registry)
        reconcile   Restore the bridge, rules and sysctls and remove leftovers
        rename      Rename a container
        restart     Restart one or more containers
        rm          Remove one or more containers
        run         Run a command in a new container
        start       Start one or more stopped containers
        stats       Display a live stream of container(s) resource usage statistics
        stop        Stop one or more running containers
        top         Display the running processes of a container
        unpause     Unpause all processes within one or more containers
        version     Show the jocker version information
        wait        Block until one or more containers stop, then print their exit codes

      Run 'jocker COMMAND --help' for more information on a command.
      """;

  private Main() {}

  public static void main(String[] args) {
    // UTF-8 whatever the locale, as Docker's CLI writes: without LANG (a container, a CI job) the
    // JVM would turn every "…" and box-drawing character into "?".
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, UTF_8);
    PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, UTF_8);
    int status = run(args, out, err);
    if (daemon(args)) {
      // The daemon's shutdown hook stops the API and the engine; a SIGTERM's exit status stands.
      System.exit(status);
    }
    // A CLI command has no shutdown hook, and out and err write through to their descriptors, so
    // halt loses nothing of it. System.exit on JDK 21 and later first asks a System.Logger whether
    // to log the exit, and finding the logger service opens every jar on the class path: 25 ms of
    // a command on JDK 25 here, that no AOT cache holds.
    out.flush();
    err.flush();
    Runtime.getRuntime().halt(status);
  }

  /** Whether {@code args} run the daemon: its command, after the CLI's own flags, is daemon. */
  private static boolean daemon(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("-H") || args[i].equals("--host")) {
        i++;
      } else if (!args[i].startsWith("-")) {
        return args[i].equals("daemon");
      }
    }
    return false;
  }

  /** Runs one invocation; returns its exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    String host = System.getenv("JOCKER_HOST");
    boolean debug = false;
    int i = 0;
    for (; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-H") || a.equals("--host")) {
        if (i + 1 >= args.length) {
          err.println("flag needs an argument: " + a);
          err.println("See 'jocker --help'.");
          return 125;
        }
        host = args[++i];
      } else if (a.startsWith("--host=")) {
        host = a.substring(7);
      } else if (a.equals("-D") || a.equals("--debug")) {
        debug = true;
      } else if (a.equals("-h") || a.equals("--help")) {
        out.print(USAGE);
        return 0;
      } else if (a.equals("-v") || a.equals("--version")) {
        out.println("jocker version " + Version.VERSION);
        return 0;
      } else if (a.startsWith("-")) {
        err.println("unknown flag: " + a);
        err.println("See 'jocker --help'.");
        return 125;
      } else {
        break;
      }
    }
    if (i >= args.length) {
      out.print(USAGE);
      return 0;
    }
    String command = args[i];
    List<String> rest = Arrays.asList(args).subList(i + 1, args.length);
    if (command.equals("daemon")) {
      return dev.jocker.daemon.Daemon.run(rest.toArray(String[]::new), err);
    }
    Path socket = socketPath(host);
    if (socket == null) {
      err.println("invalid -H " + host + ": only unix:// sockets are supported");
      return 125;
    }
    return new Commands(new DaemonClient(socket), out, err, debug).run(command, rest);
  }

  private static Path socketPath(String host) {
    if (host == null || host.isEmpty()) {
      return Path.of("/run/jocker.sock");
    }
    if (host.startsWith("unix://")) {
      return Path.of(host.substring(7));
    }
    return host.startsWith("/") ? Path.of(host) : null;
  }
}
