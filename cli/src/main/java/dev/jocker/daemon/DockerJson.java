package dev.jocker.daemon;

import dev.jocker.container.HumanTime;
import dev.jocker.doctor.Finding;
import dev.jocker.engine.ContainerInfo;
import dev.jocker.engine.ContainerStats;
import dev.jocker.engine.EndpointInfo;
import dev.jocker.engine.ImageInfo;
import dev.jocker.engine.NetworkInfo;
import dev.jocker.portmap.HostBinding;
import dev.jocker.portmap.PortSummary;
import dev.jocker.portmap.PortViews;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Engine records in the JSON shapes of the Docker Engine API v1.41, field order as Docker's. */
final class DockerJson {
  static final String ZERO_TIME = "0001-01-01T00:00:00Z";

  private DockerJson() {}

  /** An item of {@code GET /containers/json}. */
  static Map<String, Object> summary(ContainerInfo c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", c.id());
    m.put("Names", List.of("/" + c.name()));
    m.put("Image", c.image());
    m.put("ImageID", c.imageId());
    m.put("Command", commandLine(c));
    m.put("Created", c.created().getEpochSecond());
    m.put("Ports", portSummaries(c));
    m.put("Labels", Map.of());
    m.put("State", c.state().status());
    m.put("Status", status(c, Instant.now()));
    m.put(
        "HostConfig",
        Map.of("NetworkMode", c.networkMode().equals("bridge") ? "default" : c.networkMode()));
    m.put("NetworkSettings", Map.of("Networks", networks(c)));
    m.put("Mounts", List.of());
    return m;
  }

