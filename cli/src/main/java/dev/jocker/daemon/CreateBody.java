package dev.jocker.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jocker.engine.CreateRequest;
import dev.jocker.portmap.HostBinding;
import dev.jocker.portmap.PortConfig;
import dev.jocker.portmap.PortSpecs;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * {@code POST /containers/create}: every field of Docker's {@code Config}, {@code HostConfig} and
 * {@code NetworkingConfig} is either honoured or, when set to anything but its zero value, refused
 * with a 400 naming the CLI option and the field. Nothing is accepted and dropped.
 *
 * @param request what the engine is asked for
 * @param labels {@code Config.Labels}
 * @param autoRemove {@code HostConfig.AutoRemove}
 * @param network the network the container joins ({@code bridge} for the default)
 */
record CreateBody(
    CreateRequest request, Map<String, String> labels, boolean autoRemove, String network) {

  /** Docker's container name pattern (with an optional leading slash). */
  static final Pattern NAME = Pattern.compile("/?[a-zA-Z0-9][a-zA-Z0-9_.-]+");

  /** A host name of RFC 1123 labels, as Docker validates {@code --hostname}. */
  static final Pattern HOSTNAME =
      Pattern.compile(
          "[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*");

  /** Config fields jocker does not do yet, with the option that sets each. */
  private static final Map<String, String> CONFIG_REFUSED =
      options(
          "Domainname", "--domainname",
          "Healthcheck", "--health-cmd",
          "Volumes", "-v, --volume",
          "NetworkDisabled", "--network-disabled",
          "MacAddress", "--mac-address",
          "OnBuild", "ONBUILD",
          "StopSignal", "--stop-signal",
          "StopTimeout", "--stop-timeout",
          "Shell", "SHELL");

  private static final Map<String, String> HOST_REFUSED =
      options(
          "Binds", "-v, --volume",
          "VolumeDriver", "--volume-driver",
          "VolumesFrom", "--volumes-from",
          "Dns", "--dns",
          "DnsOptions", "--dns-option",
          "DnsSearch", "--dns-search",
          "ExtraHosts", "--add-host",
          "GroupAdd", "--group-add",
          "Cgroup", "--cgroup",
          "Links", "--link",
          "OomScoreAdj", "--oom-score-adj",
          "ReadonlyRootfs", "--read-only",
          "StorageOpt", "--storage-opt",
          "Tmpfs", "--tmpfs",
          "UsernsMode", "--userns",
          "ShmSize", "--shm-size",
          "Sysctls", "--sysctl",
          "Isolation", "--isolation",
          "CgroupParent", "--cgroup-parent",
          "BlkioWeight", "--blkio-weight",
          "BlkioWeightDevice", "--blkio-weight-device",
          "BlkioDeviceReadBps", "--device-read-bps",
          "BlkioDeviceWriteBps", "--device-write-bps",
          "BlkioDeviceReadIOps", "--device-read-iops",
          "BlkioDeviceWriteIOps", "--device-write-iops",
          "CpuPeriod", "--cpu-period",
          "CpuQuota", "--cpu-quota",
          "CpuRealtimePeriod", "--cpu-rt-period",
          "CpuRealtimeRuntime", "--cpu-rt-runtime",
          "CpusetCpus", "--cpuset-cpus",
          "CpusetMems", "--cpuset-mems",
          "Devices", "--device",
          "DeviceCgroupRules", "--device-cgroup-rule",
          "DeviceRequests", "--gpus",
          "KernelMemory", "--kernel-memory",
          "KernelMemoryTCP", "--kernel-memory-tcp",
          "MemoryReservation", "--memory-reservation",
          "OomKillDisable", "--oom-kill-disable",
          "Ulimits", "--ulimit",
          "CpuCount", "--cpu-count",
          "CpuPercent", "--cpu-percent",
          "IOMaximumIOps", "--io-maxiops",
          "IOMaximumBandwidth", "--io-maxbandwidth",
          "Mounts", "--mount",
          "Init", "--init");

  private static Map<String, String> options(String... pairs) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return m;
  }

  private static IllegalArgumentException unsupported(String option, String field, String why) {
    return new IllegalArgumentException(
        option + " (" + field + ") is not supported by jocker" + (why == null ? "" : ": " + why));
  }

  /** Reads and checks the body; {@code name} is the query's, null when none was given. */
  static CreateBody parse(JsonNode root, String name) {
    if (root == null || root.isNull()) {
      throw new IllegalArgumentException("Config cannot be empty in order to create a container");
    }
    JsonNode body = Bodies.object(root, "the container configuration");
    if (name != null && !name.isEmpty() && !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "Invalid container name (" + name + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
    }
    String image = Bodies.string(body, "Image", "Image");
    if (image.isEmpty()) {
      throw new IllegalArgumentException("Config cannot be empty in order to create a container");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String option = CONFIG_REFUSED.get(f.getKey());
      if (option != null && !Bodies.zero(f.getValue())) {
        throw unsupported(option, "Config." + f.getKey(), null);
      }
    }
    String hostname = Bodies.string(body, "Hostname", "Hostname");
    if (!hostname.isEmpty() && (hostname.length() > 255 || !HOSTNAME.matcher(hostname).matches())) {
      throw new IllegalArgumentException(
          "invalid hostname format: " + hostname.replace("\n", "\\n") + " (RFC 1123)");
    }
    List<String> env = Bodies.strings(body, "Env", "Env");
    for (String e : env) {
      if (e.indexOf('=') == 0 || e.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("invalid environment variable: " + e);
      }
    }
    List<String> cmd = Bodies.strSlice(body, "Cmd", "Cmd");
    JsonNode entrypointNode = body.get("Entrypoint");
    List<String> entrypoint =
        entrypointNode == null || entrypointNode.isNull()
            ? null
            : Bodies.strSlice(body, "Entrypoint", "Entrypoint");
    CreateRequest.Process process =
        new CreateRequest.Process(
            Bodies.string(body, "User", "User"), Bodies.string(body, "WorkingDir", "WorkingDir"));
    boolean tty = Bodies.bool(body, "Tty", "Tty");
    boolean openStdin = Bodies.bool(body, "OpenStdin", "OpenStdin");
    for (String f :
        List.of("AttachStdin", "AttachStdout", "AttachStderr", "StdinOnce", "ArgsEscaped")) {
      Bodies.bool(body, f, f);
    }
    Map<String, String> labels = Bodies.stringMap(body, "Labels", "Labels");

    TreeSet<String> exposed = exposedPorts(body);
    TreeMap<String, List<HostBinding>> portBindings = new TreeMap<>();
    boolean publishAll = false;

    JsonNode host = Bodies.objectField(body, "HostConfig", "HostConfig");
    String network = "default";
    boolean autoRemove = false;
    CreateRequest.Security security = CreateRequest.Security.DEFAULT;
    CreateRequest.Resources resources = CreateRequest.Resources.NONE;
    CreateRequest.Restart restart = CreateRequest.Restart.NO;
    if (host != null) {
      for (Iterator<Map.Entry<String, JsonNode>> it = host.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        String option = HOST_REFUSED.get(f.getKey());
        if (option != null && !Bodies.zero(f.getValue())) {
          throw unsupported(option, "HostConfig." + f.getKey(), null);
        }
      }
      network = Bodies.string(host, "NetworkMode", "HostConfig.NetworkMode");
      if (network.isEmpty()) {
        network = "default";
      }
      if (network.startsWith("container:")) {
        throw unsupported("--network container:", "HostConfig.NetworkMode", null);
      }
      autoRemove = Bodies.bool(host, "AutoRemove", "HostConfig.AutoRemove");
      portBindings = portBindings(host);
      publishAll = Bodies.bool(host, "PublishAllPorts", "HostConfig.PublishAllPorts");
      Bodies.string(host, "ContainerIDFile", "HostConfig.ContainerIDFile");
      JsonNode log = Bodies.objectField(host, "LogConfig", "HostConfig.LogConfig");
      if (log != null) {
        String type = Bodies.string(log, "Type", "HostConfig.LogConfig.Type");
        if (!type.isEmpty() && !type.equals("json-file")) {
          throw unsupported("--log-driver " + type, "HostConfig.LogConfig.Type", "use json-file");
        }
        if (!Bodies.stringMap(log, "Config", "HostConfig.LogConfig.Config").isEmpty()) {
          throw unsupported("--log-opt", "HostConfig.LogConfig.Config", null);
        }
      }
      JsonNode policy = Bodies.objectField(host, "RestartPolicy", "HostConfig.RestartPolicy");
      if (policy != null) {
        restart =
            new CreateRequest.Restart(
                Bodies.string(policy, "Name", "HostConfig.RestartPolicy.Name"),
                (int)
                    Bodies.integer(
                        policy, "MaximumRetryCount", "HostConfig.RestartPolicy.MaximumRetryCount"));
      }
      security =
          new CreateRequest.Security(
              Bodies.strings(host, "CapAdd", "HostConfig.CapAdd"),
              Bodies.strings(host, "CapDrop", "HostConfig.CapDrop"),
              Bodies.bool(host, "Privileged", "HostConfig.Privileged"),
              Bodies.strings(host, "SecurityOpt", "HostConfig.SecurityOpt"));
      JsonNode pids = host.get("PidsLimit");
      resources =
          new CreateRequest.Resources(
              Bodies.integer(host, "Memory", "HostConfig.Memory"),
              Bodies.integer(host, "MemorySwap", "HostConfig.MemorySwap"),
              Bodies.integer(host, "NanoCpus", "HostConfig.NanoCpus"),
              Bodies.integer(host, "CpuShares", "HostConfig.CpuShares"),
              pids == null || pids.isNull()
                  ? null
                  : Bodies.integer(host, "PidsLimit", "HostConfig.PidsLimit"));
      JsonNode console = host.get("ConsoleSize");
      if (console != null && !console.isNull()) {
        if (!console.isArray()
            || console.size() != 2
            || !console.get(0).canConvertToInt()
            || !console.get(1).canConvertToInt()) {
          throw Bodies.wrong("HostConfig.ConsoleSize", "[height, width]", console);
        }
      }
      modes(host, "CgroupnsMode", "--cgroupns", "private");
      modes(host, "IpcMode", "--ipc", "private", "shareable");
      modes(host, "PidMode", "--pid");
      modes(host, "UTSMode", "--uts");
      modes(host, "Runtime", "--runtime", "runc");
      JsonNode swappiness = host.get("MemorySwappiness");
      if (swappiness != null
          && !swappiness.isNull()
          && !(swappiness.isIntegralNumber() && swappiness.asLong() == -1)) {
        throw unsupported("--memory-swappiness", "HostConfig.MemorySwappiness", null);
      }
      Bodies.strings(host, "MaskedPaths", "HostConfig.MaskedPaths");
      Bodies.strings(host, "ReadonlyPaths", "HostConfig.ReadonlyPaths");
    }
    if (autoRemove && !restart.name().equals("no")) {
      throw new IllegalArgumentException("can't create 'AutoRemove' container with restart policy");
    }
    String ip = null;
    JsonNode networking = Bodies.objectField(body, "NetworkingConfig", "NetworkingConfig");
    if (networking != null) {
      JsonNode endpoints =
          Bodies.objectField(networking, "EndpointsConfig", "NetworkingConfig.EndpointsConfig");
      if (endpoints != null && endpoints.size() > 1) {
        throw new IllegalArgumentException(
            "Container cannot be connected to network endpoints: "
                + String.join(", ", iterable(endpoints.fieldNames())));
      }
      if (endpoints != null && endpoints.size() == 1) {
        Map.Entry<String, JsonNode> e = endpoints.fields().next();
        String path = "NetworkingConfig.EndpointsConfig." + e.getKey();
        JsonNode endpoint = Bodies.objectField(endpoints, e.getKey(), path);
        if (endpoint != null) {
          ip = endpoint(endpoint, path);
        }
      }
    }
    CreateRequest request =
        new CreateRequest(
            name == null || name.isEmpty() ? null : name.startsWith("/") ? name.substring(1) : name,
            image,
            cmd,
            env,
            network.equals("default") ? null : network,
            ip,
            hostname.isEmpty() ? null : hostname,
            tty,
            openStdin,
            false,
            entrypoint,
            process,
            security,
            resources,
            restart,
            new PortConfig(exposed, portBindings),
            publishAll);
    return new CreateBody(
        request, labels, autoRemove, network.equals("default") ? "bridge" : network);
  }

  /** {@code Config.ExposedPorts}: an object whose keys are ports, {@code {"80/tcp": {}}}. */
  private static TreeSet<String> exposedPorts(JsonNode body) {
    TreeSet<String> out = new TreeSet<>();
    JsonNode exposed = Bodies.objectField(body, "ExposedPorts", "Config.ExposedPorts");
    if (exposed != null) {
      for (Iterator<Map.Entry<String, JsonNode>> it = exposed.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        Bodies.objectField(exposed, e.getKey(), "Config.ExposedPorts." + e.getKey());
        out.add(e.getKey());
      }
    }
    return out;
  }

  /**
   * {@code HostConfig.PortBindings}: for each container port, a list of {@code {"HostIp",
   * "HostPort"}}; checked as dockerd's {@code validatePortBindings} checks what no client parsed.
   */
  private static TreeMap<String, List<HostBinding>> portBindings(JsonNode host) {
    TreeMap<String, List<HostBinding>> out = new TreeMap<>();
    JsonNode bindings = Bodies.objectField(host, "PortBindings", "HostConfig.PortBindings");
    if (bindings == null) {
      return out;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = bindings.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String path = "HostConfig.PortBindings." + e.getKey();
      List<HostBinding> list = new ArrayList<>();
      if (!e.getValue().isNull()) {
        if (!e.getValue().isArray()) {
          throw Bodies.wrong(path, "a list of port bindings", e.getValue());
        }
        for (JsonNode b : e.getValue()) {
          if (!b.isObject()) {
            throw Bodies.wrong(path + "[]", "an object", b);
          }
          list.add(
              new HostBinding(
                  Bodies.string(b, "HostIp", path + "[].HostIp"),
                  Bodies.string(b, "HostPort", path + "[].HostPort")));
        }
      }
      out.put(e.getKey(), list);
    }
    PortSpecs.validate(out);
    return out;
  }

  /** One endpoint's settings: the IPv4 address is honoured, the rest refused. */
  private static String endpoint(JsonNode endpoint, String path) {
    Map<String, String> refused =
        options(
            "Links", "--link",
            "Aliases", "--network-alias",
            "MacAddress", "--mac-address",
            "DriverOpts", "--driver-opt",
            "IPv6Gateway", "--ip6",
            "GlobalIPv6Address", "--ip6");
    for (Map.Entry<String, String> r : refused.entrySet()) {
      if (!Bodies.zero(endpoint.get(r.getKey()))) {
        throw unsupported(r.getValue(), path + "." + r.getKey(), null);
      }
    }
    JsonNode ipam = Bodies.objectField(endpoint, "IPAMConfig", path + ".IPAMConfig");
    if (ipam == null) {
      return null;
    }
    if (!Bodies.zero(ipam.get("IPv6Address"))) {
      throw unsupported("--ip6", path + ".IPAMConfig.IPv6Address", null);
    }
    if (!Bodies.zero(ipam.get("LinkLocalIPs"))) {
      throw unsupported("--link-local-ip", path + ".IPAMConfig.LinkLocalIPs", null);
    }
    String ip = Bodies.string(ipam, "IPv4Address", path + ".IPAMConfig.IPv4Address");
    return ip.isEmpty() ? null : ip;
  }

  /** A namespace mode: empty or one of {@code allowed}; anything else is refused. */
  private static void modes(JsonNode host, String field, String option, String... allowed) {
    String v = Bodies.string(host, field, "HostConfig." + field);
    if (!v.isEmpty() && !List.of(allowed).contains(v)) {
      throw unsupported(option + " " + v, "HostConfig." + field, null);
    }
  }

  private static <T> Iterable<T> iterable(Iterator<T> it) {
    return () -> it;
  }
}
