package dev.jocker.portmap;

/**
 * One host side of a published port, as Docker's API carries it in {@code HostConfig.PortBindings}
 * and {@code NetworkSettings.Ports}: strings, exactly as given or as allocated.
 *
 * @param hostIp {@code HostIp}: an address, or "" for every address
 * @param hostPort {@code HostPort}: a port, a range {@code 8000-8002}, or "" / "0" for any free one
 */
public record HostBinding(String hostIp, String hostPort) {}
