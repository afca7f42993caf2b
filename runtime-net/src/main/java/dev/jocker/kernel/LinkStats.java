package dev.jocker.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An interface's counters, as the kernel's {@code struct rtnl_link_stats64} holds them ({@code ip
 * -s link}).
 *
 * @param rxBytes bytes received
 * @param rxPackets packets received
 * @param rxErrors receive errors
 * @param rxDropped received packets dropped
 * @param txBytes bytes sent
 * @param txPackets packets sent
 * @param txErrors send errors
 * @param txDropped packets dropped on the way out
 */
public record LinkStats(
    long rxBytes,
    long rxPackets,
    long rxErrors,
    long rxDropped,
    long txBytes,
    long txPackets,
    long txErrors,
    long txDropped) {
  /** {@code IFLA_STATS64}: the counters as u64s in host order. */
  public static final int IFLA_STATS64 = 23;

  /** Decodes the start of {@code rtnl_link_stats64}: rx/tx packets, bytes, errors, dropped. */
  static LinkStats decode(byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
    long rxPackets = b.getLong(0);
    long txPackets = b.getLong(8);
    long rxBytes = b.getLong(16);
    long txBytes = b.getLong(24);
    long rxErrors = b.getLong(32);
    long txErrors = b.getLong(40);
    long rxDropped = b.getLong(48);
    long txDropped = b.getLong(56);
    return new LinkStats(
        rxBytes, rxPackets, rxErrors, rxDropped, txBytes, txPackets, txErrors, txDropped);
  }
}
