package dev.jocker.engine;

import dev.jocker.cni.CniBackend;
import dev.jocker.container.Attachment;
import dev.jocker.container.ExecProcess;
import dev.jocker.doctor.Finding;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The one entry point the daemon uses: containers, networks and images on this host. References
 * ({@code ref}) are a full ID, a unique ID prefix, or a name, as in Docker. Every failure is an
 * {@link EngineException} whose message is fit to show a user.
 */
public interface Engine extends AutoCloseable {

  /**
   * Creates a container: its record only, as Docker's create writes (an {@code --ip} address is
   * reserved for it from now on); the network is attached at {@link #start}.
   */
  ContainerInfo create(CreateRequest request);

  /**
   * Starts a created or exited container: leases its address, makes its sandbox (namespace, veth,
   * address, routes) and spawns its process. Its end releases them again.
   */
  ContainerInfo start(String ref);

  /** SIGTERM, then SIGKILL once {@code timeout} has passed; a stopped container is left as is. */
  ContainerInfo stop(String ref, Duration timeout);

  /** Sends {@code signal} (a name like {@code KILL} or {@code SIGTERM}, or a number). */
  void kill(String ref, String signal);

  /** Blocks until the container is not running and returns its exit code. */
  int waitForExit(String ref) throws InterruptedException;

  /**
   * Docker's {@code POST /containers/{id}/wait}: a future of the exit code once {@code condition}
   * holds ({@code not-running} completes at once for a container that does not run; {@code removed}
   * also after an automatic removal). A reference to no container fails at once.
   */
  CompletableFuture<Integer> await(String ref, WaitCondition condition);

  /**
   * Receives every container event from now on ({@code create}, {@code start}, {@code die} with its
   * exit code, {@code oom}, {@code kill}, {@code stop}, {@code pause}, {@code unpause}, {@code
   * rename}, {@code destroy}), on the thread that made the change: it must not block.
   */
  void addListener(ContainerListener listener);

  /** Removes a container; a running one only with {@code force} (SIGKILL first). */
  void remove(String ref, boolean force);

  /** Freezes a running container's processes ({@code docker pause}). */
  ContainerInfo pause(String ref);

  /** Thaws a paused container ({@code docker unpause}). */
  ContainerInfo unpause(String ref);

  /** Renames a container; Docker's errors for a name in use or the same name. */
  ContainerInfo rename(String ref, String newName);

  /** All containers ({@code all}) or the running ones, newest first. */
  List<ContainerInfo> containers(boolean all);

  /** One container by reference. */
  ContainerInfo container(String ref);

  /**
   * The container's json-file log (Docker's {@code <id>-json.log}: a line per write with its stream
   * and time, written by the container's shim); {@code dev.jocker.container.ContainerLogs} reads
   * it.
   */
  Path logFile(String ref);

  /**
   * The container's own layer: the overlay's upper directory, holding what the container changed
   * over its image (whiteouts included). {@code cp} reads and writes a stopped container there.
   */
  Path layer(String ref);

  /**
   * The container's stdio through its shim ({@code docker attach}): the current run's if it runs,
   * else the next start's, which then waits (up to 30 s) for this attachment before its command
   * runs, so that not a byte of output is missed. The future completes subscribed to the output
   * (Docker's stream frames; stream 1 only with a terminal), or fails when that start fails or the
   * container goes. Cancel it to give up waiting.
   */
  CompletableFuture<Attachment> attach(String ref);

  /** Resizes a running container's terminal ({@code POST /containers/{id}/resize}). */
  void resize(String ref, int rows, int columns);

  /** What a container uses now: its cgroup's counters and its interfaces'; zeros when stopped. */
  ContainerStats stats(String ref);

  /** Runs a process inside a running container and waits for it, capturing its output. */
  ExecResult exec(String ref, ExecRequest request);

  /**
   * Creates an exec instance of {@code request} in a running container ({@code POST
   * /containers/{id}/exec}); returns its ID.
   */
  String createExec(String ref, ExecRequest request);

