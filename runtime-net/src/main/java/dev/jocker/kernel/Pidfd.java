package dev.jocker.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Signals to one process, never to another that reused its PID. */
public final class Pidfd {
  private Pidfd() {}

  /**
   * Sends {@code signal} to {@code pid} if it is still the process that started at {@code
   * startTime} (clock ticks after boot, field 22 of its stat). The pidfd is opened before the start
   * time is read, so the process checked is the process signalled. Returns false when that process
   * is gone.
   */
  public static boolean signal(long pid, long startTime, int signal) {
    int fd;
    try {
      fd = Syscalls.pidfdOpen(pid);
    } catch (NotFoundException gone) {
      return false;
    }
    try {
      if (startTime(pid) != startTime) {
        return false;
      }
      Syscalls.pidfdSendSignal(fd, signal, "pid " + pid);
      return true;
    } catch (NotFoundException gone) {
      return false;
    } finally {
      Syscalls.close(fd);
    }
  }

  /** The start time of {@code pid} in clock ticks after boot (field 22 of its stat), or -1. */
  public static long startTime(long pid) {
    try {
      return startTimeOf(Files.readString(Path.of("/proc/" + pid + "/stat")));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Field 22 of a {@code /proc/PID/stat} line, counted from the state (field 3) that follows the
   * command name's ')': the name may hold spaces and ')', the fields after it do not.
   */
  static long startTimeOf(String stat) {
    int at = stat.lastIndexOf(')') + 2;
    for (int field = 3; field < 22; field++) {
      at = stat.indexOf(' ', at) + 1;
    }
    int end = stat.indexOf(' ', at);
    return Long.parseLong(stat, at, end < 0 ? stat.length() : end, 10);
  }
}
