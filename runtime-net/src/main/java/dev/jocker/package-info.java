/** jocker's runtime: netlink, namespaces, IPAM, bridge driver, firewall and containers. */
package dev.jocker;