  /**
   * Starts exec instance {@code execId} and returns its process, whose streams the caller relays
   * (stdout and stderr apart; with a terminal all output on stdout, and stdin and {@link
   * #resizeExec} go to the terminal). The instance records its exit code when it ends. A command
   * that cannot run fails with Docker's text ({@code OCI runtime exec failed: ...}), the instance
   * ended with 126.
   */
  ExecProcess startExec(String execId);

  /**
   * Runs exec instance {@code execId} to its end and returns its output; with {@code detach},
   * starts it, discarding its output, and returns null at once.
   */
  ExecResult startExec(String execId, boolean detach);

  /** Resizes a running exec's terminal ({@code POST /exec/{id}/resize}). */
  void resizeExec(String execId, int rows, int columns);

  /**
   * Exec instance {@code execId} as {@code GET /exec/{id}/json} shows it. Once it has ended,
   * reading it forgets it (as when its container stops or goes): the map of instances holds only
   * what a client may still ask about.
   */
  ExecState inspectExec(String execId);

  /**
   * Exec instance {@code execId} as it is now, without forgetting it (for the caller's own use).
   */
  ExecState execInstance(String execId);

  /** Networks: {@code bridge}, {@code host}, {@code none}. */
  List<NetworkInfo> networks();

  /** One network by full ID, unique ID prefix or name. */
  NetworkInfo network(String ref);

  /**
   * Creates a bridge network with its own Linux bridge ({@code br-} and 12 hex) and rules. Without
   * {@code subnet}, the first of Docker's default pools that overlaps no network, host address or
   * route and no nameserver; a given {@code subnet} that overlaps another network is refused,
   * naming it. {@code gateway} and {@code ipRange} (null: defaults) need a {@code subnet}.
   */
  NetworkInfo createNetwork(String name, String subnet, String gateway, String ipRange);

  /**
   * Creates a network of {@code driver}: {@code bridge} as {@link #createNetwork(String, String,
   * String, String)}, or {@code overlay} (jockerd with {@code --cluster-store}), shared with every
   * host of the cluster. {@code options} are the driver's ({@code -o NAME=VALUE}).
   */
  default NetworkInfo createNetwork(
      String name,
      String driver,
      String subnet,
      String gateway,
      String ipRange,
      Map<String, String> options) {
    if ((driver != null && !driver.isEmpty() && !driver.equals("bridge")) || !options.isEmpty()) {
      throw new EngineException(
          EngineException.Kind.INVALID, "driver " + driver + " is not supported: use bridge");
    }
    return createNetwork(name, subnet, gateway, ipRange);
  }

  /** Removes a user-defined network that no container is attached to, with its bridge and rules. */
  void removeNetwork(String ref);

  /** Images kept under the state root (busybox is provisioned on first use). */
  List<ImageInfo> images();

  /** One image by name or ID. */
  ImageInfo image(String ref);

  /** Adds a root file system from a directory or a tarball as image {@code name}. */
  ImageInfo importImage(Path source, String name);

  /**
   * Restores the kernel to what the records say (bridges with their running endpoints, forwarding,
   * the FORWARD policy, rules) and removes leftovers (processes of containers that are not running,
   * veths and namespaces no container owns); returns what it fixed.
   */
  List<String> reconcile();

  /**
   * The CNI plugin's way into the network controller: containers an orchestrator made, attached to
   * networks their configuration describes, as the controller's external sandboxes.
   */
  CniBackend cniBackend();

  /**
   * The network as the kernel holds it now (read over netlink and from iptables, flagged against
   * the records), rendered as {@code text}, {@code dot} or {@code mermaid}.
   */
  String topology(String network, String format);

  /**
   * The hop-by-hop path a packet from {@code container} to {@code destination} takes, explained.
   */
  String trace(String container, String destination);

  /**
   * Checks what container networking needs (forwarding, rules, br_netfilter, the iptables backend,
   * MTU, subnet collisions, a Docker daemon on the same bridge, leftovers), each with its fix.
   */
  List<Finding> doctor();

  /** Facts for {@code jocker info} and {@code GET /info}. */
  EngineInfo info();

  /**
   * Releases resources. With live restore (the default) running containers keep running and are
   * adopted again at the next open; without, they are stopped first, as dockerd stops them.
   */
  @Override
  void close();
}
