package dev.jocker.cli;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --since} and {@code --until} as Docker's client turns them into the API's value ({@code
 * timetypes.GetTimestamp}): a Go duration ({@code 42m}, {@code 1h30m}) counts back from now, an RFC
 * 3339 time or date (local time when it has no zone) becomes {@code SECONDS.NANOSECONDS}, a Unix
 * timestamp passes as it is.
 */
final class Timestamps {
  private static final Pattern DURATION =
      Pattern.compile("([0-9]+(?:\\.[0-9]*)?)(ns|us|µs|ms|s|m|h)");
  private static final Pattern UNIX = Pattern.compile("\\d+(\\.\\d{1,9})?");

  private Timestamps() {}

  static String query(String value, Instant now) throws Cli.StatusError {
    Long duration = durationNanos(value);
    if (duration != null && !value.equals("0")) {
      return Long.toString(now.minusNanos(duration).getEpochSecond());
    }
    Instant t = parseTime(value);
    if (t != null) {
      return t.getEpochSecond() + "." + String.format("%09d", t.getNano());
    }
    if (UNIX.matcher(value).matches()) {
      return value;
    }
    throw new Cli.StatusError("failed to parse value as time or duration: \"" + value + "\"", 1);
  }

  /** A Go duration in nanoseconds, or null when {@code value} is none. */
  private static Long durationNanos(String value) {
    String v = value.startsWith("-") || value.startsWith("+") ? value.substring(1) : value;
    if (v.isEmpty()) {
      return null;
    }
    Matcher m = DURATION.matcher(v);
    int at = 0;
    double total = 0;
    while (at < v.length() && m.find(at) && m.start() == at) {
      double n = Double.parseDouble(m.group(1));
      double unit =
          switch (m.group(2)) {
            case "ns" -> 1;
            case "us", "µs" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            default -> 3600e9;
          };
      total += n * unit;
      at = m.end();
    }
    if (at != v.length()) {
      return null;
    }
    return (long) (value.startsWith("-") ? -total : total);
  }

  private static Instant parseTime(String value) {
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException notWithZone) {
      // Without a zone: local time, as Docker reads it.
    }
    try {
      return LocalDateTime.parse(value).atZone(ZoneId.systemDefault()).toInstant();
    } catch (DateTimeParseException notLocal) {
      // A date alone, maybe.
    }
    try {
      return LocalDate.parse(value).atStartOfDay(ZoneId.systemDefault()).toInstant();
    } catch (DateTimeParseException notDate) {
      return null;
    }
  }
}
