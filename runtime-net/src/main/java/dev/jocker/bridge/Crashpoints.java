package dev.jocker.bridge;

/**
 * Named points between the steps of multi-step kernel changes where tests make the daemon die as if
 * killed, to prove that the next start recovers. Only the system property {@code
 * jocker.test.crash-at} (set by tests) arms one; otherwise a crash point does nothing.
 */
public final class Crashpoints {
  private static final String ARMED = System.getProperty("jocker.test.crash-at");

  private Crashpoints() {}

  /** Dies at once, like a {@code kill -9}, if {@code name} is the armed crash point. */
  public static void reach(String name) {
    if (name.equals(ARMED)) {
      Runtime.getRuntime().halt(137);
    }
  }
}
