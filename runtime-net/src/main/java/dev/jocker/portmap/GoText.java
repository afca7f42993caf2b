package dev.jocker.portmap;

/**
 * The few functions of Go's {@code strconv} and Docker's {@code go-connections/nat} whose exact
 * behaviour and error texts users see: port numbers, ranges, {@code port/proto} and {@code %q}.
 */
final class GoText {
  private GoText() {}

  /** {@code nat.SplitProtoPort}: {@code {proto, port}}; {@code tcp} when no protocol is given. */
  static String[] splitProtoPort(String raw) {
    String[] parts = raw.split("/", -1);
    if (raw.isEmpty() || parts[0].isEmpty()) {
      return new String[] {"", ""};
    }
    if (parts.length == 1 || parts[1].isEmpty()) {
      return new String[] {"tcp", parts[0]};
    }
    return new String[] {parts[1], parts[0]};
  }

  /** {@code strconv.ParseUint(s, 10, 16)}, failing with Go's text. */
  static int parseUint16(String s) {
    if (s.isEmpty()) {
      throw new PortSpecException(syntax(s));
    }
    long n = 0;
    boolean overflow = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw new PortSpecException(syntax(s));
      }
      if (!overflow) {
        n = n * 10 + (c - '0');
        overflow = n > 0xFFFF;
      }
    }
    if (overflow) {
      throw new PortSpecException(
          "strconv.ParseUint: parsing " + quote(s) + ": value out of range");
    }
    return (int) n;
  }

  /** {@code nat.ParsePort}: "" is 0, anything else a 16-bit number. */
  static int parsePort(String s) {
    return s.isEmpty() ? 0 : parseUint16(s);
  }

  /** {@code nat.ParsePortRange}: {@code {start, end}} of {@code 80} or {@code 8000-8002}. */
  static int[] parsePortRange(String ports) {
    if (ports.isEmpty()) {
      throw new PortSpecException("Empty string specified for ports.");
    }
    if (!ports.contains("-")) {
      int p = parseUint16(ports);
      return new int[] {p, p};
    }
    String[] parts = ports.split("-", -1);
    int start = parseUint16(parts[0]);
    int end = parseUint16(parts[1]);
    if (end < start) {
      throw new PortSpecException("Invalid range specified for the Port: " + ports);
    }
    return new int[] {start, end};
  }

  /** {@code nat.ParsePortRangeToInt}: "" is {@code {0, 0}}. */
  static int[] parsePortRangeToInt(String ports) {
    return ports.isEmpty() ? new int[] {0, 0} : parsePortRange(ports);
  }

  /** Go's {@code %q} of a string: double quotes, with quotes, backslashes and controls escaped. */
  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        case '\r' -> out.append("\\r");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            out.append(String.format("\\x%02x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  private static String syntax(String s) {
    return "strconv.ParseUint: parsing " + quote(s) + ": invalid syntax";
  }
}
