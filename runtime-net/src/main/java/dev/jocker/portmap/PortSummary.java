package dev.jocker.portmap;

/**
 * One entry of the {@code Ports} list of {@code GET /containers/json} (Docker's {@code
 * types.Port}), what {@code ps} renders.
 *
 * @param ip {@code IP}, "" for an exposed port that is not published (left out of the JSON)
 * @param privatePort {@code PrivatePort}
 * @param publicPort {@code PublicPort}, 0 when not published (left out of the JSON)
 * @param type {@code Type}: {@code tcp}, {@code udp}, {@code sctp}
 */
public record PortSummary(String ip, int privatePort, int publicPort, String type) {}
