package dev.jocker.cluster;

import io.etcd.jetcd.kv.TxnResponse;
import java.util.List;

/**
 * Endpoints of overlay networks in the cluster store, each under the lease of the host it lives on:
 * what the other hosts turn into FDB and neighbour entries, and what {@code network inspect} lists
 * on every host.
 */
public final class Endpoints {
  private final Cluster cluster;

  Endpoints(Cluster cluster) {
    this.cluster = cluster;
  }

  /**
   * Writes an endpoint of this host. It is refused when the network is gone or being removed (the
   * write checks that the network's key has not changed since it was read).
   */
  public EndpointRecord publish(
      OverlayNetwork net, String endpointId, String name, String mac, String address) {
    long lease = cluster.requireJoined();
    EndpointRecord ep =
        new EndpointRecord(
            net.id(),
            endpointId,
            name,
            cluster.hostname(),
            mac,
            address,
            cluster.vtep().local().address().getHostAddress());
    Etcd.Kv network = cluster.networks().current(net.id());
    String key = Keys.endpoint(net.id(), endpointId);
    String value = Etcd.json(ep);
    TxnResponse r =
        cluster
            .etcd()
            .txn(
                "endpoint " + name + " on network " + net.name(),
                List.of(Etcd.unchanged(Keys.network(net.id()), network.modRevision())),
                List.of(Etcd.put(key, value, lease)),
                List.of());
    if (!r.isSucceeded()) {
      throw new ClusterException(
          "network " + net.name() + " is being removed; endpoint " + name + " cannot join it");
    }
    cluster.own(key, value);
    return ep;
  }

  /**
   * Removes an endpoint of this host (gone already is fine). It is disowned first: should the store
   * be away, a later rejoin does not write it again, and the caller retries the removal.
   */
  public void withdraw(String networkId, String endpointId) {
    String key = Keys.endpoint(networkId, endpointId);
    cluster.disown(key);
    cluster.requireJoined();
    cluster
        .etcd()
        .txn("endpoint remove " + endpointId, List.of(), List.of(Etcd.delete(key)), List.of());
  }

  /** Every endpoint of the network, on every host. */
  public List<EndpointRecord> list(String networkId) {
    cluster.requireJoined();
    return cluster.etcd().list(Keys.endpoints(networkId)).kvs().stream()
        .map(kv -> Etcd.parse(kv, EndpointRecord.class))
        .toList();
  }
}
