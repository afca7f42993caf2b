package dev.jocker.daemon;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The times the API takes ({@code since}, {@code until}): Unix seconds with an optional fraction,
 * as the Docker CLI sends them, or RFC 3339; and Docker's RFC 3339 with nanoseconds for {@code
 * timestamps}.
 */
final class Timestamps {
  private static final Pattern UNIX = Pattern.compile("(-?\\d{1,12})(?:\\.(\\d{1,9}))?");
  private static final DateTimeFormatter NANO =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'").withZone(ZoneOffset.UTC);

  private Timestamps() {}

  /** Nanoseconds since the epoch of {@code value}; a 400 naming {@code name} if malformed. */
  static long nanos(String value, String name) {
    Matcher m = UNIX.matcher(value);
    if (m.matches()) {
      long seconds = Long.parseLong(m.group(1));
      String fraction = m.group(2) == null ? "" : m.group(2);
      long nanos =
          fraction.isEmpty() ? 0 : Long.parseLong((fraction + "000000000").substring(0, 9));
      return seconds * 1_000_000_000L + nanos;
    }
    try {
      Instant t = OffsetDateTime.parse(value).toInstant();
      return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "invalid value for " + name + ": " + value + " (use Unix seconds or RFC 3339)");
    }
  }

  /** Docker's log time stamp: {@code 2006-01-02T15:04:05.000000000Z}. */
  static String rfc3339Nano(Instant t) {
    return NANO.format(t);
  }
}
