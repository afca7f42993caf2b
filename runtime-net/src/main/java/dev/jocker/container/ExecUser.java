package dev.jocker.container;

import java.util.List;

/**
 * Who a container process runs as, resolved as Docker does.
 *
 * @param uid user ID
 * @param gid primary group ID
 * @param groups the supplementary groups setgroups(2) gets: the primary group first, then those
 *     that list the user as a member
 * @param home the user's home directory ({@code /} when the user has no passwd entry), for HOME
 */
public record ExecUser(long uid, long gid, List<Long> groups, String home) {
  public ExecUser {
    groups = List.copyOf(groups);
  }

  /** root, as a container runs without {@code -u}. */
  public static final ExecUser ROOT = new ExecUser(0, 0, List.of(0L), "/root");
}
