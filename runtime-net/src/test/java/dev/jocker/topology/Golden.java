package dev.jocker.topology;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Expected outputs kept as files next to the tests, so they read as the user sees them. */
public final class Golden {
  private Golden() {}

  static String read(String name) {
    return read(Golden.class, name);
  }

  /** The golden file {@code name} kept next to {@code owner}'s package in the test resources. */
  public static String read(Class<?> owner, String name) {
    try (InputStream in = owner.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("golden file " + name + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
