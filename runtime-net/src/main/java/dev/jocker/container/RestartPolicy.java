package dev.jocker.container;

import java.time.Duration;
import java.util.Optional;

/**
 * {@code --restart no|always|unless-stopped|on-failure[:N]}, parsed as the docker CLI does and
 * checked as dockerd does, each with its own error text.
 *
 * @param name {@code no} (also for an empty policy), {@code always}, {@code unless-stopped} or
 *     {@code on-failure}
 * @param maximumRetryCount for on-failure, 0 meaning no limit
 */
public record RestartPolicy(String name, int maximumRetryCount) {
  public static final RestartPolicy NO = new RestartPolicy("no", 0);

  /** The CLI's parse: {@code NAME[:COUNT]}; the name itself is checked by {@link #validate}. */
  public static RestartPolicy parse(String policy) {
    if (policy == null || policy.isEmpty()) {
      return NO;
    }
    String[] parts = policy.split(":", -1);
    if (parts.length > 2) {
      throw new InvalidConfigException("invalid restart policy format");
    }
    int count = 0;
    if (parts.length == 2) {
      try {
        count = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        throw new InvalidConfigException("maximum retry count must be an integer");
      }
    }
    return new RestartPolicy(parts[0], count).validate();
  }

  /** dockerd's check at create. */
  public RestartPolicy validate() {
    switch (name) {
      case "always", "unless-stopped", "no" -> {
        if (maximumRetryCount != 0) {
          throw new InvalidConfigException(
              "maximum retry count cannot be used with restart policy '" + name + "'");
        }
      }
      case "on-failure" -> {
        if (maximumRetryCount < 0) {
          throw new InvalidConfigException("maximum retry count cannot be negative");
        }
      }
      case "" -> {
        return NO;
      }
      default -> throw new InvalidConfigException("invalid restart policy '" + name + "'");
    }
    return this;
  }

  /** How {@code --restart} prints it back ({@code on-failure:3}). */
  @Override
  public String toString() {
    return maximumRetryCount > 0 ? name + ":" + maximumRetryCount : name;
  }

  /**
   * Docker's restart manager for one container (moby's restartmanager): whether an exit is followed
   * by a restart, and after how long. The delay starts at 100 ms and doubles with each restart up
   * to a minute, and goes back to 100 ms when the container had run for 10 s or more. Not
   * thread-safe: the engine holds it under the container's lock.
   */
  public static final class Manager {
    static final Duration FIRST = Duration.ofMillis(100);
    static final Duration MAX = Duration.ofMinutes(1);
    static final Duration RESET_AFTER = Duration.ofSeconds(10);

    private final RestartPolicy policy;
    private int restartCount;
    private Duration delay = Duration.ZERO;
    private boolean canceled;

    /** A manager that already restarted the container {@code restartCount} times. */
    public Manager(RestartPolicy policy, int restartCount) {
      this.policy = policy;
      this.restartCount = restartCount;
    }

    /**
     * What to do after an exit: empty for no restart, otherwise the delay before it (the restart is
     * then counted).
     *
     * @param exitCode how the container ended
     * @param manuallyStopped stopped by the user (or by a daemon shutdown), which unless-stopped
     *     respects
     * @param ran how long it had run
     */
    public Optional<Duration> shouldRestart(int exitCode, boolean manuallyStopped, Duration ran) {
      if (policy.name().equals("no") || canceled) {
        return Optional.empty();
      }
      if (ran.compareTo(RESET_AFTER) >= 0) {
        delay = Duration.ZERO;
      }
      if (delay.isZero()) {
        delay = FIRST;
      } else if (delay.compareTo(MAX) < 0) {
        delay = delay.multipliedBy(2);
      }
      if (delay.compareTo(MAX) > 0) {
        delay = MAX;
      }
      boolean restart =
          switch (policy.name()) {
            case "always" -> true;
            case "unless-stopped" -> !manuallyStopped;
            case "on-failure" ->
                (policy.maximumRetryCount() == 0 || restartCount < policy.maximumRetryCount())
                    && exitCode != 0;
            default -> false;
          };
      if (!restart) {
        return Optional.empty();
      }
      restartCount++;
      return Optional.of(delay);
    }

    /** Stops any further restart ({@code docker stop}, {@code docker rm}). */
    public void cancel() {
      canceled = true;
    }

    /** Inspect's {@code RestartCount}. */
    public int restartCount() {
      return restartCount;
    }
  }
}
