package dev.jocker.cni;

import dev.jocker.bridge.BridgeDriver;
import dev.jocker.firewall.Firewall;
import dev.jocker.firewall.Iptables;
import dev.jocker.kernel.Netns;
import dev.jocker.kernel.NetnsStore;
import dev.jocker.network.NetworkController;
import dev.jocker.network.NetworkListener;
import dev.jocker.network.Sandbox;
import dev.jocker.store.DataRootLock;
import dev.jocker.store.NetworkRecord;
import dev.jocker.store.Store;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The plugin in a JVM of its own: what the {@code jocker} CNI binary runs when jockerd does not
 * answer on its socket, so that a node without jockerd still works (slower: a JVM starts per call).
 *
 * <p>It opens the network controller on the data root's store itself, as a second process on that
 * store, and only while no jockerd runs: it passes the data root's gate ({@link DataRootLock}),
 * which orders plugin processes among themselves and before a starting jockerd, then checks that no
 * jockerd holds the data root. A jockerd that does (starting, or not answering on the socket the
 * binary tried) is left alone: the call is the spec's error 11, try again later, so that the
 * daemon's in-memory views of the store never go stale under it. Opened, the controller first
 * finishes what an earlier process left unfinished (journaled ADDs and DELs), as jockerd's start
 * does.
 */
public final class CniMain {
  /** How long a call waits for another plugin process using the same data root. */
  private static final Duration GATE_WAIT = Duration.ofSeconds(60);

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
    try (Opened opened = new Opened(env.getOrDefault("JOCKER_CNI_SOCKET", "/run/jocker.sock"))) {
      CniPlugin plugin = new CniPlugin(opened::backend, new ExecDelegate());
      CniPlugin.Reply reply = plugin.run(env, stdin);
      out.print(new String(reply.stdout(), StandardCharsets.UTF_8));
      out.flush();
      return reply.exitCode();
    }
  }

  /** The controller of the one data root a call names, opened on first use, closed after it. */
  private static final class Opened implements AutoCloseable {
    private final String socket;
    private final List<AutoCloseable> held = new ArrayList<>();
    private CniBackend backend;

    Opened(String socket) {
      this.socket = socket;
    }

    CniBackend backend(Path dataRoot) {
      if (backend != null) {
        return backend;
      }
      DataRootLock gate =
          DataRootLock.gate(dataRoot, GATE_WAIT)
              .orElseThrow(
                  () ->
                      new CniException(
                          CniException.TRY_AGAIN_LATER,
                          "try again later",
                          "another call of the plugin has held "
                              + dataRoot.resolve(DataRootLock.GATE_FILE)
                              + " for "
                              + GATE_WAIT.toSeconds()
                              + " s"));
      held.add(gate);
      Optional<DataRootLock> daemon = DataRootLock.daemon(dataRoot);
      if (daemon.isEmpty()) {
        throw new CniException(
            CniException.TRY_AGAIN_LATER,
            "try again later",
            "jockerd (PID "
                + DataRootLock.daemonPid(dataRoot)
                + ") holds the data root "
                + dataRoot
                + " but does not answer on "
                + socket
                + " (starting, or listening on another socket: JOCKER_CNI_SOCKET names it)");
      }
      held.add(daemon.get());
      Store store = Store.open(dataRoot.resolve("jocker.db"));
      held.add(store);
      Netns host = Netns.current();
      NetworkController controller =
          new NetworkController(
              store,
              new NetworkController.Config(null, null, 0, "jocker-", true),
              host,
              new NetnsStore(NetnsStore.DEFAULT_DIR),
              new Firewall(new Iptables(null)),
              BridgeDriver.factory(host, null, true, true, "DOCKER"),
              new Quiet());
      controller.external().recover();
      backend = new ControllerBackend(controller.external());
      return backend;
    }

    @Override
    public void close() {
      for (int i = held.size() - 1; i >= 0; i--) {
        try {
          held.get(i).close();
        } catch (Exception e) {
          // The process exits next, which releases every lock and file whatever happened here.
          System.err.println("jocker-cni: closing " + held.get(i) + ": " + e.getMessage());
        }
      }
    }
  }

  /** A listener for a process that serves one call: the controller's own log says enough. */
  private static final class Quiet implements NetworkListener {
    @Override
    public void networkCreated(NetworkRecord network) {}

    @Override
    public void networkRemoved(NetworkRecord network) {}

    @Override
    public void sandboxJoined(Sandbox sandbox) {}

    @Override
    public void sandboxReleased(Sandbox sandbox) {}

    @Override
    public void healed(String network, String change) {}
  }
}
