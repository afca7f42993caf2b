package dev.jocker.engine;

import java.time.Duration;

/**
 * jockerd's cluster options, with which it takes part in overlay networks: Docker's legacy {@code
 * --cluster-store}, {@code --cluster-advertise} and {@code --cluster-store-opt discovery.ttl}.
 *
 * @param store {@code etcd://HOST:PORT[,HOST:PORT…]}
 * @param advertise {@code IFACE:PORT} or {@code ADDR:PORT}: this host's VTEP
 * @param ttl how long the others keep this host after its last keep-alive, or null for jocker's
 *     default (15 s)
 */
public record ClusterOptions(String store, String advertise, Duration ttl) {}
