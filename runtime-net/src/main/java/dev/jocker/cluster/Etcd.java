package dev.jocker.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The few etcd calls the cluster makes, over jetcd, each bounded by the configured timeout and
 * failing with a message that names the store and the operation. Keys and values are UTF-8; records
 * are JSON.
 */
final class Etcd implements AutoCloseable {
  static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** One key as read: value and the revisions a compare-and-swap needs. */
  record Kv(String key, String value, long createRevision, long modRevision, long lease) {}

  /** A range read and the store revision it was read at (a watch resumes after it). */
  record Snapshot(long revision, List<Kv> kvs) {}

  private final ClusterConfig config;
  private final Client client;

  Etcd(ClusterConfig config) {
    this.config = config;
    this.client =
        Client.builder()
            .endpoints(config.endpoints().stream().map(URI::create).toList())
            .connectTimeout(config.timeout())
            // A call fails within the timeout; the caller (or the next call) tries again.
            .retryMaxDuration(config.timeout())
            .keepaliveTime(java.time.Duration.ofSeconds(5))
            .keepaliveTimeout(java.time.Duration.ofSeconds(3))
            .build();
  }

  ClusterConfig config() {
    return config;
  }

  static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }

  static Kv kv(KeyValue kv) {
    return new Kv(
        kv.getKey().toString(StandardCharsets.UTF_8),
        kv.getValue().toString(StandardCharsets.UTF_8),
        kv.getCreateRevision(),
        kv.getModRevision(),
        kv.getLease());
  }

  static String json(Object record) {
    try {
      return JSON.writeValueAsString(record);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + record + " as JSON", e);
    }
  }

  static <T> T parse(Kv kv, Class<T> type) {
    try {
      return JSON.readValue(kv.value(), type);
    } catch (JsonProcessingException e) {
      throw new ClusterException(
          "cluster store key " + kv.key() + " holds no valid " + type.getSimpleName(), e);
    }
  }

  Optional<Kv> get(String key) {
    GetResponse r = await(client.getKVClient().get(bytes(key)), "get " + key);
    return r.getKvs().stream().findFirst().map(Etcd::kv);
  }

  Snapshot list(String prefix) {
    GetResponse r =
        await(
            client.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build()),
            "list " + prefix);
    return new Snapshot(r.getHeader().getRevision(), r.getKvs().stream().map(Etcd::kv).toList());
  }

  TxnResponse txn(String what, List<Cmp> ifs, List<Op> then, List<Op> otherwise) {
    return await(
        client
            .getKVClient()
            .txn()
            .If(ifs.toArray(Cmp[]::new))
            .Then(then.toArray(Op[]::new))
            .Else(otherwise.toArray(Op[]::new))
            .commit(),
        what);
  }

  static Cmp absent(String key) {
    return new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.createRevision(0));
  }

  static Cmp unchanged(String key, long modRevision) {
    return new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision));
  }

  static Op put(String key, String value, long lease) {
    PutOption option =
        lease == 0 ? PutOption.DEFAULT : PutOption.builder().withLeaseId(lease).build();
    return Op.put(bytes(key), bytes(value), option);
  }

  static Op getOp(String key) {
    return Op.get(bytes(key), GetOption.DEFAULT);
  }

  static Op delete(String key) {
    return Op.delete(bytes(key), DeleteOption.DEFAULT);
  }

  static Op deletePrefix(String prefix) {
    return Op.delete(bytes(prefix), DeleteOption.builder().isPrefix(true).build());
  }

  long grant(long ttlSeconds) {
    return await(client.getLeaseClient().grant(ttlSeconds), "lease grant").getID();
  }

  /** The seconds a lease has left, or -1 when it expired or never existed. */
  long timeToLive(long lease) {
    return await(client.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT), "lease ttl")
        .getTTL();
  }

  void revoke(long lease) {
    await(client.getLeaseClient().revoke(lease), "lease revoke");
  }

  CloseableClient keepAlive(long lease, StreamObserver<LeaseKeepAliveResponse> observer) {
    return client.getLeaseClient().keepAlive(lease, observer);
  }

  Watch.Watcher watch(String prefix, long fromRevision, Watch.Listener listener) {
    return client
        .getWatchClient()
        .watch(
            bytes(prefix),
            WatchOption.builder()
                .isPrefix(true)
                .withPrevKV(true)
                .withRevision(fromRevision)
                .build(),
            listener);
  }

  private <T> T await(CompletableFuture<T> call, String what) {
    long millis = config.timeout().toMillis();
    try {
      return call.get(millis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new ClusterUnavailableException(
          "cluster store "
              + config.storeText()
              + " did not answer "
              + what
              + " within "
              + millis / 1000.0
              + " s: is etcd running and reachable from this host?",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterException("interrupted while waiting for " + what, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new ClusterUnavailableException(
          "cluster store " + config.storeText() + " failed " + what + ": " + cause.getMessage(),
          cause);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
