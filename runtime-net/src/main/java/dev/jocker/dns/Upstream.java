package dev.jocker.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A server the embedded DNS forwards to, on port 53.
 *
 * @param address its IPv4 address
 * @param hostLoopback whether it is a loopback server of the host's resolv.conf (systemd-resolved's
 *     127.0.0.53, a local dnsmasq): such a server is asked from the host's namespace, every other
 *     one from the container's own, through its network, as Docker does
 */
public record Upstream(Inet4Address address, boolean hostLoopback) {
  /** The port every upstream is asked on, as Docker's resolver asks it. */
  public static final int PORT = 53;

  /** An upstream from dotted-quad text. */
  public static Upstream of(String address, boolean hostLoopback) {
    // Checked as text first: InetAddress would look up anything that is not a literal.
    if (!address.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
      throw new IllegalArgumentException(
          "upstream DNS server " + address + ": not an IPv4 address");
    }
    try {
      return new Upstream((Inet4Address) InetAddress.getByName(address), hostLoopback);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(
          "upstream DNS server " + address + ": not an IPv4 address", e);
    }
  }

  @Override
  public String toString() {
    return address.getHostAddress() + (hostLoopback ? " (host)" : "");
  }
}
