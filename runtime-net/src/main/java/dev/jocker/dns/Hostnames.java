package dev.jocker.dns;

import java.util.regex.Pattern;

/**
 * Checks of the names jocker writes into /etc/hosts and hands to the kernel, so that no name can
 * carry a line break (and with it extra lines) into a container's files.
 */
public final class Hostnames {
  /** The kernel's limit for a UTS hostname (HOST_NAME_MAX). */
  public static final int MAX_LENGTH = 64;

  private static final Pattern LABEL =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  private Hostnames() {}

  /**
   * Refuses a {@code --hostname} (or {@code --domainname}) that is not an RFC 1123 host name:
   * dot-separated labels of letters, digits and inner hyphens, 1 to 63 characters each, at most
   * {@link #MAX_LENGTH} in all.
   */
  public static String validate(String option, String hostname) {
    if (hostname == null || hostname.isEmpty()) {
      throw new IllegalArgumentException(option + ": empty name");
    }
    if (hostname.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          option
              + " "
              + quote(hostname)
              + ": longer than "
              + MAX_LENGTH
              + " characters, the kernel's limit for a host name");
    }
    for (String label : hostname.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        throw new IllegalArgumentException(
            option
                + " "
                + quote(hostname)
                + ": not a valid RFC 1123 host name (dot-separated labels of letters, digits and"
                + " inner hyphens)");
      }
    }
    return hostname;
  }

  /**
   * Refuses a name for an /etc/hosts line ({@code --add-host}, a link alias) holding whitespace or
   * control characters, which would split or add lines.
   */
  public static String validateHostsEntry(String option, String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException(option + ": empty host name");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new IllegalArgumentException(
            option + " " + quote(name) + ": a host name cannot hold spaces or control characters");
      }
    }
    return name;
  }

  /** Go's %q, enough for the names here: quotes, backslashes and control characters escaped. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (Character.isISOControl(c)) {
            sb.append(String.format("\\x%02x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
