package dev.jocker.dns;

/**
 * The ports a container's resolver listens on at 127.0.0.11 inside its namespace, which its DNAT
 * rules name.
 *
 * @param udp the UDP port
 * @param tcp the TCP port
 */
public record ResolverPorts(int udp, int tcp) {}