  /**
   * Docker's {@code Ports} of {@code /containers/json}: {@code IP} and {@code PublicPort} left out
   * for a port that is only exposed, as Go's {@code omitempty} does.
   */
  private static List<Map<String, Object>> portSummaries(ContainerInfo c) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (PortSummary p : PortViews.summaries(c.ports())) {
      Map<String, Object> m = new LinkedHashMap<>();
      if (!p.ip().isEmpty()) {
        m.put("IP", p.ip());
      }
      m.put("PrivatePort", p.privatePort());
      if (p.publicPort() != 0) {
        m.put("PublicPort", p.publicPort());
      }
      m.put("Type", p.type());
      out.add(m);
    }
    return out;
  }

  /** A port map ({@code PortBindings}, {@code NetworkSettings.Ports}) in Docker's JSON. */
  private static Map<String, Object> bindings(Map<String, List<HostBinding>> ports) {
    Map<String, Object> out = new LinkedHashMap<>();
    ports.forEach(
        (port, list) -> {
          if (list == null) {
            out.put(port, null);
            return;
          }
          List<Map<String, Object>> bindings = new ArrayList<>();
          for (HostBinding b : list) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("HostIp", b.hostIp());
            m.put("HostPort", b.hostPort());
            bindings.add(m);
          }
          out.put(port, bindings);
        });
    return out;
  }

  /** Docker's Command column source: path and arguments, those with spaces single-quoted. */
  static String commandLine(ContainerInfo c) {
    List<String> words = new ArrayList<>();
    words.add(c.path());
    for (String a : c.args()) {
      words.add(a.contains(" ") || a.isEmpty() ? "'" + a + "'" : a);
    }
    return String.join(" ", words);
  }

  static String status(ContainerInfo c, Instant now) {
    ContainerInfo.State s = c.state();
    return HumanTime.status(
        s.status(),
        s.exitCode(),
        s.startedAt() == null ? Duration.ZERO : Duration.between(s.startedAt(), now),
        s.finishedAt() == null ? Duration.ZERO : Duration.between(s.finishedAt(), now));
  }

  /** {@code GET /containers/{id}/json}. */
  static Map<String, Object> inspect(ContainerInfo c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", c.id());
    m.put("Created", c.created().toString());
    m.put("Path", c.path());
    m.put("Args", c.args());
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("Status", c.state().status());
    state.put("Running", c.state().running() || c.state().restarting());
    state.put("Paused", c.state().paused());
    state.put("Restarting", c.state().restarting());
    state.put("OOMKilled", c.state().oomKilled());
    state.put("Dead", false);
    state.put("Pid", c.state().pid());
    state.put("ExitCode", c.state().exitCode());
    state.put("Error", c.state().error());
    state.put(
        "StartedAt", c.state().startedAt() == null ? ZERO_TIME : c.state().startedAt().toString());
    state.put(
        "FinishedAt",
        c.state().finishedAt() == null ? ZERO_TIME : c.state().finishedAt().toString());
    m.put("State", state);
    m.put("Image", c.imageId());
    m.put("ResolvConfPath", c.resolvConfPath());
    m.put("HostnamePath", c.hostnamePath());
    m.put("HostsPath", c.hostsPath());
    m.put("LogPath", c.logPath());
    m.put("Name", "/" + c.name());
    m.put("RestartCount", c.restartCount());
    m.put("Driver", "overlay");
    m.put("Platform", "linux");
    Map<String, Object> hostConfig = new LinkedHashMap<>();
    ContainerInfo.Spec spec = c.spec();
    hostConfig.put("LogConfig", mapOf("Type", "json-file", "Config", Map.of()));
    hostConfig.put("NetworkMode", c.networkMode().equals("bridge") ? "default" : c.networkMode());
    hostConfig.put("PortBindings", bindings(c.portBindings()));
    hostConfig.put(
        "RestartPolicy",
        mapOf("Name", spec.restartPolicy(), "MaximumRetryCount", spec.restartRetries()));
    hostConfig.put("AutoRemove", c.autoRemove());
    hostConfig.put("CapAdd", spec.capAdd().isEmpty() ? null : spec.capAdd());
    hostConfig.put("CapDrop", spec.capDrop().isEmpty() ? null : spec.capDrop());
    hostConfig.put("CgroupnsMode", "host");
    hostConfig.put("IpcMode", "private");
    hostConfig.put("PidMode", "");
    hostConfig.put("Privileged", spec.privileged());
    hostConfig.put("PublishAllPorts", c.publishAllPorts());
    hostConfig.put("ReadonlyRootfs", false);
    hostConfig.put("SecurityOpt", spec.securityOpt().isEmpty() ? null : spec.securityOpt());
    hostConfig.put("UTSMode", "");
    hostConfig.put("ShmSize", 67108864);
    hostConfig.put("CpuShares", spec.cpuShares());
    hostConfig.put("Memory", spec.memory());
    hostConfig.put("NanoCpus", spec.nanoCpus());
    hostConfig.put("CgroupParent", "");
    hostConfig.put("CpuPeriod", 0);
    hostConfig.put("CpuQuota", 0);
    hostConfig.put("MemorySwap", spec.memorySwap());
    hostConfig.put("PidsLimit", spec.pidsLimit());
    if (!spec.privileged()) {
      hostConfig.put("MaskedPaths", MASKED_PATHS);
      hostConfig.put("ReadonlyPaths", READONLY_PATHS);
    }
    m.put("HostConfig", hostConfig);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("Hostname", c.hostname());
    config.put("Domainname", "");
    config.put("User", spec.user());
    if (!c.exposedPorts().isEmpty()) {
      Map<String, Object> exposed = new LinkedHashMap<>();
      c.exposedPorts().forEach(p -> exposed.put(p, Map.of()));
      config.put("ExposedPorts", exposed);
    }
    config.put("Tty", c.tty());
    config.put("OpenStdin", c.openStdin());
    config.put("Env", c.env());
    config.put("Cmd", spec.cmd().isEmpty() ? null : spec.cmd());
    config.put("Image", c.image());
    config.put("WorkingDir", spec.workingDir());
    config.put("Entrypoint", spec.entrypoint());
    config.put("Labels", Map.of());
    m.put("Config", config);
    Map<String, Object> ns = new LinkedHashMap<>();
    ns.put("Bridge", "");
    ns.put("SandboxID", c.sandboxKey() == null ? "" : c.id());
    ns.put("HairpinMode", false);
    ns.put("Ports", bindings(c.ports()));
    ns.put("SandboxKey", c.sandboxKey() == null ? "" : c.sandboxKey());
    EndpointInfo e = c.endpoint();
    ns.put("EndpointID", e == null ? "" : e.endpointId());
    ns.put("Gateway", e == null ? "" : e.gateway());
    ns.put("GlobalIPv6Address", "");
    ns.put("GlobalIPv6PrefixLen", 0);
    ns.put("IPAddress", e == null ? "" : e.ipv4Address());
    ns.put("IPPrefixLen", e == null ? 0 : e.prefixLength());
    ns.put("IPv6Gateway", "");
    ns.put("MacAddress", e == null ? "" : e.macAddress());
    ns.put("Networks", networks(c));
    m.put("NetworkSettings", ns);
    return m;
  }

  /** Docker's masked and read-only paths of an unprivileged container (moby's oci defaults). */
  private static final List<String> MASKED_PATHS =
      List.of(
          "/proc/asound",
          "/proc/acpi",
          "/proc/kcore",
          "/proc/keys",
          "/proc/latency_stats",
          "/proc/timer_list",
          "/proc/timer_stats",
          "/proc/sched_debug",
          "/proc/scsi",
          "/sys/firmware");

  private static final List<String> READONLY_PATHS =
      List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  private static Map<String, Object> mapOf(Object... kv) {
    return ApiHandler.mapOf(kv);
  }

  /**
   * {@code GET /containers/{id}/stats}: a reading, with the one before it as {@code precpu_stats}
   * (null: zeros, as Docker's first reading).
   */
  static Map<String, Object> stats(ContainerInfo c, ContainerStats now, ContainerStats before) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("read", now.read().toString());
    m.put("preread", before == null ? ZERO_TIME : before.read().toString());
    m.put("pids_stats", mapOf("current", now.pids(), "limit", now.pidsLimit()));
    m.put(
        "blkio_stats",
        mapOf(
            "io_service_bytes_recursive", null,
            "io_serviced_recursive", null,
            "io_queue_recursive", null,
            "io_service_time_recursive", null,
            "io_wait_time_recursive", null,
            "io_merged_recursive", null,
            "io_time_recursive", null,
            "sectors_recursive", null));
    m.put("num_procs", 0);
    m.put("storage_stats", Map.of());
    m.put("cpu_stats", cpu(now));
    m.put(
        "precpu_stats",
        before == null
            ? mapOf(
                "cpu_usage",
                mapOf("total_usage", 0),
                "throttling_data",
                mapOf("periods", 0, "throttled_periods", 0, "throttled_time", 0))
            : cpu(before));
    m.put(
        "memory_stats",
        mapOf("usage", now.memoryUsage(), "stats", now.memoryStats(), "limit", now.memoryLimit()));
    m.put("name", "/" + c.name());
    m.put("id", c.id());
    Map<String, Object> networks = new LinkedHashMap<>();
    now.networks()
        .forEach(
            (name, n) ->
                networks.put(
                    name,
                    mapOf(
                        "rx_bytes", n.rxBytes(),
                        "rx_packets", n.rxPackets(),
                        "rx_errors", n.rxErrors(),
                        "rx_dropped", n.rxDropped(),
                        "tx_bytes", n.txBytes(),
                        "tx_packets", n.txPackets(),
                        "tx_errors", n.txErrors(),
                        "tx_dropped", n.txDropped())));
    if (!networks.isEmpty()) {
      m.put("networks", networks);
    }
    return m;
  }

  private static Map<String, Object> cpu(ContainerStats s) {
    return mapOf(
        "cpu_usage",
        mapOf("total_usage", s.cpuNanos()),
        "system_cpu_usage",
        s.systemCpuNanos(),
        "online_cpus",
        s.onlineCpus(),
        "throttling_data",
        mapOf("periods", 0, "throttled_periods", 0, "throttled_time", 0));
  }

  private static Map<String, Object> networks(ContainerInfo c) {
    Map<String, Object> out = new LinkedHashMap<>();
    EndpointInfo e = c.endpoint();
    Map<String, Object> n = new LinkedHashMap<>();
    n.put("IPAMConfig", null);
    n.put("Links", null);
    n.put("Aliases", null);
    n.put("NetworkID", e == null ? "" : e.networkId());
    n.put("EndpointID", e == null ? "" : e.endpointId());
    n.put("Gateway", e == null ? "" : e.gateway());
    n.put("IPAddress", e == null ? "" : e.ipv4Address());
    n.put("IPPrefixLen", e == null ? 0 : e.prefixLength());
    n.put("IPv6Gateway", "");
    n.put("GlobalIPv6Address", "");
    n.put("GlobalIPv6PrefixLen", 0);
    n.put("MacAddress", e == null ? "" : e.macAddress());
    n.put("DriverOpts", null);
    out.put(c.networkMode(), n);
    return out;
  }

  /** {@code GET /networks/{id}}. */
  static Map<String, Object> network(NetworkInfo n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Name", n.name());
    m.put("Id", n.id());
    m.put("Created", n.created().toString());
    // Docker's overlay networks with a cluster store are "global": every host sees them.
    m.put("Scope", "overlay".equals(n.driver()) ? "global" : "local");
    m.put("Driver", n.driver());
    m.put("EnableIPv6", false);
    List<Object> config = new ArrayList<>();
    if (n.subnet() != null) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("Subnet", n.subnet());
      if (n.ipRange() != null) {
        c.put("IPRange", n.ipRange());
      }
      c.put("Gateway", n.gateway());
      config.add(c);
    }
    Map<String, Object> ipam = new LinkedHashMap<>();
    ipam.put("Driver", "default");
    ipam.put("Options", Map.of());
    ipam.put("Config", config);
    m.put("IPAM", ipam);
    m.put("Internal", false);
    m.put("Attachable", false);
    m.put("Ingress", false);
    m.put("ConfigFrom", Map.of("Network", ""));
    m.put("ConfigOnly", false);
    Map<String, Object> containers = new LinkedHashMap<>();
    n.containers()
        .forEach(
            (id, a) -> {
              Map<String, Object> c = new LinkedHashMap<>();
              c.put("Name", a.name());
              c.put("EndpointID", a.endpoint().endpointId());
              c.put("MacAddress", a.endpoint().macAddress());
              c.put("IPv4Address", a.endpoint().ipv4Address() + "/" + a.endpoint().prefixLength());
              c.put("IPv6Address", "");
              containers.put(id, c);
            });
    m.put("Containers", containers);
    m.put("Options", n.options());
    m.put("Labels", Map.of());
    return m;
  }

  /** An item of {@code GET /images/json}. */
  static Map<String, Object> imageSummary(ImageInfo i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", i.id());
    m.put("ParentId", "");
    m.put("RepoTags", List.of(i.name() + ":latest"));
    m.put("RepoDigests", List.of());
    m.put("Created", i.created().getEpochSecond());
    m.put("Size", i.size());
    m.put("VirtualSize", i.size());
    m.put("SharedSize", -1);
    m.put("Labels", Map.of());
    m.put("Containers", -1);
    return m;
  }

  /** {@code GET /images/{name}/json}. */
  static Map<String, Object> image(ImageInfo i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", i.id());
    m.put("RepoTags", List.of(i.name() + ":latest"));
    m.put("RepoDigests", List.of());
    m.put("Created", i.created().toString());
    m.put("Os", "linux");
    m.put("Architecture", "amd64");
    m.put("Size", i.size());
    m.put("VirtualSize", i.size());
    m.put("RootFS", Map.of("Type", "layers", "Layers", List.of()));
    return m;
  }

  /** Doctor's findings, in the API's capitalised style; {@code Fix} is null when none is needed. */
  static List<Map<String, Object>> findings(List<Finding> findings) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Finding f : findings) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("Status", f.status().name());
      m.put("Check", f.check());
      m.put("Detail", f.detail());
      m.put("Fix", f.fix());
      out.add(m);
    }
    return out;
  }
}
