package dev.jocker.doctor;

/**
 * The outcome of one check.
 *
 * @param status how bad it is
 * @param check a short name, e.g. {@code ip_forward}
 * @param detail what was found and why it matters
 * @param fix the command or change that repairs it, or null when nothing is to be done
 */
public record Finding(Status status, String check, String detail, String fix) {
  /** Ordered from harmless to broken. */
  public enum Status {
    OK,
    WARN,
    FAIL
  }

  static Finding ok(String check, String detail) {
    return new Finding(Status.OK, check, detail, null);
  }

  static Finding warn(String check, String detail, String fix) {
    return new Finding(Status.WARN, check, detail, fix);
  }

  static Finding fail(String check, String detail, String fix) {
    return new Finding(Status.FAIL, check, detail, fix);
  }
}
