/**
 * Port publishing as Docker 20.10 does it, apart from the engine: {@code -p}/{@code --expose}
 * parsing and the inspect/ps/port renderings (pure, usable by the CLI), the host-port allocator,
 * the iptables rules of a binding as data, the userland proxy inside the daemon, and the {@code
 * PortMapper} that ties them together for the network controller.
 */
package dev.jocker.portmap;
