package dev.jocker.store;

/**
 * One host port a container holds while it runs, recorded in the transaction that takes it (with
 * the start's journal entry) and deleted in the one that frees it: a restart re-opens or releases
 * ports from these rows alone. The port mapper's {@code PublishedPort}, as the store keeps it.
 *
 * @param owner the container's ID
 * @param bridge the bridge of the endpoint the port leads to, e.g. {@code docker0}
 * @param userlandProxy whether it was published for the userland proxy or for NAT alone
 * @param proto {@code tcp}, {@code udp} or {@code sctp}
 * @param hostIp the host address, {@code 0.0.0.0}, {@code ::} or a specific one
 * @param hostPort the host port
 * @param containerIp the container's address
 * @param containerPort the port inside the container
 */
public record PortRecord(
    String owner,
    String bridge,
    boolean userlandProxy,
    String proto,
    String hostIp,
    int hostPort,
    String containerIp,
    int containerPort) {}
