/** IPv4 address management: subnets, pools, and lowest-free-first leases like Docker's bridge. */
package dev.jocker.ipam;
