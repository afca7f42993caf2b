/**
 * The network controller, libnetwork's part of Docker: networks and their drivers, and each
 * container's sandbox (its network namespace) with its endpoints (one per network it is attached
 * to), keyed by container ID. It never reads a container record: it answers in container IDs,
 * endpoints and sandboxes, and reports through a {@link dev.jocker.network.NetworkListener}.
 * Drivers ({@link dev.jocker.network.NetworkDriver}) make a network's kernel objects; add-ons
 * ({@link dev.jocker.network.SandboxAddOn}) add per-sandbox parts (published ports, a resolver)
 * inside the same journaled start and stop.
 */
package dev.jocker.network;
