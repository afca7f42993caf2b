package dev.jocker.portmap;

/**
 * What opens the host side of published ports for the {@link PortMapper}: the {@link
 * UserlandProxy}, or a stand-in in tests.
 */
public interface PortListeners {
  /** A forwarded or held port; closing it closes its socket and every connection through it. */
  interface Handle {
    void close();
  }

  /**
   * Forwards the port's host address to its container address.
   *
   * @throws PortMapException {@code Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind:
   *     address already in use}, …
   */
  Handle forward(PublishedPort port);

  /**
   * Holds the port without forwarding it.
   *
   * @throws PortMapException {@code listen tcp4 0.0.0.0:8080: bind: address already in use}, …
   */
  Handle hold(PublishedPort port);

  /** Whether IPv6 sockets can listen, so that a {@code ::} binding makes sense. */
  boolean ipv6Listenable();
}
