package dev.jocker.container;

/**
 * A container's resource limits as Docker's HostConfig holds them, checked and defaulted as dockerd
 * 20.10 does at create (daemon/daemon_unix.go).
 *
 * @param memory bytes, 0 for no limit ({@code --memory})
 * @param memorySwap memory plus swap in bytes, -1 for unlimited swap, 0 for Docker's default of
 *     twice the memory ({@code --memory-swap})
 * @param nanoCpus CPUs in billionths, 0 for no limit ({@code --cpus})
 * @param cpuShares relative weight, 0 for the kernel's default ({@code --cpu-shares})
 * @param pidsLimit maximum tasks, 0 or less for no limit ({@code --pids-limit})
 */
public record Resources(
    long memory, long memorySwap, long nanoCpus, long cpuShares, long pidsLimit) {
  public static final Resources NONE = new Resources(0, 0, 0, 0, 0);

  /** dockerd's smallest memory limit. */
  static final long MIN_MEMORY = 6 * 1024 * 1024;

  static final long MIN_SHARES = 2;
  static final long MAX_SHARES = 262144;

  /**
   * Checks the limits with dockerd's texts, and returns them as dockerd keeps them: swap twice the
   * memory when unset.
   *
   * @param cpus how many CPUs the machine has
   */
  public Resources validate(int cpus) {
    if (memory != 0 && memory < MIN_MEMORY) {
      throw new InvalidConfigException("Minimum memory limit allowed is 6MB");
    }
    long swap = memory > 0 && memorySwap == 0 ? memory * 2 : memorySwap;
    if (memory > 0 && swap > 0 && swap < memory) {
      throw new InvalidConfigException(
          "Minimum memoryswap limit should be larger than memory limit, see usage");
    }
    if (memory == 0 && swap > 0) {
      throw new InvalidConfigException(
          "You should always set the Memory limit when using Memoryswap limit, see usage");
    }
    if (nanoCpus < 0 || nanoCpus > cpus * 1_000_000_000L) {
      throw new InvalidConfigException(
          "Range of CPUs is from 0.01 to "
              + cpus
              + ".00, as there are only "
              + cpus
              + " CPUs available");
    }
    // Docker 20.10 finds these at start (dockerd, then runc), leaving the container created.
    if (cpuShares < 0) {
      throw new InvalidConfigException("shares: invalid argument");
    }
    if (cpuShares > 0 && cpuShares < MIN_SHARES) {
      throw new InvalidConfigException("the minimum allowed cpu-shares is " + MIN_SHARES);
    }
    if (cpuShares > MAX_SHARES) {
      throw new InvalidConfigException("the maximum allowed cpu-shares is " + MAX_SHARES);
    }
    return new Resources(memory, swap, nanoCpus, cpuShares, pidsLimit);
  }
}
