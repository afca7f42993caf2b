package dev.jocker.dns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's /etc/resolv.conf as Docker 20.10 writes it, and where its embedded DNS forwards.
 *
 * <p>On the default bridge the container gets the host's file without loopback (and, with no IPv6,
 * IPv6) nameservers, Google's public servers when none is left. On a user-defined network it gets
 * {@code nameserver 127.0.0.11} and {@code options ndots:0}, and the embedded DNS forwards to what
 * the container would otherwise have used. {@code --dns}, {@code --dns-search} and {@code
 * --dns-option} replace the host's lines of their kind (and, on a user network, {@code --dns}
 * changes where the resolver forwards, not the file).
 */
public final class ResolvConf {
  /** Where the embedded DNS listens inside every container. */
  public static final String EMBEDDED_NAMESERVER = "127.0.0.11";

  /** The host's file. */
  public static final Path HOST_FILE = Path.of("/etc/resolv.conf");

  /** systemd-resolved's list of the real upstream servers. */
  public static final Path SYSTEMD_RESOLVED_FILE = Path.of("/run/systemd/resolve/resolv.conf");

  /** libnetwork's resolver forwards to at most this many servers. */
  public static final int MAX_UPSTREAMS = 3;

  private static final List<String> DEFAULT_IPV4 = List.of("8.8.8.8", "8.8.4.4");
  private static final List<String> DEFAULT_IPV6 =
      List.of("2001:4860:4860::8888", "2001:4860:4860::8844");

  private static final String IPV4_BLOCK = "(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)";
  private static final String IPV4 = "(" + IPV4_BLOCK + "\\.){3}" + IPV4_BLOCK;
  private static final String IPV6 = "([0-9A-Fa-f]{0,4}:){2,7}([0-9A-Fa-f]{0,4})(%\\w+)?";
  private static final String LOCALHOST = "((127\\.([0-9]{1,3}\\.){2}[0-9]{1,3})|(::1)$)";
  private static final Pattern LOCALHOST_NAMESERVER =
      Pattern.compile("(?m)^nameserver\\s+" + LOCALHOST + "\\s*\\n*");
  private static final Pattern IPV6_NAMESERVER =
      Pattern.compile("(?m)^nameserver\\s+" + IPV6 + "\\s*\\n*");
  private static final Pattern NAMESERVER =
      Pattern.compile("^\\s*nameserver\\s*((" + IPV4 + ")|(" + IPV6 + "))\\s*$");
  private static final Pattern IPV4_NAMESERVER =
      Pattern.compile("^\\s*nameserver\\s*((" + IPV4 + "))\\s*$");
  private static final Pattern IPV6_ONLY_NAMESERVER =
      Pattern.compile("^\\s*nameserver\\s*((" + IPV6 + "))\\s*$");
  private static final Pattern SEARCH = Pattern.compile("^\\s*search\\s*(([^\\s]+\\s*)*)$");
  private static final Pattern OPTIONS = Pattern.compile("^\\s*options\\s*(([^\\s]+\\s*)*)$");
  private static final Pattern LOOPBACK_V4 =
      Pattern.compile("127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}");

  private ResolvConf() {}

  /** Which addresses a nameserver lookup returns. */
  enum Kind {
    ANY,
    IPV4,
    IPV6
  }

  /**
   * A container's DNS options ({@code --dns}, {@code --dns-search}, {@code --dns-option}, or the
   * daemon's defaults for them), empty lists when not given.
   */
  public record DnsSettings(List<String> servers, List<String> search, List<String> options) {
    /** No option given. */
    public static final DnsSettings NONE = new DnsSettings(List.of(), List.of(), List.of());

    public DnsSettings {
      servers = List.copyOf(servers);
      search = List.copyOf(search);
      options = List.copyOf(options);
    }

    boolean any() {
      return !servers.isEmpty() || !search.isEmpty() || !options.isEmpty();
    }
  }

  /**
   * A container on a user-defined network.
   *
   * @param content its /etc/resolv.conf
   * @param upstreams where its embedded DNS forwards, at most {@link #MAX_UPSTREAMS}
   * @param ndotsSet whether its options set {@code ndots} themselves (the resolver then answers a
   *     single-label name it does not hold with an empty answer instead of forwarding it)
   */
  public record Embedded(String content, List<Upstream> upstreams, boolean ndotsSet) {
    public Embedded {
      upstreams = List.copyOf(upstreams);
    }
  }

  /**
   * The host file Docker copies for the default bridge: systemd-resolved's list of real servers
   * when {@code etcResolvConf} names only its stub 127.0.0.53, else {@code etcResolvConf} itself.
   */
  public static Path defaultBridgeSource(Path etcResolvConf, Path systemdResolvedFile) {
    String content = readOrEmpty(etcResolvConf);
    List<String> servers = nameservers(content, Kind.ANY);
    if (servers.size() == 1 && servers.get(0).equals("127.0.0.53")) {
      return systemdResolvedFile;
    }
    return etcResolvConf;
  }

  /** The file at {@code path}, or empty text when there is none (Docker then uses its defaults). */
  public static String readOrEmpty(Path path) {
    try {
      return Files.exists(path) ? Files.readString(path) : "";
    } catch (IOException e) {
      throw new UncheckedIOException("read " + path, e);
    }
  }

  /**
   * The resolv.conf of a container on the default bridge (no embedded DNS), from the host's file
   * ({@link #defaultBridgeSource}) and the container's options.
   */
  public static String forDefaultBridge(String hostResolvConf, DnsSettings settings) {
    return base(hostResolvConf, settings);
  }

