package dev.jocker.portmap;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Listeners that only record what is open and refuse a bind as the kernel would: a port another
 * program holds, one this proxy holds on an overlapping address of the same family (a wildcard
 * overlaps every address; {@code ::} is IPv6-only), an address that is not local, and SCTP on a
 * kernel without it; in Docker's words.
 */
final class FakeListeners implements PortListeners {
  final Set<String> heldElsewhere = new HashSet<>();
  final Set<String> localAddresses = new HashSet<>(Set.of("0.0.0.0", "::", "127.0.0.1", "::1"));
  final List<PublishedPort> open = new ArrayList<>();
  boolean ipv6 = true;

  @Override
  public Handle forward(PublishedPort port) {
    return open(port, "Error starting userland proxy: ");
  }

  @Override
  public Handle hold(PublishedPort port) {
    return open(port, "");
  }

  /** The host keys of what is open, in the order opened. */
  List<String> keys() {
    return open.stream().map(PublishedPort::hostKey).toList();
  }

  private Handle open(PublishedPort port, String prefix) {
    if (port.proto().equals("sctp")) {
      throw new PortMapException(prefix + "protocol not supported");
    }
    String listen =
        "listen "
            + port.proto()
            + (port.ipv6() ? "6 [" + port.hostIp() + "]:" : "4 " + port.hostIp() + ":")
            + port.hostPort()
            + ": bind: ";
    if (!localAddresses.contains(port.hostIp())) {
      throw new PortMapException(prefix + listen + "cannot assign requested address");
    }
    boolean taken =
        heldElsewhere.contains(port.hostKey()) || open.stream().anyMatch(o -> overlaps(o, port));
    if (taken) {
      throw new PortMapException(prefix + listen + "address already in use");
    }
    open.add(port);
    return () -> open.remove(port);
  }

  private static boolean overlaps(PublishedPort a, PublishedPort b) {
    return a.proto().equals(b.proto())
        && a.hostPort() == b.hostPort()
        && a.ipv6() == b.ipv6()
        && (a.hostIp().equals(b.hostIp()) || wildcard(a) || wildcard(b));
  }

  private static boolean wildcard(PublishedPort p) {
    return p.hostIp().equals("0.0.0.0") || p.hostIp().equals("::");
  }

  @Override
  public boolean ipv6Listenable() {
    return ipv6;
  }
}
