package dev.jocker.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jocker.cgroup.Cgroups;
import dev.jocker.firewall.IptablesSave;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The invariant of the engine, checked from outside as a user would: every kernel object jocker
 * made belongs to exactly one container record in a state that should hold it. The records come
 * from the API; the kernel from iproute2, {@code /run/netns}, {@code /proc}, mountinfo and
 * iptables-save of the sandbox. Each violation is one line saying what is wrong with what.
 */
final class Invariant {
  private Invariant() {}

  /** A running container as the API shows it. */
  record Running(String id, String name, long pid, String ip, String netns) {}

  /** The containers the API says are running. */
  static List<Running> running(Jockerd d) {
    List<Running> out = new ArrayList<>();
    for (JsonNode c : d.api("GET", "/containers/json", null).json()) {
      JsonNode i = d.api("GET", "/containers/" + c.get("Id").asText() + "/json", null).json();
      String key = i.path("NetworkSettings").path("SandboxKey").asText("");
      out.add(
          new Running(
              i.get("Id").asText(),
              i.get("Name").asText().substring(1),
              i.path("State").path("Pid").asLong(),
              i.path("NetworkSettings").path("IPAddress").asText(""),
              key.isEmpty() ? null : Path.of(key).getFileName().toString()));
    }
    return out;
  }

  /**
   * A running container's shim (jocker-launcher, its state directory as its last argument): it
   * lives outside the container's namespaces by design.
   */
  private static boolean isShim(String runDirs, String cmdline) {
    return cmdline.contains("jocker-launcher start " + runDirs);
  }

  /** The containers that have a cgroup under this daemon's parent; null without cgroups. */
  private static List<String> cgroupIds(Jockerd d) {
    try {
      return Cgroups.detect(Cgroups.DEFAULT_ROOT, d.cgroupParent()).ids();
    } catch (RuntimeException noCgroups) {
      return null;
    }
  }

  /** Every violation found now; empty when the store and the kernel agree. */
  static List<String> violations(Sandbox sandbox, Jockerd d, String rulesBaseline) {
    List<String> v = new ArrayList<>();
    String runDirs = d.execRoot() + "/containers/";
    List<Running> running = running(d);
    Set<String> ids = new HashSet<>();
    for (JsonNode c : d.api("GET", "/containers/json?all=1", null).json()) {
      ids.add(c.get("Id").asText());
      String state = c.get("State").asText();
      if (!List.of("created", "running", "exited").contains(state)) {
        v.add("container " + c.get("Names").get(0).asText() + " is left " + state);
      }
    }
    Sandbox.Namespace host = sandbox.host();

    Set<String> expectedNetns = new TreeSet<>();
    running.stream().filter(r -> r.netns() != null).forEach(r -> expectedNetns.add(r.netns()));
    Set<String> netns = new TreeSet<>();
    for (String ns : Sandbox.Command.run(List.of("ls", "/run/netns")).split("\n")) {
      if (ns.startsWith("jocker-")) {
        netns.add(ns);
      }
    }
    if (!netns.equals(expectedNetns)) {
      v.add("namespaces " + netns + ", but the running containers' are " + expectedNetns);
    }
    Set<String> mounted = new TreeSet<>();
    for (String line : read(Path.of("/proc/self/mountinfo")).split("\n")) {
      String[] f = line.split(" ");
      if (f.length > 4 && f[4].startsWith("/run/netns/jocker-")) {
        if (!mounted.add(f[4].substring("/run/netns/".length()))) {
          v.add("namespace file " + f[4] + " is mounted twice");
        }
      }
      if (f.length > 4 && f[4].startsWith(runDirs)) {
        v.add("a container mount leaked into the host's mount namespace: " + f[4]);
      }
    }
    if (!mounted.equals(expectedNetns)) {
      v.add("namespace mounts " + mounted + ", but the running containers' are " + expectedNetns);
    }

    Map<Integer, String> vethByIndex = new HashMap<>();
    Map<String, String> masterOf = new HashMap<>();
    for (String line : host.run("ip", "-o", "link", "show", "type", "veth").split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(": ");
      String name = f[1].replaceFirst("@.*", "");
      if (name.startsWith("veth")) {
        vethByIndex.put(Integer.parseInt(f[0].strip()), name);
        int m = line.indexOf(" master ");
        masterOf.put(name, m < 0 ? null : line.substring(m + 8).split(" ")[0]);
      }
    }
    Set<String> ownedVeths = new HashSet<>();
    Map<String, String> addressOwner = new HashMap<>();
    for (Running r : running) {
      if (r.netns() == null) {
        continue;
      }
      if (!netns.contains(r.netns())) {
        continue;
      }
      Sandbox.Command.Result addrs =
          Sandbox.Command.exec(List.of("ip", "-n", r.netns(), "-4", "-o", "addr", "show"));
      List<String> global = new ArrayList<>();
      for (String line : addrs.stdout().split("\n")) {
        if (line.contains(" inet ") && !line.contains(" lo ")) {
          global.add(line.split(" +")[3].split("/")[0]);
        }
      }
      if (!r.ip().isEmpty()) {
        if (!global.equals(List.of(r.ip()))) {
          v.add(r.name() + " has addresses " + global + " in its namespace, its record " + r.ip());
        }
        String before = addressOwner.put(r.ip(), r.name());
        if (before != null) {
          v.add(r.ip() + " belongs to both " + before + " and " + r.name());
        }
        String eth0 =
            Sandbox.Command.exec(List.of("ip", "-n", r.netns(), "-o", "link", "show", "eth0"))
                .stdout();
        int at = eth0.indexOf("@if");
        String veth =
            at < 0 ? null : vethByIndex.get(Integer.parseInt(eth0.substring(at + 3).split(":")[0]));
        if (veth == null) {
          v.add(r.name() + "'s eth0 has no veth peer on the host: " + eth0.strip());
        } else {
          ownedVeths.add(veth);
          if (masterOf.get(veth) == null) {
            v.add(r.name() + "'s " + veth + " is on no bridge");
          }
        }
      } else if (!global.isEmpty()) {
        v.add(r.name() + " has no address on record but " + global + " in its namespace");
      }
      String pids = Sandbox.Command.exec(List.of("ip", "netns", "pids", r.netns())).stdout();
      if (!pids.lines().map(String::strip).toList().contains(Long.toString(r.pid()))) {
        v.add(r.name() + "'s PID " + r.pid() + " is not in its namespace " + r.netns());
      }
    }
    Set<String> spare = new TreeSet<>(vethByIndex.values());
    spare.removeAll(ownedVeths);
    if (!spare.isEmpty()) {
      v.add("veths " + spare + " belong to no running container");
    }

    Map<String, Long> netnsInode = new HashMap<>();
    for (Running r : running) {
      if (r.netns() != null) {
        netnsInode.put(r.id(), inode(Path.of("/run/netns", r.netns())));
      }
    }
    String runDevice = runDevice(Path.of("/proc/self/mountinfo"));
    for (long pid : pids()) {
      String cmdline = cmdline(pid);
      String root = link(Path.of("/proc/" + pid + "/root"));
      String id =
          containerOf(runDirs, cmdline) != null
              ? containerOf(runDirs, cmdline)
              : containerOf(runDirs, root);
      if (id == null || !mountsDevice(pid, runDevice)) {
        // Not a container process, or one of another test JVM's sandbox (its own /run).
        continue;
      }
      Long want = netnsInode.get(id);
      boolean runningOne = running.stream().anyMatch(r -> r.id().startsWith(id));
      if (!runningOne) {
        v.add(
            "process "
                + pid
                + " ("
                + cmdline
                + ") of "
                + (ids.contains(id)
                    ? "container " + id.substring(0, 12) + ", not running"
                    : "no container"));
      } else if (want != null && want != namespaceOf(pid) && !isShim(runDirs, cmdline)) {
        v.add("process " + pid + " (" + cmdline + ") runs outside its container's namespace");
      }
    }

    List<String> found = cgroupIds(d);
    Set<String> cgroups = found == null ? null : new TreeSet<>(found);
    Set<String> runningIds = new TreeSet<>();
    running.forEach(r -> runningIds.add(r.id()));
    if (cgroups != null && !cgroups.equals(runningIds)) {
      v.add("cgroups of " + cgroups + ", but the running containers are " + runningIds);
    }

    String rules = IptablesSave.normalise(host.run("iptables-save"));
    if (rulesBaseline != null && !rules.equals(rulesBaseline)) {
      v.add("iptables-save differs from its baseline:\n" + rules);
    }
    for (Running r : running) {
      if (!r.ip().isEmpty() && host.exec("ping", "-c", "1", "-W", "2", r.ip()).exitCode() != 0) {
        v.add(r.name() + " (" + r.ip() + ") does not answer a ping from the host");
      }
    }
    return v;
  }

