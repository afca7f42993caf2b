package dev.jocker.container;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Linux capabilities as Docker 20.10 names and grants them (moby's oci/caps): its default set,
 * {@code --cap-add}, {@code --cap-drop} (either may be {@code ALL}) and {@code --privileged}.
 */
public final class Capabilities {
  /**
   * The capabilities Docker 20.10 knows, by number: up to CAP_AUDIT_READ, since it leaves out
   * PERFMON, BPF and CHECKPOINT_RESTORE even on kernels that have them (runc of its time did not
   * know them), so {@code --cap-add BPF} is an unknown capability there as here.
   */
  static final List<String> ALL =
      List.of(
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_DAC_READ_SEARCH",
          "CAP_FOWNER",
          "CAP_FSETID",
          "CAP_KILL",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETPCAP",
          "CAP_LINUX_IMMUTABLE",
          "CAP_NET_BIND_SERVICE",
          "CAP_NET_BROADCAST",
          "CAP_NET_ADMIN",
          "CAP_NET_RAW",
          "CAP_IPC_LOCK",
          "CAP_IPC_OWNER",
          "CAP_SYS_MODULE",
          "CAP_SYS_RAWIO",
          "CAP_SYS_CHROOT",
          "CAP_SYS_PTRACE",
          "CAP_SYS_PACCT",
          "CAP_SYS_ADMIN",
          "CAP_SYS_BOOT",
          "CAP_SYS_NICE",
          "CAP_SYS_RESOURCE",
          "CAP_SYS_TIME",
          "CAP_SYS_TTY_CONFIG",
          "CAP_MKNOD",
          "CAP_LEASE",
          "CAP_AUDIT_WRITE",
          "CAP_AUDIT_CONTROL",
          "CAP_SETFCAP",
          "CAP_MAC_OVERRIDE",
          "CAP_MAC_ADMIN",
          "CAP_SYSLOG",
          "CAP_WAKE_ALARM",
          "CAP_BLOCK_SUSPEND",
          "CAP_AUDIT_READ");

  /** Docker's default set, in its order. */
  public static final List<String> DEFAULT =
      List.of(
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE");

  private static final String EVERY = "ALL";

  /**
   * The four sets a process gets, as masks. Docker grants root its capabilities in the bounding,
   * effective and permitted sets and leaves the inheritable set empty (since 20.10.14); any other
   * user gets them in the bounding set only, as execve would leave it.
   */
  public record Sets(long bounding, long effective, long permitted, long inheritable) {
    public static Sets of(long capabilities, long uid) {
      return uid == 0
          ? new Sets(capabilities, capabilities, capabilities, 0)
          : new Sets(capabilities, 0, 0, 0);
    }
  }

  private Capabilities() {}

  /**
   * Validates {@code --cap-add}/{@code --cap-drop} as dockerd does at create: upper case, a {@code
   * CAP_} prefix added where missing, {@code ALL} kept.
   *
   * @param field {@code CapAdd} or {@code CapDrop}, for the error
   */
  public static List<String> normalize(Collection<String> caps, String field) {
    List<String> out = new ArrayList<>();
    for (String c : caps) {
      String name = c.toUpperCase(Locale.ROOT);
      if (!name.equals(EVERY)) {
        name = name.startsWith("CAP_") ? name : "CAP_" + name;
        if (!ALL.contains(name)) {
          throw new InvalidConfigException(
              "invalid " + field + ": unknown capability: \"" + name + "\"");
        }
      }
      out.add(name);
    }
    return out;
  }

  /** The capabilities a container gets, as moby's TweakCapabilities computes them. */
  public static long of(Collection<String> add, Collection<String> drop, boolean privileged) {
    if (privileged) {
      return mask(ALL);
    }
    List<String> adds = normalize(add, "CapAdd");
    List<String> drops = normalize(drop, "CapDrop");
    List<String> caps = new ArrayList<>();
    if (adds.contains(EVERY)) {
      ALL.stream().filter(c -> !drops.contains(c)).forEach(caps::add);
    } else if (drops.contains(EVERY)) {
      caps.addAll(adds);
    } else {
      DEFAULT.stream().filter(c -> !drops.contains(c)).forEach(caps::add);
      caps.addAll(adds);
    }
    return mask(caps);
  }

  /** The bit mask of capability names. */
  public static long mask(Collection<String> names) {
    long mask = 0;
    for (String n : names) {
      mask |= 1L << ALL.indexOf(n);
    }
    return mask;
  }

  /** The names in a mask, by number. */
  public static List<String> names(long mask) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < ALL.size(); i++) {
      if ((mask & (1L << i)) != 0) {
        out.add(ALL.get(i));
      }
    }
    return out;
  }
}
