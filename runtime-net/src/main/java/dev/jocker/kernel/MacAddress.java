package dev.jocker.kernel;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/** A 48-bit Ethernet address, written {@code 02:42:ac:11:00:02}. */
public record MacAddress(byte[] bytes) {
  private static final SecureRandom RANDOM = new SecureRandom();

  public MacAddress {
    if (bytes.length != 6) {
      throw new IllegalArgumentException("a MAC address has 6 bytes, not " + bytes.length);
    }
    bytes = bytes.clone();
  }

  /** Parses {@code aa:bb:cc:dd:ee:ff}. */
  public static MacAddress parse(String text) {
    String[] parts = text.split(":");
    if (parts.length != 6) {
      throw new IllegalArgumentException("invalid MAC address: " + text);
    }
    byte[] b = new byte[6];
    for (int i = 0; i < 6; i++) {
      b[i] = (byte) Integer.parseInt(parts[i], 16);
    }
    return new MacAddress(b);
  }

  /** Docker's random bridge MAC: the locally administered prefix 02:42, then four random bytes. */
  public static MacAddress randomDocker() {
    byte[] b = new byte[6];
    RANDOM.nextBytes(b);
    b[0] = 0x02;
    b[1] = 0x42;
    return new MacAddress(b);
  }

  /** Docker's container MAC: {@code 02:42} followed by the four IPv4 address bytes. */
  public static MacAddress forIpv4(java.net.Inet4Address address) {
    byte[] ip = address.getAddress();
    return new MacAddress(new byte[] {0x02, 0x42, ip[0], ip[1], ip[2], ip[3]});
  }

  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MacAddress m && Arrays.equals(bytes, m.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return HexFormat.ofDelimiter(":").formatHex(bytes);
  }
}
