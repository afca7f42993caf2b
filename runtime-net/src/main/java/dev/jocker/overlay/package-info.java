/**
 * The {@code overlay} driver of the network controller: networks shared by every host of a cluster
 * through etcd ({@link dev.jocker.cluster}), each a bridge and a VXLAN device on the hosts that use
 * it, with addresses from blocks each host claims and remote endpoints programmed ahead as FDB and
 * neighbour entries. Knows networks, endpoints and namespaces; never a container beyond its name.
 */
package dev.jocker.overlay;
