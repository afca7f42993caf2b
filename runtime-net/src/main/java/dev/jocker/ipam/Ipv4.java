package dev.jocker.ipam;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** IPv4 addresses as unsigned 32-bit integers, parsed strictly (no host names, no shorthand). */
public final class Ipv4 {
  private Ipv4() {}

  /** Parses dotted-quad text; anything else is an {@link IpamException} naming the input. */
  public static int parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IpamException("invalid IPv4 address: empty string");
    }
    if (text.contains(":")) {
      throw new IpamException("invalid IPv4 address \"" + text + "\": IPv6 is not supported yet");
    }
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      throw new IpamException(
          "invalid IPv4 address \"" + text + "\": expected four numbers a.b.c.d");
    }
    int value = 0;
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
        throw new IpamException(
            "invalid IPv4 address \"" + text + "\": \"" + part + "\" is not a number");
      }
      if (part.length() > 1 && part.startsWith("0")) {
        throw new IpamException(
            "invalid IPv4 address \""
                + text
                + "\": \""
                + part
                + "\" has a leading zero, which some tools read as octal");
      }
      int octet = Integer.parseInt(part);
      if (octet > 255) {
        throw new IpamException(
            "invalid IPv4 address \"" + text + "\": " + octet + " is larger than 255");
      }
      value = (value << 8) | octet;
    }
    return value;
  }

  /** Dotted-quad text of {@code address}. */
  public static String format(int address) {
    return (address >>> 24)
        + "."
        + ((address >>> 16) & 0xff)
        + "."
        + ((address >>> 8) & 0xff)
        + "."
        + (address & 0xff);
  }

  /** The {@link Inet4Address} of {@code address}. */
  public static Inet4Address toInet(int address) {
    try {
      return (Inet4Address)
          InetAddress.getByAddress(
              new byte[] {
                (byte) (address >>> 24),
                (byte) (address >>> 16),
                (byte) (address >>> 8),
                (byte) address
              });
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The integer of {@code address}. */
  public static int of(Inet4Address address) {
    byte[] b = address.getAddress();
    return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
  }
}
