package dev.jocker.engine;

import dev.jocker.ipam.IpamException;
import dev.jocker.network.NetworkException;
import dev.jocker.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Function;

/**
 * Turns failures from the parts below the engine into {@link EngineException}s naming the cause.
 */
final class Errors {
  private Errors() {}

  /**
   * The message of {@code t} followed by each cause's that it does not already hold: an {@link
   * UncheckedIOException} says what it was doing, its {@link IOException} why ("No space left on
   * device"), and a user needs both.
   */
  static String describe(Throwable t) {
    StringBuilder text = new StringBuilder(String.valueOf(t.getMessage()));
    for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && !text.toString().contains(m)) {
        text.append(": ").append(m);
      }
    }
    return text.toString();
  }

  /**
   * {@code e} as the engine reports it: an {@link EngineException} as it is, a refusal of the
   * network side with its kind, anything else as an internal failure of {@code what} with its
   * cause. {@code names} turns container IDs into names for the message.
   */
  static EngineException of(String what, RuntimeException e, Function<String, String> names) {
    if (e instanceof EngineException ee) {
      return ee;
    }
    if (e instanceof NetworkException ne) {
      String message = ne.getMessage();
      if (!ne.containers().isEmpty()) {
        message +=
            " (" + String.join(", ", ne.containers().stream().map(names).sorted().toList()) + ")";
      }
      return new EngineException(kind(ne.kind()), message, ne);
    }
    if (e instanceof IpamException) {
      return new EngineException(EngineException.Kind.INVALID, e.getMessage(), e);
    }
    if (e instanceof StoreException se && se.diskFull()) {
      return new EngineException(
          EngineException.Kind.INTERNAL, what + ": the disk is full: " + describe(e), e);
    }
    return new EngineException(EngineException.Kind.INTERNAL, what + ": " + describe(e), e);
  }

  private static EngineException.Kind kind(NetworkException.Kind k) {
    return switch (k) {
      case INVALID -> EngineException.Kind.INVALID;
      case NOT_FOUND -> EngineException.Kind.NOT_FOUND;
      case FORBIDDEN -> EngineException.Kind.FORBIDDEN;
      case CONFLICT -> EngineException.Kind.CONFLICT;
      case INTERNAL -> EngineException.Kind.INTERNAL;
    };
  }
}
