package dev.jocker.cli;

/** The version of this build, from the jar manifest (or {@code dev} when run from classes). */
public final class Version {
  /** e.g. {@code 0.1.0-SNAPSHOT}. */
  public static final String VERSION =
      Version.class.getPackage().getImplementationVersion() == null
          ? "dev"
          : Version.class.getPackage().getImplementationVersion();

  private Version() {}
}
