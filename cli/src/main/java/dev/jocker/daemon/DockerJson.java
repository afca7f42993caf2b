package dev.jocker.daemon;

import dev.jocker.container.HumanTime;
import dev.jocker.doctor.Finding;
import dev.jocker.engine.ContainerInfo;
import dev.jocker.engine.EndpointInfo;
import dev.jocker.engine.ImageInfo;
import dev.jocker.engine.NetworkInfo;
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
    m.put("Ports", List.of());
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
    state.put("Running", c.state().running());
    state.put("Paused", false);
    state.put("Restarting", false);
    state.put("OOMKilled", false);
    state.put("Dead", false);
    state.put("Pid", c.state().pid());
    state.put("ExitCode", c.state().exitCode());
    state.put("Error", "");
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
    m.put("RestartCount", 0);
    m.put("Driver", "overlay");
    m.put("Platform", "linux");
    Map<String, Object> hostConfig = new LinkedHashMap<>();
    hostConfig.put("NetworkMode", c.networkMode().equals("bridge") ? "default" : c.networkMode());
    hostConfig.put("AutoRemove", c.autoRemove());
    hostConfig.put("IpcMode", "private");
    hostConfig.put("PidMode", "");
    hostConfig.put("UTSMode", "");
    m.put("HostConfig", hostConfig);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("Hostname", c.hostname());
    config.put("Domainname", "");
    config.put("User", "");
    config.put("Tty", c.tty());
    config.put("OpenStdin", c.openStdin());
    config.put("Env", c.env());
    List<String> cmd = new ArrayList<>(List.of(c.path()));
    cmd.addAll(c.args());
    config.put("Cmd", cmd);
    config.put("Image", c.image());
    config.put("WorkingDir", "");
    config.put("Entrypoint", null);
    config.put("Labels", Map.of());
    m.put("Config", config);
    Map<String, Object> ns = new LinkedHashMap<>();
    ns.put("Bridge", "");
    ns.put("SandboxID", c.sandboxKey() == null ? "" : c.id());
    ns.put("HairpinMode", false);
    ns.put("Ports", Map.of());
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
    m.put("Scope", "local");
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
