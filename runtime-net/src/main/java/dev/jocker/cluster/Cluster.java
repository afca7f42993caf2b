package dev.jocker.cluster;

import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * This host's membership of the cluster: its record under {@code /jocker/hosts/HOSTNAME}, attached
 * to an etcd lease that a keep-alive stream renews. Everything this host owns in the store (its
 * address blocks, its endpoints) hangs off the same lease, so when the host dies and the lease
 * expires, etcd deletes all of it at once and every other host's watch sees it go.
 *
 * <p>Joining tries at once and then again every second in the background until it succeeds: with
 * the store unreachable, jockerd still starts, and each cluster call fails with the reason until
 * the store is back. A lost lease (the store was away longer than the TTL) is rejoined the same
 * way, and what this host owned is written again under the new lease.
 */
public final class Cluster implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(Cluster.class);

  /** Who this host is. */
  public record Identity(String hostname, String instanceId) {}

  private final Etcd etcd;
  private final Identity identity;
  private final ClusterConfig.Resolved vtep;
  private final ScheduledExecutorService loop;
  private final Map<String, String> ownedKeys = new ConcurrentHashMap<>();
  private final List<ClusterWatch> watches = new CopyOnWriteArrayList<>();
  private final List<Runnable> joinedHooks = new CopyOnWriteArrayList<>();
  private final OverlayNetworks networks;
  private final BlockAllocator addresses;
  private final Endpoints endpoints;
  private volatile long lease;
  private volatile ClusterException lastError;
  private volatile ClusterException fatal;
  private CloseableClient keepAlive;
  private boolean closed;

  private Cluster(ClusterConfig config, Identity identity, ClusterConfig.Resolved vtep) {
    this.etcd = new Etcd(config);
    this.identity = identity;
    this.vtep = vtep;
    this.loop =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "jocker-cluster");
              t.setDaemon(true);
              return t;
            });
    this.networks = new OverlayNetworks(this);
    this.addresses = new BlockAllocator(this);
    this.endpoints = new Endpoints(this);
  }

  /**
   * Starts joining: one attempt now, then one a second in the background until it succeeds. Never
   * fails for an unreachable store; {@link #joined()} says whether it has joined, {@link
   * #awaitJoined} waits for it.
   */
  public static Cluster start(
      ClusterConfig config, Identity identity, ClusterConfig.Resolved vtep) {
    Cluster cluster = new Cluster(config, identity, vtep);
    cluster.tryJoin();
    cluster.loop.scheduleWithFixedDelay(cluster::tryJoin, 1, 1, TimeUnit.SECONDS);
    return cluster;
  }

  /** As {@link #start}, then waits for the first join; fails with the reason if it cannot join. */
  public static Cluster join(ClusterConfig config, Identity identity, ClusterConfig.Resolved vtep) {
    Cluster cluster = start(config, identity, vtep);
    try {
      cluster.requireJoined();
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** This host's identity. */
  public Identity identity() {
    return identity;
  }

  /** This host's VTEP: the advertised address and the interface holding it. */
  public ClusterConfig.Resolved vtep() {
    return vtep;
  }

  /** The store's configuration. */
  public ClusterConfig config() {
    return etcd.config();
  }

  /** Whether this host holds a live lease in the store. */
  public boolean joined() {
    return lease != 0;
  }

  /** Overlay networks in the store. */
  public OverlayNetworks networks() {
    return networks;
  }

  /** Addresses of overlay networks, in blocks this host claims. */
  public BlockAllocator addresses() {
    return addresses;
  }

  /** Endpoints of overlay networks. */
  public Endpoints endpoints() {
    return endpoints;
  }

  /** Every host of the cluster, this one included. */
  public List<Member> members() {
    requireJoined();
    return etcd.list(Keys.HOSTS).kvs().stream().map(kv -> Etcd.parse(kv, Member.class)).toList();
  }

  /**
   * Watches the store: {@code listener} first gets everything there is, then every change, until
   * the watch is closed. See {@link ClusterWatch}.
   */
  public ClusterWatch watch(ClusterListener listener) {
    requireJoined();
    ClusterWatch watch = ClusterWatch.start(etcd, listener);
    watches.add(watch);
    return watch;
  }

  /**
   * Leaves the cluster on purpose: revokes the lease, so this host's record, blocks and endpoints
   * go at once (a host that dies is forgotten when its lease expires instead).
   */
  public void leave() {
    long current;
    synchronized (this) {
      current = lease;
      lease = 0;
      closed = true;
      stopKeepAlive();
    }
    loop.shutdownNow();
    watches.forEach(ClusterWatch::close);
    if (current != 0) {
      etcd.revoke(current);
    }
    etcd.close();
  }

  /**
   * Stops renewing the lease and closes the connection without revoking: the others forget this
   * host when the lease expires, as after a crash. jockerd does this at shutdown, so that its
   * running containers stay reachable through a restart shorter than the TTL.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      stopKeepAlive();
    }
    loop.shutdownNow();
    watches.forEach(ClusterWatch::close);
    etcd.close();
  }

  /**
   * Runs {@code hook} on the cluster's own thread after every join from now on: the first, and each
   * rejoin after a lost lease (when the host must write again what only it knows). If this host has
   * joined already, it runs once soon.
   */
  public void onJoined(Runnable hook) {
    joinedHooks.add(hook);
    if (joined()) {
      runHook(hook);
    }
  }

  private void runHook(Runnable hook) {
    try {
      loop.execute(
          () -> {
            try {
              hook.run();
            } catch (RuntimeException e) {
              LOG.error("after joining the cluster: {}", e.getMessage(), e);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      LOG.debug("cluster closed before a joined hook could run");
    }
  }

  /**
   * Fails at once unless this host holds a live lease, without trying to join (the background loop
   * tries every second): for callers that must not wait for an unreachable store.
   */
  public void checkJoined() {
    if (fatal != null) {
      throw fatal;
    }
    if (lease == 0) {
      throw notJoined();
    }
  }

  private ClusterUnavailableException notJoined() {
    ClusterException cause = lastError;
    return new ClusterUnavailableException(
        "host "
            + identity.hostname()
            + " has not joined the cluster at "
            + etcd.config().storeText()
            + " yet"
            + (cause == null ? "" : ": " + cause.getMessage())
            + "; jockerd keeps trying every second",
        cause);
  }

  /** Fails unless this host holds a live lease, trying to join once first if it does not. */
  long requireJoined() {
    if (fatal != null) {
      throw fatal;
    }
    if (lease == 0) {
      tryJoin();
    }
    long current = lease;
    if (current != 0) {
      return current;
    }
    if (fatal != null) {
      throw fatal;
    }
    throw notJoined();
  }

  Etcd etcd() {
    return etcd;
  }

  String hostname() {
    return identity.hostname();
  }

  /**
   * Remembers a key this host owns under its lease (a block or an endpoint), so that a rejoin
   * writes it again under the new lease.
   */
  void own(String key, String value) {
    ownedKeys.put(key, value);
  }

  void disown(String key) {
    ownedKeys.remove(key);
  }

  private synchronized void tryJoin() {
    if (lease != 0 || closed || fatal != null) {
      return;
    }
    try {
      long joinedLease = register();
      lease = joinedLease;
      startKeepAlive(joinedLease);
      republish(joinedLease);
      lastError = null;
      joinedHooks.forEach(this::runHook);
      LOG.info(
          "joined the cluster at {} as {} (VTEP {})",
          etcd.config().storeText(),
          identity.hostname(),
          vtep.local().address().getHostAddress());
    } catch (ClusterUnavailableException e) {
      if (lastError == null) {
        LOG.warn("cannot join the cluster yet, retrying every second: {}", e.getMessage());
      }
      lastError = e;
    } catch (ClusterException e) {
      fatal = e;
      LOG.error("cannot join the cluster: {}", e.getMessage());
    }
  }

  /** Writes this host's record under a lease and returns the lease. */
  private long register() {
    String key = Keys.host(identity.hostname());
    Member me =
        new Member(
            identity.hostname(),
            identity.instanceId(),
            vtep.local().address().getHostAddress(),
            vtep.port(),
            vtep.local().interfaceName(),
            System.currentTimeMillis());
    long fresh = etcd.grant(etcd.config().ttl().toSeconds());
    TxnResponse r =
        etcd.txn(
            "join as " + identity.hostname(),
            List.of(Etcd.absent(key)),
            List.of(Etcd.put(key, Etcd.json(me), fresh)),
            List.of(Etcd.getOp(key)));
    if (r.isSucceeded()) {
      return fresh;
    }
    Etcd.Kv existing = Etcd.kv(r.getGetResponses().get(0).getKvs().get(0));
    Member other = Etcd.parse(existing, Member.class);
    if (!other.instanceId().equals(identity.instanceId())) {
      etcd.revoke(fresh);
      throw new ClusterConflictException(
          "cannot join the cluster at "
              + etcd.config().storeText()
              + " as "
              + identity.hostname()
              + ": another host with that hostname is a member (VTEP "
              + other.address()
              + "); each host needs a hostname of its own");
    }
    // This host's own earlier run, whose lease has not expired yet: take its lease over, so the
    // blocks and endpoints it left keep living, and drop the fresh one.
    if (existing.lease() != 0 && etcd.timeToLive(existing.lease()) > 0) {
      etcd.revoke(fresh);
      etcd.txn(
          "rejoin as " + identity.hostname(),
          List.of(Etcd.unchanged(key, existing.modRevision())),
          List.of(Etcd.put(key, Etcd.json(me), existing.lease())),
          List.of());
      return existing.lease();
    }
    etcd.txn(
        "rejoin as " + identity.hostname(),
        List.of(Etcd.unchanged(key, existing.modRevision())),
        List.of(Etcd.put(key, Etcd.json(me), fresh)),
        List.of());
    return fresh;
  }

  /** After a lost lease: writes again, under the new lease, what this host owned. */
  private void republish(long newLease) {
    for (Map.Entry<String, String> owned : ownedKeys.entrySet()) {
      String key = owned.getKey();
      TxnResponse r =
          etcd.txn(
              "republish " + key,
              List.of(Etcd.absent(key)),
              List.of(Etcd.put(key, owned.getValue(), newLease)),
              List.of(Etcd.getOp(key)));
      if (!r.isSucceeded()) {
        Etcd.Kv now = Etcd.kv(r.getGetResponses().get(0).getKvs().get(0));
        if (now.lease() != newLease) {
          ownedKeys.remove(key);
          LOG.error(
              "{} was taken by another host while {} was away from the cluster: {}",
              key,
              identity.hostname(),
              now.value());
        }
      }
    }
  }

  private void startKeepAlive(long leaseId) {
    keepAlive =
        etcd.keepAlive(
            leaseId,
            new StreamObserver<LeaseKeepAliveResponse>() {
              @Override
              public void onNext(LeaseKeepAliveResponse value) {}

              @Override
              public void onError(Throwable t) {
                leaseLost(leaseId, t);
              }

              @Override
              public void onCompleted() {
                leaseLost(leaseId, null);
              }
            });
  }

  private synchronized void leaseLost(long leaseId, Throwable why) {
    if (lease != leaseId || closed) {
      return;
    }
    LOG.warn(
        "lost the cluster lease of {}{}; rejoining",
        identity.hostname(),
        why == null ? "" : ": " + why.getMessage());
    lease = 0;
    stopKeepAlive();
  }

  private void stopKeepAlive() {
    if (keepAlive != null) {
      keepAlive.close();
      keepAlive = null;
    }
  }
}
