package dev.jocker.cluster;

import io.etcd.jetcd.Watch;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One etcd watch on {@code /jocker/}, no polling: first a read of everything at one revision,
 * reported to the listener, then a watch from the next revision, so no change falls between the
 * two. When the watch breaks for good (the store compacted past it, or was replaced), it reads
 * everything again, reports the difference with what it had reported, and watches anew.
 */
public final class ClusterWatch implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(ClusterWatch.class);

  private final Etcd etcd;
  private final ClusterListener listener;

  /** What was reported: key to value, for removals and for the difference after a resync. */
  private final Map<String, String> reported = new HashMap<>();

  private final ScheduledExecutorService retry =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "jocker-cluster-watch");
            t.setDaemon(true);
            return t;
          });

  private Watch.Watcher watcher;
  private boolean closed;

  private ClusterWatch(Etcd etcd, ClusterListener listener) {
    this.etcd = etcd;
    this.listener = listener;
  }

  static ClusterWatch start(Etcd etcd, ClusterListener listener) {
    ClusterWatch watch = new ClusterWatch(etcd, listener);
    watch.sync();
    return watch;
  }

  /** Reads everything, reports the difference with what was reported, and watches from there. */
  private synchronized void sync() {
    if (closed) {
      return;
    }
    Etcd.Snapshot snapshot = etcd.list(Keys.ROOT);
    Map<String, String> now = new HashMap<>();
    snapshot.kvs().forEach(kv -> now.put(kv.key(), kv.value()));
    for (String key : Map.copyOf(reported).keySet()) {
      if (!now.containsKey(key)) {
        removed(key);
      }
    }
    for (Map.Entry<String, String> e : now.entrySet()) {
      put(e.getKey(), e.getValue());
    }
    watcher =
        etcd.watch(
            Keys.ROOT,
            snapshot.revision() + 1,
            new Watch.Listener() {
              @Override
              public void onNext(WatchResponse response) {
                apply(response);
              }

              @Override
              public void onError(Throwable t) {
                broken(t);
              }

              @Override
              public void onCompleted() {
                broken(null);
              }
            });
  }

  private synchronized void apply(WatchResponse response) {
    if (closed) {
      return;
    }
    for (WatchEvent event : response.getEvents()) {
      Etcd.Kv kv = Etcd.kv(event.getKeyValue());
      switch (event.getEventType()) {
        case PUT -> put(kv.key(), kv.value());
        case DELETE -> removed(kv.key());
        default -> {}
      }
    }
  }

  private synchronized void broken(Throwable why) {
    if (closed) {
      return;
    }
    LOG.warn("cluster watch broke{}; reading the store again", why == null ? "" : ": " + why);
    watcher.close();
    retry.schedule(this::resync, 1, TimeUnit.SECONDS);
  }

  private void resync() {
    try {
      sync();
    } catch (ClusterException e) {
      LOG.warn("cluster watch cannot read the store yet: {}", e.getMessage());
      retry.schedule(this::resync, 1, TimeUnit.SECONDS);
    }
  }

  private void put(String key, String value) {
    String before = reported.get(key);
    if (value.equals(before)) {
      return;
    }
    if (before != null && key.startsWith(Keys.ENDPOINTS)) {
      // A changed endpoint may have a new MAC or address: its old entries go first. A host that
      // rejoined, or a network marked for removal, has not left: they are reported as changed.
      removed(key);
    }
    reported.put(key, value);
    Etcd.Kv kv = new Etcd.Kv(key, value, 0, 0, 0);
    try {
      if (key.startsWith(Keys.ENDPOINTS)) {
        listener.endpointAdded(Etcd.parse(kv, EndpointRecord.class));
      } else if (key.startsWith(Keys.HOSTS)) {
        listener.memberJoined(Etcd.parse(kv, Member.class));
      } else if (key.startsWith(Keys.NETWORKS)) {
        listener.networkChanged(Etcd.parse(kv, OverlayNetwork.class));
      }
    } catch (RuntimeException e) {
      LOG.error("cluster listener failed on {}: {}", key, e.getMessage(), e);
    }
  }

  private void removed(String key) {
    String before = reported.remove(key);
    if (before == null) {
      return;
    }
    Etcd.Kv kv = new Etcd.Kv(key, before, 0, 0, 0);
    try {
      if (key.startsWith(Keys.ENDPOINTS)) {
        listener.endpointRemoved(Etcd.parse(kv, EndpointRecord.class));
      } else if (key.startsWith(Keys.HOSTS)) {
        listener.memberLeft(Etcd.parse(kv, Member.class));
      } else if (key.startsWith(Keys.NETWORKS)) {
        listener.networkRemoved(Etcd.parse(kv, OverlayNetwork.class));
      }
    } catch (RuntimeException e) {
      LOG.error("cluster listener failed on the removal of {}: {}", key, e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (watcher != null) {
      watcher.close();
    }
    retry.shutdownNow();
  }
}
