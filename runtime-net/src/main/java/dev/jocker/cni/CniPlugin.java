package dev.jocker.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jocker.cni.CniBackend.Addressing;
import dev.jocker.cni.CniBackend.Attached;
import dev.jocker.cni.CniBackend.Attachment;
import dev.jocker.cni.CniBackend.AttachmentKey;
import dev.jocker.cni.CniBackend.BridgeNetwork;
import dev.jocker.cni.CniBackend.RouteSpec;
import dev.jocker.ipam.Subnet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The jocker CNI plugin, whatever runs it (jockerd's endpoint or a JVM of its own): one call's
 * environment and standard input in, its standard output and exit code out. It never throws and
 * never prints a stack trace: every failure is the spec's error result with exit code 1.
 */
public final class CniPlugin {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The data directory when the configuration names none: jockerd's default data root, whose store
   * holds the CNI networks, their containers and leases beside jockerd's own.
   */
  public static final Path DEFAULT_DATA_DIR = Path.of("/var/lib/jocker");

  /**
   * What one call answers.
   *
   * @param exitCode 0 on success, 1 on error
   * @param stdout the result, the error result, or nothing (DEL, GC, STATUS)
   */
  public record Reply(int exitCode, byte[] stdout) {}

  private final Function<Path, CniBackend> backends;
  private final Delegate delegate;

  /**
   * A plugin attaching through the backend of each data directory ({@code backends} is given the
   * configuration's {@code dataDir}, or {@link #DEFAULT_DATA_DIR}) and delegating to other IPAM
   * plugins through {@code delegate}.
   */
  public CniPlugin(Function<Path, CniBackend> backends, Delegate delegate) {
    this.backends = backends;
    this.delegate = delegate;
  }

  /** Runs one call. */
  public Reply run(Map<String, String> environment, byte[] stdin) {
    String version = CniVersion.LATEST;
    try {
      CniEnvironment env = CniEnvironment.of(environment);
      if (env.command().equals("VERSION")) {
        return ok(CniResults.version(requestedVersion(stdin)));
      }
      JsonNode tree = NetConf.decode(stdin);
      String requested = tree.path("cniVersion").asText("");
      if (CniVersion.SUPPORTED.contains(requested)) {
        version = requested;
      }
      NetConf conf = NetConf.parse(tree, stdin);
      CniBackend backend =
          backends.apply(conf.dataDir() != null ? conf.dataDir() : DEFAULT_DATA_DIR);
      return switch (env.command()) {
        case "ADD" -> ok(add(env, conf, backend));
        case "DEL" -> {
          del(env, conf, backend);
          yield empty();
        }
        case "CHECK" -> {
          check(env, conf, backend);
          yield empty();
        }
        case "GC" -> {
          gc(env, conf, backend);
          yield empty();
        }
        case "STATUS" -> {
          status(env, conf, backend);
          yield empty();
        }
        default -> throw new IllegalStateException("unhandled command " + env.command());
      };
    } catch (CniException e) {
      return error(version, e);
    } catch (RuntimeException e) {
      return error(
          version,
          new CniException(
              CniException.INTERNAL, "internal error", String.valueOf(e.getMessage())));
    }
  }

  private static String requestedVersion(byte[] stdin) {
    try {
      JsonNode v = JSON.readTree(stdin).path("cniVersion");
      return v.isTextual() && !v.asText().isEmpty() ? v.asText() : CniVersion.LATEST;
    } catch (IOException | RuntimeException e) {
      return CniVersion.LATEST;
    }
  }

  private ObjectNode add(CniEnvironment env, NetConf conf, CniBackend backend) {
    requireNetworkNamespace(env.netns());
    BridgeNetwork network = network(conf);
    AttachmentKey key = key(env, conf);
    if (conf.ipam() instanceof NetConf.DelegatedIpam d) {
      CniResults.IpamAnswer answer =
          CniResults.ipamAnswer(d.type(), delegate.run(d.type(), "ADD", env, conf.raw()));
      Attached attached;
      try {
        attached =
            backend.attach(
                new Attachment(
                    key,
                    env.netns(),
                    network,
                    new Addressing(answer.address(), answer.prefixLength(), answer.gateway()),
                    routes(conf, answer.routes(), answer.gateway()),
                    containerName(env.args())));
      } catch (RuntimeException e) {
        // The spec: a failed ADD after the IPAM plugin's ADD runs its DEL before returning.
        try {
          delegate.run(d.type(), "DEL", env, conf.raw());
        } catch (RuntimeException undo) {
          e.addSuppressed(undo);
        }
        throw e;
      }
      return result(env, conf, attached, conf.dns() != null ? conf.dns() : answer.dns());
    }
    NetConf.JockerIpam pool = (NetConf.JockerIpam) conf.ipam();
    Attached attached =
        backend.attach(
            new Attachment(
                key,
                env.netns(),
                network,
                null,
                routes(conf, configured(pool), pool.gateway()),
                containerName(env.args())));
    return result(env, conf, attached, conf.dns());
  }

  /**
   * The container's name from CNI_ARGS, as Kubernetes runtimes and Podman pass it: {@code
   * K8S_POD_NAMESPACE/K8S_POD_NAME}, or the name alone where the two are the same (Podman gives its
   * container's name as both); null without {@code K8S_POD_NAME}.
   */
  static String containerName(String args) {
    Map<String, String> values = new java.util.HashMap<>();
    for (String pair : args.split(";")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        values.put(pair.substring(0, eq), pair.substring(eq + 1));
      }
    }
    String name = values.get("K8S_POD_NAME");
    if (name == null || name.isEmpty()) {
      return null;
    }
    String namespace = values.get("K8S_POD_NAMESPACE");
    return namespace == null || namespace.isEmpty() || namespace.equals(name)
        ? name
        : namespace + "/" + name;
  }

  private static ObjectNode result(
      CniEnvironment env, NetConf conf, Attached attached, ObjectNode dns) {
    return CniResults.add(
        conf.cniVersion(),
        conf.bridge(),
        conf.mtu(),
        env.ifname(),
        env.netns(),
        attached,
        dns,
        conf.prevResult());
  }

  private void del(CniEnvironment env, NetConf conf, CniBackend backend) {
    backend.detach(key(env, conf), network(conf));
    if (conf.ipam() instanceof NetConf.DelegatedIpam d) {
      delegate.run(d.type(), "DEL", env, conf.raw());
    }
  }

  private void check(CniEnvironment env, NetConf conf, CniBackend backend) {
    if (!CniVersion.atLeast(conf.cniVersion(), "0.4.0")) {
      throw new CniException(
          CniException.INCOMPATIBLE_VERSION,
          "incompatible CNI version",
          "CHECK came with cniVersion " + conf.cniVersion() + "; it exists from 0.4.0 on");
    }
    if (conf.prevResult() == null) {
      throw new CniException(
          CniException.INVALID_CONFIG,
          "invalid network configuration",
          "CHECK needs the ADD's result as prevResult");
    }
    requireNetworkNamespace(env.netns());
    String expected = CniResults.expectedAddress(conf.prevResult(), env.ifname(), env.netns());
    backend.check(key(env, conf), network(conf), expected);
    if (conf.ipam() instanceof NetConf.DelegatedIpam d) {
      delegate.run(d.type(), "CHECK", env, conf.raw());
    }
  }

  private void gc(CniEnvironment env, NetConf conf, CniBackend backend) {
    if (conf.validAttachments() == null) {
      throw new CniException(
          CniException.INVALID_CONFIG,
          "invalid network configuration",
          "GC needs cni.dev/valid-attachments, the attachments to keep");
    }
    Set<AttachmentKey> valid = new HashSet<>();
    for (NetConf.AttachmentId a : conf.validAttachments()) {
      valid.add(new AttachmentKey(conf.name(), a.containerId(), a.ifname()));
    }
    List<String> problems = new ArrayList<>(backend.gc(network(conf), valid));
    if (conf.ipam() instanceof NetConf.DelegatedIpam d) {
      try {
        delegate.run(d.type(), "GC", env, conf.raw());
      } catch (CniException e) {
        problems.add(e.details());
      }
    }
    if (!problems.isEmpty()) {
      throw new CniException(
          CniException.KERNEL_FAILURE,
          "garbage collection incomplete",
          "network " + conf.name() + ": " + String.join("; ", problems));
    }
  }

  private void status(CniEnvironment env, NetConf conf, CniBackend backend) {
    backend.status(network(conf));
    if (conf.ipam() instanceof NetConf.DelegatedIpam d) {
      delegate.run(d.type(), "STATUS", env, conf.raw());
    }
  }

  private static AttachmentKey key(CniEnvironment env, NetConf conf) {
    return new AttachmentKey(conf.name(), env.containerId(), env.ifname());
  }

  private static BridgeNetwork network(NetConf conf) {
    return new BridgeNetwork(
        conf.name(),
        conf.bridge(),
        conf.mtu(),
        conf.isGateway(),
        conf.ipMasq(),
        conf.hairpinMode(),
        conf.ipam() instanceof NetConf.JockerIpam p ? p : null);
  }

  /**
   * The routes to install: those configured (a route without {@code gw} goes via the gateway), or
   * with none configured and the gateway on the bridge, a default route via it; {@code
   * isDefaultGateway} adds the default route where the configured ones lack it.
   */
  static List<RouteSpec> routes(NetConf conf, List<RouteSpec> configured, Integer gateway) {
    List<RouteSpec> out = configured == null ? new ArrayList<>() : new ArrayList<>(configured);
    boolean noneGiven = configured == null || configured.isEmpty();
    boolean hasDefault = out.stream().anyMatch(r -> r.dst().prefixLength() == 0);
    if (gateway != null
        && !hasDefault
        && ((noneGiven && conf.isGateway()) || conf.isDefaultGateway())) {
      out.add(new RouteSpec(Subnet.parse("0.0.0.0/0"), gateway));
    }
    return List.copyOf(out);
  }

  /** jocker's IPAM's configured routes, a route without {@code gw} going via the gateway. */
  private static List<RouteSpec> configured(NetConf.JockerIpam pool) {
    if (pool.routes() == null) {
      return null;
    }
    return pool.routes().stream()
        .map(r -> new RouteSpec(r.dst(), r.gw() != null ? r.gw() : pool.gateway()))
        .toList();
  }

  /**
   * Refuses a CNI_NETNS that does not exist or is not a namespace file (one on nsfs, like {@code
   * /proc/PID/ns/net} or a bind mount of it in /run/netns): the spec's code 4, naming the variable.
   */
  static void requireNetworkNamespace(String netns) {
    Path path = Path.of(netns);
    try {
      Object dev = Files.getAttribute(path, "unix:dev");
      Object nsfs = Files.getAttribute(Path.of("/proc/self/ns/net"), "unix:dev");
      if (!dev.equals(nsfs)) {
        throw new CniException(
            CniException.INVALID_ENVIRONMENT,
            "invalid environment variables",
            "CNI_NETNS=" + netns + " is not a network namespace (not a file of nsfs)");
      }
    } catch (NoSuchFileException e) {
      throw new CniException(
          CniException.INVALID_ENVIRONMENT,
          "invalid environment variables",
          "CNI_NETNS=" + netns + " does not exist");
    } catch (IOException | UnsupportedOperationException e) {
      throw new CniException(
          CniException.INVALID_ENVIRONMENT,
          "invalid environment variables",
          "CNI_NETNS=" + netns + " cannot be read: " + e.getMessage());
    }
  }

  private static Reply ok(ObjectNode result) {
    try {
      return new Reply(0, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(result));
    } catch (IOException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  private static Reply empty() {
    return new Reply(0, new byte[0]);
  }

  private static Reply error(String version, CniException e) {
    try {
      return new Reply(
          1, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(CniResults.error(version, e)));
    } catch (IOException impossible) {
      throw new IllegalStateException("a JSON tree always serialises", impossible);
    }
  }
}
