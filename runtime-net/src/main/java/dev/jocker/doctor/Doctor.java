package dev.jocker.doctor;

import dev.jocker.doctor.Finding.Status;
import dev.jocker.topology.BridgeView;
import dev.jocker.topology.Presence;
import dev.jocker.topology.UplinkView;
import java.util.ArrayList;
import java.util.List;

/** Turns {@link Facts} into findings, each with why it matters and how to fix it. */
public final class Doctor {
  private static final int WIDTH = 100;
  private static final int CHECK_COLUMN = 20;
  private static final String RECONCILE = "jocker reconcile";

  private Doctor() {}

  /** One finding per check, in the order a packet needs them. */
  public static List<Finding> diagnose(Facts f) {
    List<Finding> out = new ArrayList<>();
    out.add(bridge(f));
    out.add(endpoints(f));
    out.add(ipForward(f));
    if (f.iptablesManaged()) {
      out.add(forwardPolicy(f));
      out.add(rules(f));
    } else {
      out.add(
          Finding.warn(
              "iptables",
              "jockerd runs with --iptables=false: it installs no rules, so NAT and forwarding"
                  + " for containers are up to you",
              "start jockerd without --iptables=false"));
    }
    out.add(bridgeNetfilter(f));
    out.add(backend(f));
    out.add(mtu(f));
    out.add(neighbours(f));
    out.add(subnet(f));
    out.add(docker(f));
    out.add(leftovers(f));
    return out;
  }

  private static Finding bridge(Facts f) {
    BridgeView b = f.topology().bridge();
    if (b.presence() == Presence.RECORD_ONLY) {
      return Finding.fail(
          "bridge",
          b.name() + " does not exist: containers have nothing to plug into",
          RECONCILE + " (creates it with " + f.bridgeAddress() + ")");
    }
    if (!f.bridgeAddress().equals(b.address())) {
      return Finding.fail(
          "bridge",
          b.name()
              + " has "
              + (b.address() == null ? "no IPv4 address" : b.address())
              + ", not "
              + f.bridgeAddress()
              + ": containers' default route points at an address nobody answers",
          RECONCILE);
    }
    return Finding.ok("bridge", b.name() + " is there with " + b.address());
  }

  private static Finding endpoints(Facts f) {
    if (f.detachedVeths().isEmpty()) {
      return Finding.ok("endpoints", "every running container's veth is on its bridge");
    }
    return Finding.fail(
        "endpoints",
        String.join("\n", f.detachedVeths())
            + "\nA container whose veth is off its bridge reaches nothing and nothing reaches it.",
        RECONCILE + " (puts each veth back on its bridge)");
  }

  private static Finding ipForward(Facts f) {
    if (f.topology().ipForward()) {
      return Finding.ok(
          "ip_forward",
          "net.ipv4.ip_forward = 1: the host routes packets between "
              + f.topology().bridge().name()
              + " and its uplink");
    }
    return Finding.fail(
        "ip_forward",
        "net.ipv4.ip_forward = 0: containers reach each other and the host, but nothing they send"
            + " leaves the host",
        RECONCILE + " (or: sysctl -w net.ipv4.ip_forward=1)");
  }

  private static Finding forwardPolicy(Facts f) {
    String policy = f.topology().forwardPolicy();
    if ("DROP".equals(policy)) {
      return Finding.ok(
          "FORWARD policy", "DROP: the host forwards only what the DOCKER rules accept");
    }
    return Finding.warn(
        "FORWARD policy",
        policy
            + ": the host forwards packets between any of its interfaces, not only containers'"
            + " (Docker sets DROP when it is the one turning forwarding on)",
        "iptables -P FORWARD DROP");
  }

  private static Finding rules(Facts f) {
    List<String> missing = f.missingRules();
    if (missing.isEmpty()) {
      return Finding.ok(
          "rules",
          "all " + f.ownedRules() + " rules jocker owns are in place, MASQUERADE included");
    }
    StringBuilder detail =
        new StringBuilder()
            .append(missing.size())
            .append(" of ")
            .append(f.ownedRules())
            .append(" rules jocker owns ")
            .append(missing.size() == 1 ? "is" : "are")
            .append(" missing:");
    missing.forEach(r -> detail.append("\n  ").append(r));
    if (missing.stream().anyMatch(r -> r.contains("MASQUERADE"))) {
      detail.append(
          "\nWithout MASQUERADE, packets leave with their 172.17.x.x source, which the outside"
              + " cannot answer.");
    } else if (missing.stream().anyMatch(r -> r.contains("-A FORWARD "))) {
      detail.append("\nThe FORWARD policy drops what these rules would have accepted.");
    }
    return Finding.fail("rules", detail.toString(), RECONCILE);
  }

