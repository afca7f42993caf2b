/**
 * The bridge driver: the docker0 bridge set up in ordered, idempotent steps (device, IPv4, sysctls,
 * forwarding, iptables, link up, verify), and endpoints that wire a namespace onto it.
 */
package dev.jocker.bridge;
