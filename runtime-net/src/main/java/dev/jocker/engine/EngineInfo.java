package dev.jocker.engine;

import java.nio.file.Path;

/**
 * Facts about the running engine.
 *
 * @param containers all containers
 * @param running running containers
 * @param stopped created or exited containers
 * @param images number of images
 * @param dataRoot the state root
 * @param bridge the default bridge's device name
 * @param iptables whether jocker manages iptables rules
 * @param ipForward whether jocker enables net.ipv4.ip_forward
 */
public record EngineInfo(
    int containers,
    int running,
    int stopped,
    int images,
    Path dataRoot,
    String bridge,
    boolean iptables,
    boolean ipForward) {}