  private static Finding bridgeNetfilter(Facts f) {
    String value = f.bridgeNfCallIptables();
    String bridge = f.topology().bridge().name();
    if ("1".equals(value)) {
      return Finding.ok(
          "br_netfilter",
          "net.bridge.bridge-nf-call-iptables = 1: traffic between containers crosses the FORWARD"
              + " chain too, where -i "
              + bridge
              + " -o "
              + bridge
              + " -j ACCEPT lets it through");
    }
    String why =
        ": frames between containers on "
            + bridge
            + " are switched without crossing iptables, so rules for them never match (Docker"
            + " turns it on)";
    if (value == null) {
      return Finding.warn(
          "br_netfilter", "br_netfilter is not loaded" + why, "modprobe br_netfilter");
    }
    return Finding.warn(
        "br_netfilter",
        "net.bridge.bridge-nf-call-iptables = " + value + why,
        "sysctl -w net.bridge.bridge-nf-call-iptables=1");
  }

  private static Finding backend(Facts f) {
    String other = f.iptablesBackend().equals("legacy") ? "nf_tables" : "legacy";
    if (f.otherBackendRules() == 0) {
      return Finding.ok(
          "iptables backend",
          "iptables drives " + f.iptablesBackend() + "; the " + other + " backend holds no rules");
    }
    String otherTool = other.equals("legacy") ? "iptables-legacy" : "iptables-nft";
    return Finding.warn(
        "iptables backend",
        "iptables drives "
            + f.iptablesBackend()
            + ", but "
            + f.otherBackendRules()
            + " rules sit in the "
            + other
            + " backend too: the kernel applies both, and iptables-save shows only one",
        "look with "
            + otherTool
            + "-save and remove what is stale, or switch: update-alternatives --set iptables"
            + " /usr/sbin/"
            + otherTool);
  }

  private static Finding mtu(Facts f) {
    UplinkView uplink = f.topology().uplink();
    if (uplink == null) {
      return Finding.warn(
          "uplink",
          "no default route: containers reach each other and the host, but not the internet",
          "ip route add default via GATEWAY");
    }
    if (uplink.mtu() < f.containerMtu()) {
      return Finding.warn(
          "MTU",
          "containers use MTU "
              + f.containerMtu()
              + ", the uplink "
              + uplink.name()
              + " only "
              + uplink.mtu()
              + ": full-size packets from containers get fragmented or, where ICMP is filtered,"
              + " dropped, and TCP transfers stall",
          "jockerd --mtu "
              + uplink.mtu()
              + " (or \"mtu\": "
              + uplink.mtu()
              + " in /etc/jocker/daemon.json), then recreate the containers");
    }
    return Finding.ok(
        "MTU",
        "containers' MTU "
            + f.containerMtu()
            + " fits the uplink "
            + uplink.name()
            + " ("
            + uplink.mtu()
            + ")");
  }

  private static Finding neighbours(Facts f) {
    if (f.neighbourLimit() == 0) {
      return Finding.ok(
          "ARP table",
          "its size (gc_thresh3) is set in the host's namespace, not visible from this one");
    }
    // Each container holds an entry for its gateway and the host one for each container.
    int needed = 2 * f.endpoints();
    if (needed <= f.neighbourLimit()) {
      return Finding.ok(
          "ARP table",
          f.endpoints()
              + " containers need about "
              + needed
              + " of its "
              + f.neighbourLimit()
              + " entries");
    }
    return Finding.warn(
        "ARP table",
        f.endpoints()
            + " containers need about "
            + needed
            + " neighbour entries, but all namespaces share one table of "
            + f.neighbourLimit()
            + " (net.ipv4.neigh.default.gc_thresh3): sends fail with \"No buffer space available\"",
        "sysctl -w net.ipv4.neigh.default.gc_thresh1=2048 net.ipv4.neigh.default.gc_thresh2=4096"
            + " net.ipv4.neigh.default.gc_thresh3=8192");
  }

  private static Finding subnet(Facts f) {
    if (f.overlappingRoutes().isEmpty()) {
      return Finding.ok("subnet", "no host route overlaps " + f.subnet());
    }
    return Finding.fail(
        "subnet",
        f.subnet()
            + " overlaps the host route "
            + String.join(", ", f.overlappingRoutes())
            + ": hosts there are unreachable from containers, and the host may send their"
            + " replies to the wrong interface",
        "give jocker a free subnet: jockerd --bip 10.200.0.1/24 (or \"bip\" in"
            + " /etc/jocker/daemon.json), or remove the route");
  }