  /**
   * The resolv.conf of a container on a user-defined network and where its embedded DNS forwards,
   * from the host's /etc/resolv.conf itself (a loopback server there is asked from the host's
   * namespace) and the container's options.
   */
  public static Embedded forEmbeddedDns(String hostResolvConf, DnsSettings settings) {
    String base = base(hostResolvConf, settings);
    List<Upstream> upstreams = new ArrayList<>();
    if (settings.any()) {
      // What the container would have used without the resolver; a loopback address given with
      // --dns is the container's own loopback, asked from its namespace.
      nameservers(base, Kind.IPV4).forEach(s -> upstreams.add(Upstream.of(s, false)));
    } else {
      nameservers(hostResolvConf, Kind.IPV4)
          .forEach(s -> upstreams.add(Upstream.of(s, LOOPBACK_V4.matcher(s).matches())));
      if (upstreams.isEmpty()) {
        nameservers(base, Kind.IPV4).forEach(s -> upstreams.add(Upstream.of(s, false)));
      }
    }
    List<String> servers = new ArrayList<>(List.of(EMBEDDED_NAMESERVER));
    servers.addAll(nameservers(base, Kind.IPV6));
    List<String> options = new ArrayList<>(options(base));
    boolean ndotsSet = false;
    for (String option : options) {
      if (option.contains("ndots")) {
        String[] parts = option.split(":", -1);
        if (parts.length != 2) {
          throw new IllegalArgumentException("invalid ndots option " + option);
        }
        int n;
        try {
          n = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("invalid number for ndots option: " + parts[1], e);
        }
        if (n < 0) {
          throw new IllegalArgumentException("invalid number for ndots option: " + n);
        }
        ndotsSet = true;
        break;
      }
    }
    if (!ndotsSet) {
      // Container names are single labels: with ndots:0 they are asked as they are, first.
      options.add("ndots:0");
    }
    return new Embedded(
        build(servers, search(base), options),
        upstreams.subList(0, Math.min(MAX_UPSTREAMS, upstreams.size())),
        ndotsSet);
  }

  /**
   * The file every container starts from: the host's with loopback and IPv6 nameservers removed (a
   * container has its own loopback and jocker's networks have no IPv6), or, with any option given,
   * a new file of the options and the host's lines for the options not given.
   */
  private static String base(String host, DnsSettings settings) {
    if (settings.any()) {
      return build(
          settings.servers().isEmpty() ? nameservers(host, Kind.ANY) : settings.servers(),
          settings.search().isEmpty() ? search(host) : settings.search(),
          settings.options().isEmpty() ? options(host) : settings.options());
    }
    // Docker filters twice: at sandbox creation keeping IPv6 servers, then at the join of a
    // network without IPv6 dropping them; the public fallback comes from whichever leaves none.
    return filter(filter(host, true), false);
  }

  /** libnetwork's FilterResolvDNS. */
  static String filter(String content, boolean ipv6) {
    String cleaned = LOCALHOST_NAMESERVER.matcher(content).replaceAll("");
    if (!ipv6) {
      cleaned = IPV6_NAMESERVER.matcher(cleaned).replaceAll("");
    }
    if (nameservers(cleaned, Kind.ANY).isEmpty()) {
      List<String> fallback = new ArrayList<>(DEFAULT_IPV4);
      if (ipv6) {
        fallback.addAll(DEFAULT_IPV6);
      }
      cleaned += "\n" + String.join("\n", fallback.stream().map(s -> "nameserver " + s).toList());
    }
    return cleaned;
  }

  /** libnetwork's Build: search, nameservers, options, one line each kind. */
  static String build(List<String> servers, List<String> search, List<String> options) {
    StringBuilder sb = new StringBuilder();
    String searchLine = String.join(" ", search);
    if (!search.isEmpty() && !searchLine.strip().equals(".")) {
      sb.append("search ").append(searchLine).append('\n');
    }
    for (String s : servers) {
      sb.append("nameserver ").append(s).append('\n');
    }
    String optionsLine = String.join(" ", options);
    if (!options.isEmpty() && !optionsLine.strip().isEmpty()) {
      sb.append("options ").append(optionsLine).append('\n');
    }
    return sb.toString();
  }

  /** The nameservers of {@code content} of {@code kind}, in order. */
  static List<String> nameservers(String content, Kind kind) {
    Pattern p =
        switch (kind) {
          case ANY -> NAMESERVER;
          case IPV4 -> IPV4_NAMESERVER;
          case IPV6 -> IPV6_ONLY_NAMESERVER;
        };
    List<String> out = new ArrayList<>();
    for (String line : lines(content)) {
      Matcher m = p.matcher(line);
      if (m.matches()) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  /** The domains of the last {@code search} line. */
  static List<String> search(String content) {
    return lastFields(content, SEARCH);
  }

  /** The options of the last {@code options} line. */
  static List<String> options(String content) {
    return lastFields(content, OPTIONS);
  }

  private static List<String> lastFields(String content, Pattern p) {
    List<String> fields = List.of();
    for (String line : lines(content)) {
      Matcher m = p.matcher(line);
      if (m.matches()) {
        String value = m.group(1).strip();
        fields = value.isEmpty() ? List.of() : Arrays.asList(value.split("\\s+"));
      }
    }
    return fields;
  }

  /** Lines without their comments. */
  private static List<String> lines(String content) {
    List<String> out = new ArrayList<>();
    for (String line : content.split("\n", -1)) {
      int hash = line.indexOf('#');
      out.add(hash < 0 ? line : line.substring(0, hash));
    }
    return out;
  }
}
