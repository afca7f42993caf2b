/** Docker's iptables rules as data, applied through the system's iptables binary. */
package dev.jocker.firewall;
