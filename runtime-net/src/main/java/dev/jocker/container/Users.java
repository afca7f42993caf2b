package dev.jocker.container;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code -u} resolved against a container's /etc/passwd and /etc/group as Docker 20.10 does it
 * (runc's user.GetExecUser, called by moby's getUser): {@code user}, {@code uid}, {@code
 * user:group} or {@code uid:gid}; a number without an entry is taken as it is, within
 * 0..2147483647; a name without one is an error.
 */
public final class Users {
  static final long MAX_ID = (1L << 31) - 1;

  private Users() {}

  private record Entry(String name, long id, long gid, String home, List<String> members) {}

  /** Resolves {@code user} (empty: root) against the text of passwd and group. */
  public static ExecUser resolve(String user, String passwd, String group) {
    String[] parts = user.split(":", -1);
    String userArg = parts[0];
    String groupArg = parts.length > 1 ? parts[1] : "";
    Long uidArg = number(userArg);
    Long gidArg = number(groupArg);
    List<Entry> users = passwd(passwd);
    long uid = 0;
    long gid = 0;
    String matched = null;
    Entry found = null;
    for (Entry u : users) {
      boolean match =
          userArg.isEmpty()
              ? u.id() == 0
              : uidArg != null ? u.id() == uidArg : u.name().equals(userArg);
      if (match) {
        found = u;
        break;
      }
    }
    if (found != null) {
      matched = found.name();
      uid = found.id();
      gid = found.gid();
    } else if (!userArg.isEmpty()) {
      if (uidArg == null) {
        throw new InvalidConfigException(
            "unable to find user " + userArg + ": no matching entries in passwd file");
      }
      uid = inRange(uidArg);
    }
    List<Long> supplementary = new ArrayList<>();
    if (!groupArg.isEmpty() || matched != null) {
      List<Entry> groups = group(group);
      if (!groupArg.isEmpty()) {
        Entry g =
            groups.stream()
                .filter(e -> gidArg != null ? e.id() == gidArg : e.name().equals(groupArg))
                .findFirst()
                .orElse(null);
        if (g != null) {
          gid = g.id();
        } else if (gidArg == null) {
          throw new InvalidConfigException(
              "unable to find group " + groupArg + ": no matching entries in group file");
        } else {
          gid = inRange(gidArg);
        }
      } else {
        for (Entry g : groups) {
          if (g.members().contains(matched)) {
            supplementary.add(g.id());
          }
        }
      }
    }
    List<Long> all = new ArrayList<>(List.of(gid));
    all.addAll(supplementary);
    // runc looks the final uid up again for HOME, with "/" when it has no entry.
    final long finalUid = uid;
    String home =
        users.stream().filter(u -> u.id() == finalUid).map(Entry::home).findFirst().orElse("/");
    return new ExecUser(uid, gid, all, home);
  }

  /**
   * Resolves {@code user} in a container's root seen as the overlay would show it: a file of the
   * container's own layer ({@code upper}) hides the image's.
   */
  public static ExecUser resolve(String user, Path image, Path upper) {
    return resolve(user, read(image, upper, "etc/passwd"), read(image, upper, "etc/group"));
  }

  private static String read(Path image, Path upper, String file) {
    try {
      for (Path root : upper == null ? List.of(image) : List.of(upper, image)) {
        Path p = root.resolve(file);
        // A link out of the container's root (/etc -> /etc) must not read the host's file.
        if (Files.isRegularFile(p) && p.toRealPath().startsWith(root.toRealPath())) {
          return Files.readString(p);
        }
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
          return ""; // a whiteout (or something else in the way) hides the image's file
        }
      }
      return "";
    } catch (IOException e) {
      throw new UncheckedIOException("read /" + file + " of the container", e);
    }
  }

  private static long inRange(long id) {
    if (id < 0 || id > MAX_ID) {
      throw new InvalidConfigException("uids and gids must be in range 0-" + MAX_ID);
    }
    return id;
  }

  /** Go's strconv.Atoi: an optional sign and decimal digits within 64 bits, else not a number. */
  private static Long number(String s) {
    if (!s.matches("[+-]?[0-9]+")) {
      return null;
    }
    try {
      return Long.parseLong(s.startsWith("+") ? s.substring(1) : s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static List<Entry> passwd(String text) {
    List<Entry> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] f = fields(line, 7);
      if (f != null) {
        out.add(new Entry(f[0], atoi(f[2]), atoi(f[3]), f[5], List.of()));
      }
    }
    return out;
  }

  private static List<Entry> group(String text) {
    List<Entry> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] f = fields(line, 4);
      if (f != null) {
        List<String> members = f[3].isEmpty() ? List.of() : List.of(f[3].split(","));
        out.add(new Entry(f[0], atoi(f[2]), 0, "", members));
      }
    }
    return out;
  }

  /** A line's colon-separated fields padded to n, or null for a blank line or a comment. */
  private static String[] fields(String line, int n) {
    String t = line.strip();
    if (t.isEmpty() || t.startsWith("#")) {
      return null;
    }
    String[] parts = t.split(":", -1);
    String[] out = new String[n];
    for (int i = 0; i < n; i++) {
      out[i] = i < parts.length ? parts[i] : "";
    }
    return out;
  }

  private static long atoi(String s) {
    Long n = number(s);
    return n == null ? 0 : n;
  }
}
