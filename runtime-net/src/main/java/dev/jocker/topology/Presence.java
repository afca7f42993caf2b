package dev.jocker.topology;

/** Whether jocker's records and the kernel agree that an object exists. */
public enum Presence {
  /** Recorded and present in the kernel. */
  BOTH,
  /** jocker has a record but the kernel object is gone (deleted by hand, or a crash). */
  RECORD_ONLY,
  /** The kernel holds the object but no jocker record owns it (made by hand, or a leak). */
  KERNEL_ONLY;

  /** A warning for the learner, or null when records and kernel agree. */
  public String warning() {
    return switch (this) {
      case BOTH -> null;
      case RECORD_ONLY -> "record without kernel object";
      case KERNEL_ONLY -> "kernel object without record";
    };
  }
}