  private static Finding docker(Facts f) {
    if (f.dockerdPids().isEmpty()) {
      return Finding.ok("Docker", "no Docker daemon runs in this network namespace");
    }
    String pids = "dockerd (pid " + joinPids(f.dockerdPids()) + ") runs in this network namespace";
    String bridge = f.topology().bridge().name();
    if (!bridge.equals("docker0")) {
      return Finding.ok("Docker", pids + ", but jocker has its own bridge " + bridge);
    }
    return Finding.fail(
        "Docker",
        pids
            + ": it manages docker0 and the DOCKER chains too, and each daemon undoes the other's"
            + " work",
        "stop one (systemctl stop docker docker.socket), or give jocker its own bridge: jockerd"
            + " --bridge jocker0 --bip 10.200.0.1/24 --iptables-chain-prefix JOCKER");
  }

  private static String joinPids(List<Long> pids) {
    return String.join(", ", pids.stream().map(String::valueOf).toList());
  }

  private static Finding leftovers(Facts f) {
    if (f.orphanVeths().isEmpty()
        && f.orphanNamespaces().isEmpty()
        && f.orphanProcesses().isEmpty()) {
      return Finding.ok(
          "leftovers",
          "every veth on "
              + f.topology().bridge().name()
              + ", every jocker namespace and every container process belongs to a running"
              + " container");
    }
    List<String> names = new ArrayList<>();
    f.orphanVeths().forEach(v -> names.add(v + " on " + f.topology().bridge().name()));
    f.orphanNamespaces().forEach(n -> names.add("namespace " + n));
    f.orphanProcesses().forEach(names::add);
    return Finding.warn(
        "leftovers",
        "no running container owns "
            + String.join(", ", names)
            + ": left behind by a crash or made by hand",
        RECONCILE + " (removes them)");
  }

  /** The findings as the terminal shows them, at most 100 columns wide, problems counted first. */
  public static String render(List<Finding> findings) {
    long warnings = findings.stream().filter(x -> x.status() == Status.WARN).count();
    long problems = findings.stream().filter(x -> x.status() == Status.FAIL).count();
    StringBuilder out =
        new StringBuilder("jocker doctor: ")
            .append(findings.size() - warnings - problems)
            .append(" ok, ")
            .append(plural(warnings, "warning"))
            .append(", ")
            .append(plural(problems, "problem"))
            .append("\n\n");
    for (Finding x : findings) {
      String tag =
          switch (x.status()) {
            case OK -> "[ ok ] ";
            case WARN -> "[warn] ";
            case FAIL -> "[FAIL] ";
          };
      List<String> lines = new ArrayList<>();
      int width = WIDTH - CHECK_COLUMN - tag.length();
      for (String paragraph : x.detail().split("\n")) {
        String indent =
            paragraph.substring(0, paragraph.length() - paragraph.stripLeading().length());
        lines.addAll(wrap(paragraph, width, indent.isEmpty() ? "" : indent + "  "));
      }
      if (x.fix() != null) {
        lines.addAll(wrap("fix: " + x.fix(), width, "     "));
      }
      String indent = " ".repeat(tag.length() + CHECK_COLUMN);
      out.append(tag).append(pad(x.check())).append(lines.get(0)).append('\n');
      for (String line : lines.subList(1, lines.size())) {
        out.append(indent).append(line).append('\n');
      }
    }
    return out.toString();
  }

  /** True when no finding is a problem (warnings allowed): the CLI's exit status. */
  public static boolean healthy(List<Finding> findings) {
    return findings.stream().noneMatch(x -> x.status() == Status.FAIL);
  }

  private static String plural(long n, String word) {
    return n + " " + word + (n == 1 ? "" : "s");
  }

  private static String pad(String check) {
    return check + " ".repeat(Math.max(1, CHECK_COLUMN - check.length()));
  }

  /**
   * Words onto lines of at most {@code width}, continuation lines starting with {@code hanging}.
   */
  private static List<String> wrap(String text, int width, String hanging) {
    List<String> lines = new ArrayList<>();
    String stripped = text.stripLeading();
    StringBuilder line = new StringBuilder(text.substring(0, text.length() - stripped.length()));
    boolean lineHasWord = false;
    for (String word : stripped.split(" ")) {
      if (lineHasWord && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line = new StringBuilder(hanging);
      } else if (lineHasWord) {
        line.append(' ');
      }
      line.append(word);
      lineHasWord = true;
    }
    lines.add(line.toString());
    return lines;
  }
}
