package dev.jocker.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Network sysctls ({@code net.*}) of one namespace, read and written from inside it. */
public final class Sysctls {
  private final Netns ns;

  Sysctls(Netns ns) {
    this.ns = ns;
  }

  /** Equivalent to: {@code ip netns exec NS sysctl -n KEY}. */
  public String get(String key) {
    return ns.call(() -> read(key));
  }

  /** Equivalent to: {@code ip netns exec NS sysctl -w KEY=VALUE}. */
  public void set(String key, String value) {
    ns.call(
        () -> {
          write(key, value);
          return null;
        });
  }

  /** Reads {@code key} in the calling thread's namespace. */
  static String read(String key) {
    try {
      return Files.readString(file(key)).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("sysctl " + key + ": cannot read " + file(key), e);
    }
  }

  /** Writes {@code key} in the calling thread's namespace (for namespace initialisers). */
  public static void write(String key, String value) {
    try {
      Files.writeString(file(key), value);
    } catch (IOException e) {
      throw new UncheckedIOException("sysctl " + key + "=" + value + ": " + e.getMessage(), e);
    }
  }

  private static Path file(String key) {
    if (!key.startsWith("net.") || key.contains("/") || key.contains("..")) {
      throw new IllegalArgumentException("not a network sysctl: " + key);
    }
    return Path.of("/proc/sys", key.replace('.', '/'));
  }
}
