/**
 * A pure-Java rtnetlink codec: messages, fixed headers and attributes as the kernel lays them out.
 * Nothing here performs a system call, so every byte can be unit-tested against captures.
 */
package dev.jocker.netlink;
