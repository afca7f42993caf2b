/**
 * Multi-host overlay networks: the cluster store on etcd (membership under a kept-alive lease,
 * networks with their VNI, address blocks per host, endpoints) and what turns it into kernel state
 * on each host (a bridge and a VXLAN device per network, static FDB and neighbour entries per
 * remote endpoint). Nothing here knows containers: the caller speaks of networks, endpoints,
 * addresses and namespaces.
 */
package dev.jocker.cluster;
