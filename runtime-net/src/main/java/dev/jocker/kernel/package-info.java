/**
 * The kernel, from Java: a package-private libc binding, netlink sockets, network namespaces and an
 * iproute2-like API ({@code links}, {@code addrs}, {@code routes}, {@code sysctls}).
 */
package dev.jocker.kernel;
