package dev.jocker.engine;

import dev.jocker.dns.EtcHosts;
import dev.jocker.dns.ResolvConf;
import dev.jocker.store.ContainerNetworking;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's /etc/hosts, /etc/hostname and /etc/resolv.conf as Docker 20.10's sandbox writes
 * them: hosts from the defaults, {@code --add-host} and {@code --link} entries, then a line for the
 * container's own address at each network it joins (a later join appends one, a leave removes
 * none); resolv.conf pointing at the embedded DNS once the container is on a user-defined network,
 * else the host's as Docker copies it for the default bridge. Files are rewritten in place: the
 * container binds them, and a new file would not be the one it sees.
 */
final class EtcFiles {
  /**
   * A running container that a {@code --link} on the default bridge points at.
   *
   * @param alias the link's alias
   * @param name its name
   * @param hostname its hostname
   * @param address its address on the default bridge
   * @param env its configured environment
   */
  record LinkedChild(
      String alias, String name, String hostname, String address, List<String> env) {}

  private EtcFiles() {}

  /**
   * /etc/hosts at a start: the defaults, {@code --add-host}, the links, then the container's own
   * line for each of {@code addresses}, in the order its endpoints joined.
   */
  static String hosts(
      ContainerNetworking n,
      String hostname,
      List<String> addresses,
      List<LinkedChild> children,
      String hostGateway) {
    List<EtcHosts.Entry> extra = new ArrayList<>();
    for (String host : n.extraHosts()) {
      extra.add(EtcHosts.addHost(host, hostGateway));
    }
    for (LinkedChild child : children) {
      extra.add(EtcHosts.link(child.alias(), child.hostname(), child.name(), child.address()));
    }
    String file = EtcHosts.build(extra);
    for (String address : addresses) {
      file = EtcHosts.append(file, EtcHosts.self(address, hostname, n.domainname()));
    }
    return file;
  }

  /**
   * /etc/resolv.conf: the embedded DNS's when the container is on a user-defined network ({@code
   * embedded}), the default bridge's copy of the host's otherwise; both with the container's {@code
   * --dns*} options.
   */
  static String resolvConf(ContainerNetworking n, boolean embedded) {
    ResolvConf.DnsSettings settings = Networking.dnsSettings(n);
    if (embedded) {
      return ResolvConf.forEmbeddedDns(ResolvConf.readOrEmpty(ResolvConf.HOST_FILE), settings)
          .content();
    }
    Path source =
        ResolvConf.defaultBridgeSource(ResolvConf.HOST_FILE, ResolvConf.SYSTEMD_RESOLVED_FILE);
    return ResolvConf.forDefaultBridge(ResolvConf.readOrEmpty(source), settings);
  }

  /** Writes the three files of a start into {@code dir}. */
  static void write(Path dir, String hosts, String hostname, String resolvConf) {
    try {
      Files.createDirectories(dir);
      rewrite(dir.resolve("hosts"), hosts);
      rewrite(dir.resolve("hostname"), hostname + "\n");
      rewrite(dir.resolve("resolv.conf"), resolvConf);
    } catch (IOException e) {
      throw new UncheckedIOException("write the /etc files of the container in " + dir, e);
    }
  }

  /** A join of a running container: its line for {@code address} appended to its hosts file. */
  static void appendSelf(Path dir, String address, String hostname, String domainname) {
    Path hosts = dir.resolve("hosts");
    try {
      String file = Files.exists(hosts) ? Files.readString(hosts) : EtcHosts.build(List.of());
      rewrite(hosts, EtcHosts.append(file, EtcHosts.self(address, hostname, domainname)));
    } catch (IOException e) {
      throw new UncheckedIOException("add " + address + " to " + hosts, e);
    }
  }

  /** The container's resolv.conf replaced, in place, by {@code content}. */
  static void rewriteResolvConf(Path dir, String content) {
    Path file = dir.resolve("resolv.conf");
    try {
      rewrite(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException("rewrite " + file, e);
    }
  }

  /** Whether the container's resolv.conf already points at the embedded DNS. */
  static boolean pointsAtEmbeddedDns(Path dir) {
    try {
      Path file = dir.resolve("resolv.conf");
      return Files.exists(file)
          && Files.readString(file)
              .lines()
              .anyMatch(l -> l.strip().equals("nameserver " + ResolvConf.EMBEDDED_NAMESERVER));
    } catch (IOException e) {
      throw new UncheckedIOException("read " + dir.resolve("resolv.conf"), e);
    }
  }

  /** Truncates and writes {@code file}, keeping its inode (the container's bind mount of it). */
  private static void rewrite(Path file, String content) throws IOException {
    Files.writeString(file, content);
  }
}
