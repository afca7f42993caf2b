package dev.jocker.bridge;

import dev.jocker.firewall.Firewall;
import dev.jocker.kernel.MacAddress;
import dev.jocker.kernel.Netns;

/**
 * What the setup steps share.
 *
 * @param config the bridge's configuration
 * @param host the namespace the bridge lives in
 * @param mac the MAC chosen once for the bridge
 * @param firewall iptables of the host namespace
 */
record BridgeContext(BridgeConfig config, Netns host, MacAddress mac, Firewall firewall) {}
