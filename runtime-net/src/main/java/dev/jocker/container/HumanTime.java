package dev.jocker.container;

import java.time.Duration;

/** Durations and statuses worded as {@code docker ps} words them (go-units' HumanDuration). */
public final class HumanTime {
  private HumanTime() {}

  /** {@code Less than a second}, {@code 35 seconds}, {@code About a minute}, {@code 4 hours}… */
  public static String duration(Duration d) {
    long seconds = d.toSeconds();
    if (seconds < 1) {
      return "Less than a second";
    }
    if (seconds == 1) {
      return "1 second";
    }
    if (seconds < 60) {
      return seconds + " seconds";
    }
    long minutes = d.toMinutes();
    if (minutes == 1) {
      return "About a minute";
    }
    if (minutes < 60) {
      return minutes + " minutes";
    }
    long hours = Math.round(d.toSeconds() / 3600.0);
    if (hours == 1) {
      return "About an hour";
    }
    if (hours < 48) {
      return hours + " hours";
    }
    if (hours < 24 * 7 * 2) {
      return (hours / 24) + " days";
    }
    if (hours < 24 * 30 * 2) {
      return (hours / 24 / 7) + " weeks";
    }
    if (hours < 24 * 365 * 2) {
      return (hours / 24 / 30) + " months";
    }
    return (hours / 24 / 365) + " years";
  }

  /**
   * The STATUS column: {@code Up 33 seconds}, {@code Up 14 seconds (Paused)}, {@code Restarting (1)
   * 1 second ago}, {@code Exited (137) 3 seconds ago}, {@code Removal In Progress}, {@code
   * Created}.
   */
  public static String status(String state, int exitCode, Duration sinceStart, Duration sinceExit) {
    return switch (state) {
      case "running" -> "Up " + duration(sinceStart);
      case "paused" -> "Up " + duration(sinceStart) + " (Paused)";
      case "restarting" -> "Restarting (" + exitCode + ") " + duration(sinceExit) + " ago";
      case "exited" -> "Exited (" + exitCode + ") " + duration(sinceExit) + " ago";
      case "removing" -> "Removal In Progress";
      default -> "Created";
    };
  }
}
