package dev.jocker.network;

import static dev.jocker.network.NetworkException.Kind.INTERNAL;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.bridge.Crashpoints;
import dev.jocker.firewall.Conntrack;
import dev.jocker.kernel.Netns;
import dev.jocker.portmap.PortMapException;
import dev.jocker.portmap.PortMapper;
import dev.jocker.portmap.PortRequest;
import dev.jocker.portmap.PortStore;
import dev.jocker.portmap.PublishedPort;
import dev.jocker.store.EndpointRecord;
import dev.jocker.store.PortRecord;
import dev.jocker.store.Store;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Published ports as a part of each container's sandbox, as libnetwork's bridge driver publishes an
 * endpoint's ports: on the endpoint that carries the port map (the first network's, which holds the
 * gateway), in these steps of the container's journaled start and stop:
 *
 * <ul>
 *   <li>{@link #planned}: in the transaction that records the sandbox and the start's journal
 *       entry, the host ports are taken and their proxy listeners opened ({@link
 *       PortMapper#allocate}); a taken port fails the start with Docker's text before any kernel
 *       object of the sandbox exists.
 *   <li>{@link #joined}: the DNAT, ACCEPT and hairpin rules go in by one {@code iptables-restore}
 *       on a worker thread, while the container's process is launched;
 *   <li>{@link #ready}: the start waits for them before it is recorded as done;
 *   <li>{@link #leaving}: listeners closed, rules deleted, ports and records freed.
 * </ul>
 *
 * After a crash, the recorded ports alone say what to do ({@link #recovered}): those of containers
 * still running are taken again and re-listened, the others released; the periodic check puts back
 * rules flushed behind jocker's back ({@link #heal}).
 */
public final class PortPublishing implements SandboxAddOn {
  private static final Logger LOG = LogManager.getLogger(PortPublishing.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The endpoint option holding the bindings to publish, libnetwork's {@code netlabel.PortMap}: a
   * JSON list of {@link PortRequest}s in the order to allocate them.
   */
  public static final String PORT_MAP = "com.docker.network.portmap";

  /** The endpoint option holding the endpoint's name (the container's), for Docker's errors. */
  public static final String ENDPOINT_NAME = "jocker.endpoint.name";

  private final Store store;
  private final PortMapper mapper;
  private final Function<String, String> bridgeOf;
  private final Conntrack conntrack;

  /** Ports recorded by an earlier run of the daemon, by owner, until {@link #recovered}. */
  private final Map<String, List<PublishedPort>> recorded = new ConcurrentHashMap<>();

  /** Rules being programmed for a start, by container ID, until {@link #ready} or leaving. */
  private final Map<String, Future<?>> programming = new ConcurrentHashMap<>();

  /** One thread at most, and none while idle: iptables-restore serialises rule changes anyway. */
  private final ThreadPoolExecutor rules =
      new ThreadPoolExecutor(
          1,
          1,
          30,
          TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(),
          r -> {
            Thread t = new Thread(r, "jocker-port-rules");
            t.setDaemon(true);
            return t;
          });

  /**
   * Publishes through {@code mapper}; {@code bridgeOf} names the bridge of a network by ID (null
   * when it has none); {@code conntrack} forgets the flows of a container whose ports go (null:
   * never, as with {@code --iptables=false}). Reads the ports an earlier run recorded, for {@link
   * #recovered}.
   */
  public PortPublishing(
      Store store, PortMapper mapper, Function<String, String> bridgeOf, Conntrack conntrack) {
    this.store = store;
    this.mapper = mapper;
    this.bridgeOf = bridgeOf;
    this.conntrack = conntrack;
    rules.allowCoreThreadTimeOut(true);
    for (PortRecord r : store.inTransaction(Store.Tx::ports)) {
      recorded.computeIfAbsent(r.owner(), k -> new ArrayList<>()).add(port(r));
    }
  }

  /** The endpoint options that ask for {@code requests} on the endpoint named {@code name}. */
  public static Map<String, String> endpointOptions(String name, List<PortRequest> requests) {
    if (requests.isEmpty()) {
      return Map.of();
    }
    try {
      return Map.of(PORT_MAP, JSON.writeValueAsString(requests), ENDPOINT_NAME, name);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("serialise port requests " + requests, e);
    }
  }

  /** The ports container {@code containerId} holds now, in the order they were taken. */
  public List<PublishedPort> ports(String containerId) {
    return mapper.ports(containerId);
  }

  @Override
  public String name() {
    return "published ports";
  }

  @Override
  public void planned(Store.Tx tx, Sandbox sandbox) {
    for (EndpointRecord e : sandbox.endpoints()) {
      String map = e.options().get(PORT_MAP);
      if (map == null) {
        continue;
      }
      String bridge = bridgeOf.apply(e.networkId());
      try {
        mapper.allocate(new TxPorts(tx), sandbox.containerId(), bridge, e.address(), requests(map));
      } catch (PortMapException ex) {
        throw failure(e, ex);
      }
      // Only the first endpoint with a port map publishes, as libnetwork gives the container's
      // port map to the first network it joins.
      return;
    }
  }

  @Override
  public void joined(Sandbox sandbox, Netns ns) {
    List<PublishedPort> ports = mapper.ports(sandbox.containerId());
    if (ports.isEmpty()) {
      return;
    }
    Crashpoints.reach("ports:allocated");
    programming.put(sandbox.containerId(), rules.submit(() -> mapper.program(ports)));
  }

  @Override
  public void ready(Sandbox sandbox) {
    Future<?> pending = programming.remove(sandbox.containerId());
    if (pending == null) {
      return;
    }
    try {
      await(pending);
    } catch (PortMapException e) {
      EndpointRecord endpoint =
          sandbox.endpoints().stream()
              .filter(x -> x.options().containsKey(PORT_MAP))
              .findFirst()
              .orElse(sandbox.endpoints().get(0));
      throw failure(endpoint, e);
    }
    Crashpoints.reach("ports:programmed");
  }

  @Override
  public void leaving(Sandbox sandbox) {
    String id = sandbox.containerId();
    Future<?> pending = programming.remove(id);
    if (pending != null) {
      try {
        await(pending);
      } catch (PortMapException e) {
        LOG.debug("rules of container {} had failed: {}", id, e.getMessage());
      }
    }
    Map<String, PublishedPort> ports = new LinkedHashMap<>();
    for (PublishedPort p : recorded.getOrDefault(id, List.of())) {
      ports.put(p.hostKey(), p);
    }
    mapper.ports(id).forEach(p -> ports.put(p.hostKey(), p));
    if (ports.isEmpty()) {
      return;
    }
    store.inTransaction(
        tx -> {
          mapper.release(new TxPorts(tx), List.copyOf(ports.values()));
          return null;
        });
    recorded.remove(id);
    if (conntrack != null) {
      // As Docker once the ports are released: flows NATed to the container's address go, so that
      // a client that keeps sending (UDP) meets the next container to publish the port.
      ports.values().stream()
          .map(PublishedPort::containerIp)
          .distinct()
          .forEach(conntrack::forgetFlowsTo);
    }
  }

  /**
   * After recovery: the ports of containers that run again ({@code sandboxes}) are taken and their
   * listeners opened again (their rules are the periodic check's); those of any other container are
   * released with their rules. Returns what it did.
   */
  @Override
  public List<String> recovered(Collection<Sandbox> sandboxes) {
    Set<String> live = sandboxes.stream().map(Sandbox::containerId).collect(Collectors.toSet());
    List<String> done = new ArrayList<>();
    Map<String, List<PublishedPort>> left = new HashMap<>(recorded);
    recorded.clear();
    for (Map.Entry<String, List<PublishedPort>> e : left.entrySet()) {
      if (live.contains(e.getKey())) {
        for (String failure : mapper.restore(e.getValue())) {
          done.add("could not listen again on " + failure);
        }
      } else {
        store.inTransaction(
            tx -> {
              mapper.release(new TxPorts(tx), e.getValue());
              return null;
            });
        e.getValue()
            .forEach(p -> done.add("released port " + p.hostKey() + ", which no container holds"));
      }
    }
    return done;
  }

  /** Puts back the rules of published ports removed behind jocker's back. */
  @Override
  public List<String> heal(Collection<Sandbox> sandboxes) {
    int restored = mapper.restoreRules().size();
    return restored == 0 ? List.of() : List.of("restored " + restored + " iptables rules of ports");
  }

  /** Stops the rules worker; the mapper's listeners close with the proxy. */
  public void close() {
    rules.shutdownNow();
  }

  private static void await(Future<?> pending) {
    try {
      pending.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PortMapException("interrupted while the port rules went in", e);
    } catch (CancellationException e) {
      throw new PortMapException("the port rules were not programmed: the daemon is stopping", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof PortMapException p) {
        throw p;
      }
      throw new PortMapException(String.valueOf(e.getCause().getMessage()), e.getCause());
    }
  }

  /** Docker's daemon's words around the mapper's ({@code allocateNetwork}'s error). */
  private static NetworkException failure(EndpointRecord e, PortMapException cause) {
    String name = e.options().getOrDefault(ENDPOINT_NAME, e.containerId().substring(0, 12));
    return new NetworkException(
        INTERNAL,
        "driver failed programming external connectivity on endpoint "
            + name
            + " ("
            + e.id()
            + "): "
            + cause.getMessage(),
        cause);
  }

  private static List<PortRequest> requests(String json) {
    try {
      return JSON.readValue(json, new TypeReference<List<PortRequest>>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable port map " + json + ": " + e.getMessage(), e);
    }
  }

  private static PublishedPort port(PortRecord r) {
    return new PublishedPort(
        r.owner(),
        r.bridge(),
        r.userlandProxy(),
        r.proto(),
        r.hostIp(),
        r.hostPort(),
        r.containerIp(),
        r.containerPort());
  }

  private static PortRecord record(PublishedPort p) {
    return new PortRecord(
        p.owner(),
        p.bridge(),
        p.userlandProxy(),
        p.proto(),
        p.hostIp(),
        p.hostPort(),
        p.containerIp(),
        p.containerPort());
  }

  /** The mapper's records in an open store transaction. */
  private record TxPorts(Store.Tx tx) implements PortStore {
    @Override
    public void insertPort(PublishedPort port) {
      tx.insertPort(record(port));
    }

    @Override
    public void deletePort(PublishedPort port) {
      tx.deletePort(record(port));
    }

    @Override
    public List<PublishedPort> ports() {
      return tx.ports().stream().map(PortPublishing::port).toList();
    }

    @Override
    public void onRollback(Runnable undo) {
      tx.onRollback(undo);
    }
  }
}
