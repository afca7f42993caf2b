package dev.jocker.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's /etc/hosts as Docker 20.10 writes it: at start the six default lines, then the
 * {@code --add-host} and {@code --link} entries; then, at each join of a network, a line for the
 * container's own address there. Docker appends at a join and removes nothing at a leave.
 */
public final class EtcHosts {
  /**
   * One line: {@code ADDRESS<TAB>NAMES}.
   *
   * @param names one or more space-separated names
   * @param address the address
   */
  public record Entry(String names, String address) {
    String line() {
      return address + "\t" + names + "\n";
    }
  }

  /** The value of {@code --add-host NAME:host-gateway}, replaced by the daemon's gateway. */
  public static final String HOST_GATEWAY = "host-gateway";

  private static final List<Entry> DEFAULTS =
      List.of(
          new Entry("localhost", "127.0.0.1"),
          new Entry("localhost ip6-localhost ip6-loopback", "::1"),
          new Entry("ip6-localnet", "fe00::0"),
          new Entry("ip6-mcastprefix", "ff00::0"),
          new Entry("ip6-allnodes", "ff02::1"),
          new Entry("ip6-allrouters", "ff02::2"));

  private EtcHosts() {}

  /** The file at sandbox creation: the defaults, then {@code extra} in order. */
  public static String build(List<Entry> extra) {
    StringBuilder sb = new StringBuilder();
    DEFAULTS.forEach(e -> sb.append(e.line()));
    extra.forEach(e -> sb.append(e.line()));
    return sb.toString();
  }

  /**
   * The line a join adds for the container's own {@code address}: the hostname, or with a domain
   * (in {@code hostname} or {@code domainname}) the full name and then the first label.
   */
  public static Entry self(String address, String hostname, String domainname) {
    String fqdn =
        domainname == null || domainname.isEmpty() ? hostname : hostname + "." + domainname;
    int dot = fqdn.indexOf('.');
    return new Entry(dot < 0 ? fqdn : fqdn + " " + fqdn.substring(0, dot), address);
  }

  /** {@code file} with {@code entry} appended (a join). */
  public static String append(String file, Entry entry) {
    return file + entry.line();
  }

  /**
   * {@code --add-host NAME:ADDRESS}: split at the first colon (an IPv6 address keeps its colons),
   * the address checked, {@code host-gateway} replaced by {@code hostGateway}.
   */
  public static Entry addHost(String spec, String hostGateway) {
    int colon = spec.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("bad format for add-host: " + Hostnames.quote(spec));
    }
    String name = Hostnames.validateHostsEntry("--add-host", spec.substring(0, colon));
    String address = spec.substring(colon + 1);
    if (address.equals(HOST_GATEWAY)) {
      if (hostGateway == null || hostGateway.isEmpty()) {
        throw new IllegalArgumentException("unable to derive the IP value for host-gateway");
      }
      return new Entry(name, hostGateway);
    }
    if (!isAddress(address.strip())) {
      throw new IllegalArgumentException(
          "invalid IP address in add-host: " + Hostnames.quote(address));
    }
    return new Entry(name, address.strip());
  }

  /**
   * The entry of a {@code --link CHILD:ALIAS} on the default bridge: the alias, the child's
   * hostname and, when the alias differs from it, the child's name.
   */
  public static Entry link(String alias, String childHostname, String childName, String address) {
    Hostnames.validateHostsEntry("--link", alias);
    String names = alias + " " + childHostname;
    if (!alias.equals(childName)) {
      names += " " + childName;
    }
    return new Entry(names, address);
  }

  /**
   * {@code file} after a linked container restarted at {@code address}: each line for {@code alias}
   * gets the new address (libnetwork's etchosts.Update).
   */
  public static String relink(String file, String alias, String address) {
    Pattern p = Pattern.compile("(\\S*)(\\t" + Pattern.quote(alias) + ")(\\s|\\.)");
    return p.matcher(file).replaceAll(Matcher.quoteReplacement(address) + "$2$3");
  }

  /** A literal IPv4 or IPv6 address (never a name: nothing here may look a name up). */
  private static boolean isAddress(String text) {
    if (text.contains(":")) {
      if (!text.matches("[0-9A-Fa-f:.]+")) {
        return false;
      }
      try {
        InetAddress.getByName(text);
        return true;
      } catch (UnknownHostException e) {
        return false;
      }
    }
    if (!text.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
      return false;
    }
    for (String octet : text.split("\\.")) {
      if (Integer.parseInt(octet) > 255) {
        return false;
      }
    }
    return true;
  }
}
