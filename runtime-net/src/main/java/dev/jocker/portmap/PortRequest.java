package dev.jocker.portmap;

/**
 * One binding the daemon asks the port mapper for, libnetwork's {@code types.PortBinding} before
 * allocation.
 *
 * @param proto {@code tcp}, {@code udp}, {@code sctp}, or what Docker names any other protocol
 * @param containerPort the port inside the container
 * @param hostIp the address to bind, canonical ({@code 127.0.0.1}, {@code ::1}), or "" for the
 *     default: {@code 0.0.0.0}, and {@code ::} beside it when the userland proxy runs
 * @param hostPort the first acceptable host port; 0 for an ephemeral one
 * @param hostPortEnd the last acceptable host port; equal to {@code hostPort} for one port
 */
public record PortRequest(
    String proto, int containerPort, String hostIp, int hostPort, int hostPortEnd) {}
