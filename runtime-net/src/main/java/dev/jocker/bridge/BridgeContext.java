package dev.jocker.bridge;

import dev.jocker.firewall.Firewall;
import dev.jocker.firewall.RuleSet;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Netns;

/**
 * What the setup steps share.
 *
 * @param config the bridge's configuration
 * @param host the namespace the bridge lives in
 * @param mac the MAC chosen once for the bridge
 * @param firewall iptables of the host namespace
 * @param rules the bridge's own rules, for the daemon's proxy mode
 * @param userlandProxy whether published ports go through the userland proxy (else: NAT alone,
 *     which needs {@code route_localnet} on the bridge)
 */
record BridgeContext(
    BridgeConfig config,
    Netns host,
    MacAddress mac,
    Firewall firewall,
    RuleSet rules,
    boolean userlandProxy) {}
