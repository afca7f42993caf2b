package dev.jocker.container;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files Docker bind-mounts into every container: /etc/hosts, /etc/hostname, /etc/resolv.conf.
 */
public final class ContainerFiles {
  private ContainerFiles() {}

  /** Docker's /etc/hosts, ending with the container's address and hostname when it has one. */
  public static String hosts(String address, String hostname) {
    StringBuilder sb =
        new StringBuilder(
            "127.0.0.1\tlocalhost\n"
                + "::1\tlocalhost ip6-localhost ip6-loopback\n"
                + "fe00::0\tip6-localnet\n"
                + "ff00::0\tip6-mcastprefix\n"
                + "ff02::1\tip6-allnodes\n"
                + "ff02::2\tip6-allrouters\n");
    if (address != null) {
      sb.append(address).append('\t').append(hostname).append('\n');
    }
    return sb.toString();
  }

  /**
   * The host's resolv.conf without loopback nameservers (unreachable from a container's own
   * namespace); Docker's public fallback when none is left.
   */
  public static String resolvConf(String hostResolvConf) {
    List<String> lines = new ArrayList<>();
    boolean nameserver = false;
    for (String line : hostResolvConf.split("\n")) {
      String t = line.strip();
      if (t.startsWith("nameserver")) {
        String[] parts = t.split("\\s+");
        // Loopback resolvers are unreachable from the container's namespace, and IPv6 ones from a
        // bridge without IPv6.
        if (parts.length < 2 || parts[1].startsWith("127.") || parts[1].contains(":")) {
          continue;
        }
        nameserver = true;
      }
      lines.add(line);
    }
    if (!nameserver) {
      lines.add("nameserver 8.8.8.8");
      lines.add("nameserver 8.8.4.4");
    }
    return String.join("\n", lines).strip() + "\n";
  }

  /** The host's hostname. */
  public static String hostHostname() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    } catch (IOException e) {
      return "localhost";
    }
  }

  /**
   * For host networking, as Docker does: plain copies of the host's /etc/hosts and
   * /etc/resolv.conf, since the container shares the host's network and its resolvers.
   */
  public static void copyHostFiles(Path stateDir, String hostname) {
    try {
      for (String f : List.of("hosts", "resolv.conf")) {
        Path host = Path.of("/etc", f);
        Files.writeString(stateDir.resolve(f), Files.exists(host) ? Files.readString(host) : "");
      }
      Files.writeString(stateDir.resolve("hostname"), hostname + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("copy host files into " + stateDir, e);
    }
  }

  /** Writes the three files into {@code stateDir}. */
  public static void write(Path stateDir, String address, String hostname) {
    try {
      Files.writeString(stateDir.resolve("hosts"), hosts(address, hostname));
      Files.writeString(stateDir.resolve("hostname"), hostname + "\n");
      Path host = Path.of("/etc/resolv.conf");
      String hostConf = Files.exists(host) ? Files.readString(host) : "";
      Files.writeString(stateDir.resolve("resolv.conf"), resolvConf(hostConf));
    } catch (IOException e) {
      throw new UncheckedIOException("write container files in " + stateDir, e);
    }
  }
}
