package dev.jocker.ipam;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Docker's default address pools, in its order: 172.17.0.0/16 … 172.31.0.0/16, then 192.168.0.0/16
 * in /20s.
 */
public final class DefaultPools {
  private DefaultPools() {}

  /** Every candidate subnet, in order. */
  public static List<Subnet> candidates() {
    List<Subnet> out = new ArrayList<>();
    for (int second = 17; second <= 31; second++) {
      out.add(Subnet.parse("172." + second + ".0.0/16"));
    }
    for (int third = 0; third < 256; third += 16) {
      out.add(Subnet.parse("192.168." + third + ".0/20"));
    }
    return out;
  }

  /**
   * The first candidate that overlaps none of {@code inUse} (other networks, host addresses and
   * routes) and contains none of {@code nameservers}.
   */
  public static Optional<Subnet> next(Collection<Subnet> inUse, Collection<Integer> nameservers) {
    return candidates().stream()
        .filter(c -> inUse.stream().noneMatch(c::overlaps))
        .filter(c -> nameservers.stream().noneMatch(c::contains))
        .findFirst();
  }

  /** The IPv4 nameservers of a {@code resolv.conf} text, as addresses. */
  public static List<Integer> nameservers(String resolvConf) {
    List<Integer> out = new ArrayList<>();
    for (String line : resolvConf.split("\n")) {
      String[] words = line.strip().split("\\s+");
      if (words.length >= 2 && words[0].equals("nameserver") && words[1].matches("[0-9.]+")) {
        try {
          out.add(Ipv4.parse(words[1]));
        } catch (IpamException notAnAddress) {
          continue;
        }
      }
    }
    return out;
  }
}
