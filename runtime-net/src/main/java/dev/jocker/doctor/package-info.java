/**
 * {@code jocker doctor}: checks the things that silently break container networking (forwarding,
 * the FORWARD policy and jocker's rules, br_netfilter, the iptables backend, MTU, a subnet that
 * collides with a host route, a Docker daemon on the same bridge, leftovers) and says how to fix
 * each. Pure functions of {@link dev.jocker.doctor.Facts}: the engine gathers them.
 */
package dev.jocker.doctor;
