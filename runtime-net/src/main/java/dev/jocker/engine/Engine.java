package dev.jocker.engine;

import dev.jocker.doctor.Finding;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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

  /** Removes a container; a running one only with {@code force} (SIGKILL first). */
  void remove(String ref, boolean force);

  /** All containers ({@code all}) or the running ones, newest first. */
  List<ContainerInfo> containers(boolean all);

  /** One container by reference. */
  ContainerInfo container(String ref);

  /** The file holding the container's stdout and stderr, as written. */
  Path logFile(String ref);

  /** Runs a process inside a running container and waits for it, capturing its output. */
  ExecResult exec(String ref, ExecRequest request);

  /**
   * The argument vector (util-linux {@code nsenter} into every namespace and the root of the
   * container) that runs {@code request} inside the running container when started by the caller,
   * for interactive sessions where the caller owns the terminal.
   */
  List<String> execCommand(String ref, ExecRequest request);

  /**
   * Creates an exec instance of {@code request} in a running container ({@code POST
   * /containers/{id}/exec}); returns its ID.
   */
  String createExec(String ref, ExecRequest request);

  /**
   * Runs exec instance {@code execId} to its end and returns its output; with {@code detach},
   * starts it, discarding its output, and returns null at once.
   */
  ExecResult startExec(String execId, boolean detach);

  /**
   * Exec instance {@code execId} as {@code GET /exec/{id}/json} shows it. Once it has ended,
   * reading it forgets it (as when its container stops or goes): the map of instances holds only
   * what a client may still ask about.
   */
  ExecState inspectExec(String execId);

  /**
   * The argument vector that runs exec instance {@code execId} when the caller starts it with its
   * own terminal; the instance is forgotten, the caller owning its process from then on.
   */
  List<String> execArgv(String execId);

  /**
   * The argument vector that starts a created container's process when run by the caller with its
   * own terminal ({@code run -it}); the caller then reports the started PID with {@link #adopt}.
   */
  List<String> launchCommand(String ref);

  /**
   * Takes over supervision of a container process the caller started from {@link #launchCommand}.
   */
  ContainerInfo adopt(String ref, long pid);

  /** Records how an adopted container's process ended, as seen by the caller that started it. */
  void reportExit(String ref, int exitCode);

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

  /** Releases resources; running containers keep running (live restore). */
  @Override
  void close();
}
