package dev.jocker.cni;

/**
 * Runs another plugin as the spec's section 4 says: found in CNI_PATH, with the same CNI_
 * environment (the command replaced) and the complete configuration on standard input.
 */
public interface Delegate {
  /**
   * Runs plugin {@code type} with {@code command}; returns its standard output when it succeeded.
   * Its error result comes back as a {@link CniException} with its own code, and a plugin that
   * cannot be found or run as {@link CniException#DELEGATE_FAILED}.
   */
  byte[] run(String type, String command, CniEnvironment env, byte[] config);
}
