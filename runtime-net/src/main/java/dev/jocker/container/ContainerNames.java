package dev.jocker.container;

import java.security.SecureRandom;
import java.util.List;
import java.util.regex.Pattern;

/** Docker's container name rules, and its adjective_surname names for unnamed containers. */
public final class ContainerNames {
  private static final Pattern VALID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final List<String> ADJECTIVES =
      List.of(
          "admiring",
          "brave",
          "clever",
          "dazzling",
          "eager",
          "festive",
          "gallant",
          "happy",
          "inspiring",
          "jolly",
          "keen",
          "loving",
          "modest",
          "nifty",
          "optimistic",
          "peaceful",
          "quirky",
          "relaxed",
          "serene",
          "tender",
          "upbeat",
          "vibrant",
          "wizardly",
          "youthful",
          "zealous");
  private static final List<String> SURNAMES =
      List.of(
          "albattani",
          "babbage",
          "curie",
          "darwin",
          "euclid",
          "feynman",
          "galileo",
          "hopper",
          "johnson",
          "kepler",
          "lovelace",
          "meitner",
          "noether",
          "pasteur",
          "ritchie",
          "shannon",
          "thompson",
          "turing",
          "villani",
          "wozniak",
          "yonath",
          "zhukovsky");

  private ContainerNames() {}

  /** The reason {@code name} is not acceptable, or null when it is. */
  public static String problem(String name) {
    if (name.isEmpty()) {
      return "Invalid container name (\"\"): a name must not be empty";
    }
    if (name.length() > 64) {
      return "Invalid container name ("
          + name
          + "): at most 64 characters are allowed, got "
          + name.length();
    }
    if (!VALID.matcher(name).matches()) {
      return "Invalid container name (" + name + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed";
    }
    return null;
  }

  /** A name like {@code jolly_turing}. */
  public static String generate() {
    return generate(0);
  }

  /**
   * A name for the {@code retry}-th attempt after the earlier ones were taken: {@code jolly_turing}
   * at first, then with a number appended from a range that grows with {@code retry}, as Docker
   * appends a digit, so that a caller retrying until a name is free always finds one, however many
   * of the adjective_surname pairs are in use.
   */
  public static String generate(int retry) {
    String name =
        ADJECTIVES.get(RANDOM.nextInt(ADJECTIVES.size()))
            + "_"
            + SURNAMES.get(RANDOM.nextInt(SURNAMES.size()));
    return retry < 3 ? name : name + RANDOM.nextInt(10 * retry);
  }

  /** 64 random hex characters, as Docker's IDs. */
  public static String newId() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return java.util.HexFormat.of().formatHex(b);
  }
}