  /** The device ({@code major:minor}) of the tmpfs mounted on /run in this sandbox. */
  private static String runDevice(Path mountinfo) {
    for (String line : read(mountinfo).split("\n")) {
      String[] f = line.split(" ");
      if (f.length > 4 && f[4].equals("/run")) {
        return f[2];
      }
    }
    throw new AssertionError("no /run mount in " + mountinfo);
  }

  /**
   * Whether process {@code pid} sees a mount of this sandbox's /run tmpfs: a container's shim sees
   * /run itself, its chrooted PID 1 the /etc files bound from there.
   */
  private static boolean mountsDevice(long pid, String device) {
    try {
      for (String line : Files.readString(Path.of("/proc/" + pid + "/mountinfo")).split("\n")) {
        String[] f = line.split(" ");
        if (f.length > 2 && f[2].equals(device)) {
          return true;
        }
      }
      return false;
    } catch (IOException gone) {
      return false;
    }
  }

  private static String containerOf(String runDirs, String text) {
    int at = text.indexOf(runDirs);
    if (at < 0) {
      return null;
    }
    String rest = text.substring(at + runDirs.length());
    int slash = rest.indexOf('/');
    String id = slash < 0 ? rest : rest.substring(0, slash);
    return id.length() == 64 ? id : null;
  }

  private static List<Long> pids() {
    List<Long> out = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      procs.forEach(p -> out.add(Long.parseLong(p.getFileName().toString())));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return out;
  }

  private static String cmdline(long pid) {
    try {
      return new String(
              Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
          .replace('\0', ' ')
          .strip();
    } catch (IOException gone) {
      return "";
    }
  }

  private static long namespaceOf(long pid) {
    String l = link(Path.of("/proc/" + pid + "/ns/net"));
    return l.isEmpty() ? -1 : Long.parseLong(l.substring(l.indexOf('[') + 1, l.length() - 1));
  }

  private static long inode(Path nsFile) {
    try {
      return ((Number) Files.getAttribute(nsFile, "unix:ino")).longValue();
    } catch (IOException e) {
      return -2;
    }
  }

  private static String link(Path p) {
    try {
      return Files.readSymbolicLink(p).toString();
    } catch (IOException gone) {
      return "";
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
