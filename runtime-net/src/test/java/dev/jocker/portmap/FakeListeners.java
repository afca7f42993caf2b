package dev.jocker.portmap;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Listeners that only record what is open, with ports "other programs" hold. */
final class FakeListeners implements PortListeners {
  final Set<String> heldElsewhere = new HashSet<>();
  final List<String> open = new ArrayList<>();
  boolean ipv6 = true;

  @Override
  public Handle forward(PublishedPort port) {
    return open(port, "Error starting userland proxy: ");
  }

  @Override
  public Handle hold(PublishedPort port) {
    return open(port, "");
  }

  private Handle open(PublishedPort port, String prefix) {
    String key = port.hostKey();
    if (heldElsewhere.contains(key)) {
      throw new PortMapException(prefix + "listen " + key + ": bind: address already in use");
    }
    open.add(key);
    return () -> open.remove(key);
  }

  @Override
  public boolean ipv6Listenable() {
    return ipv6;
  }
}
