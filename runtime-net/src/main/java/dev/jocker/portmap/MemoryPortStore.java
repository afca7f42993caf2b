package dev.jocker.portmap;

import java.util.ArrayList;
import java.util.List;

/** Published ports in memory, for tests of the mapping logic; nothing ever rolls back. */
public final class MemoryPortStore implements PortStore {
  private final List<PublishedPort> ports = new ArrayList<>();

  @Override
  public synchronized void insertPort(PublishedPort port) {
    if (ports.stream().anyMatch(p -> p.hostKey().equals(port.hostKey()))) {
      throw new IllegalStateException("host port " + port.hostKey() + " is recorded twice");
    }
    ports.add(port);
  }

  @Override
  public synchronized void deletePort(PublishedPort port) {
    ports.remove(port);
  }

  @Override
  public synchronized List<PublishedPort> ports() {
    return List.copyOf(ports);
  }

  @Override
  public void onRollback(Runnable undo) {}
}
