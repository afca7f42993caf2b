package dev.jocker.portmap;

/**
 * IP addresses as Go's {@code net} package reads and prints them, so that what the user typed
 * ({@code -p [::1]:8080:80}) is accepted, refused and shown exactly as Docker does: IPv4 without
 * leading zeros, IPv6 with one {@code ::} and an optional trailing IPv4 part, no zone; IPv4-mapped
 * IPv6 addresses print (and bind) as IPv4.
 */
public final class IpText {
  private IpText() {}

  /** Go's {@code net.ParseIP}: 16 bytes (IPv4 as ::ffff:a.b.c.d), or null when not an address. */
  static byte[] parse(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '.') {
        return parseIpv4(s);
      }
      if (c == ':') {
        return parseIpv6(s);
      }
    }
    return null;
  }

  /** Whether {@code ip} (from {@link #parse}) is IPv4 or IPv4-mapped, as Go's {@code To4}. */
  static boolean isIpv4(byte[] ip) {
    for (int i = 0; i < 10; i++) {
      if (ip[i] != 0) {
        return false;
      }
    }
    return ip[10] == (byte) 0xff && ip[11] == (byte) 0xff;
  }

  /** Whether {@code ip} is 0.0.0.0 or {@code ::}, as Go's {@code IsUnspecified}. */
  static boolean isUnspecified(byte[] ip) {
    if (isIpv4(ip)) {
      return ip[12] == 0 && ip[13] == 0 && ip[14] == 0 && ip[15] == 0;
    }
    for (byte b : ip) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  /** Go's {@code IP.String}: dotted IPv4, or IPv6 with the longest run of zero groups as ::. */
  static String format(byte[] ip) {
    if (isIpv4(ip)) {
      return (ip[12] & 0xff)
          + "."
          + (ip[13] & 0xff)
          + "."
          + (ip[14] & 0xff)
          + "."
          + (ip[15] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 0;
    for (int g = 0; g < 8; ) {
      int end = g;
      while (end < 8 && group(ip, end) == 0) {
        end++;
      }
      if (end - g > bestLength && end - g >= 2) {
        bestStart = g;
        bestLength = end - g;
      }
      g = end == g ? g + 1 : end;
    }
    StringBuilder out = new StringBuilder();
    for (int g = 0; g < 8; g++) {
      if (g == bestStart) {
        out.append("::");
        g += bestLength - 1;
        continue;
      }
      if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
        out.append(':');
      }
      out.append(Integer.toHexString(group(ip, g)));
    }
    return out.toString();
  }

  /** The canonical text of an address Go accepts, or null when it does not. */
  public static String canonical(String s) {
    byte[] ip = parse(s);
    return ip == null ? null : format(ip);
  }

  private static int group(byte[] ip, int g) {
    return (ip[2 * g] & 0xff) << 8 | (ip[2 * g + 1] & 0xff);
  }

  private static byte[] parseIpv4(String s) {
    byte[] ip = new byte[16];
    ip[10] = (byte) 0xff;
    ip[11] = (byte) 0xff;
    int pos = 0;
    for (int i = 0; i < 4; i++) {
      if (i > 0) {
        if (pos >= s.length() || s.charAt(pos) != '.') {
          return null;
        }
        pos++;
      }
      int start = pos;
      int n = 0;
      while (pos < s.length() && Character.isDigit(s.charAt(pos)) && s.charAt(pos) < 128) {
        n = n * 10 + (s.charAt(pos) - '0');
        pos++;
        if (n > 255) {
          return null;
        }
      }
      if (pos == start || (pos - start > 1 && s.charAt(start) == '0')) {
        return null;
      }
      ip[12 + i] = (byte) n;
    }
    return pos == s.length() ? ip : null;
  }

  private static byte[] parseIpv6(String text) {
    byte[] ip = new byte[16];
    int ellipsis = -1;
    String s = text;
    if (s.length() >= 2 && s.charAt(0) == ':' && s.charAt(1) == ':') {
      ellipsis = 0;
      s = s.substring(2);
      if (s.isEmpty()) {
        return ip;
      }
    }
    int i = 0;
    while (i < 16) {
      int n = 0;
      int c = 0;
      while (c < s.length() && Character.digit(s.charAt(c), 16) >= 0 && s.charAt(c) < 128) {
        n = n * 16 + Character.digit(s.charAt(c), 16);
        c++;
        if (n >= 0xFFFFFF) {
          return null;
        }
      }
      if (c == 0 || n > 0xFFFF) {
        return null;
      }
      if (c < s.length() && s.charAt(c) == '.') {
        if ((ellipsis < 0 && i != 12) || i + 4 > 16) {
          return null;
        }
        byte[] v4 = parseIpv4(s);
        if (v4 == null) {
          return null;
        }
        System.arraycopy(v4, 12, ip, i, 4);
        s = "";
        i += 4;
        break;
      }
      ip[i] = (byte) (n >> 8);
      ip[i + 1] = (byte) n;
      i += 2;
      s = s.substring(c);
      if (s.isEmpty()) {
        break;
      }
      if (s.charAt(0) != ':' || s.length() == 1) {
        return null;
      }
      s = s.substring(1);
      if (s.charAt(0) == ':') {
        if (ellipsis >= 0) {
          return null;
        }
        ellipsis = i;
        s = s.substring(1);
        if (s.isEmpty()) {
          break;
        }
      }
    }
    if (!s.isEmpty()) {
      return null;
    }
    if (i < 16) {
      if (ellipsis < 0) {
        return null;
      }
      int n = 16 - i;
      for (int j = i - 1; j >= ellipsis; j--) {
        ip[j + n] = ip[j];
      }
      for (int j = ellipsis + n - 1; j >= ellipsis; j--) {
        ip[j] = 0;
      }
    } else if (ellipsis >= 0) {
      return null;
    }
    return ip;
  }
}
