package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.firewall.IptablesSave;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code run -p} through the real CLI and a real jockerd, as a user meets it: a published busybox
 * {@code httpd} and a UDP echo reached from "the internet" (DNAT), from the host's loopback, from
 * another container and from the container itself through the host's address, with and without the
 * userland proxy, from the source addresses Docker gives them; Docker's rules for a port on a user
 * network and on docker0, put back after a flush; and a {@code kill -9} of jockerd between the
 * allocation of a port and its rules, after which nothing of it is left and the port is free.
 */
@Privileged
class PublishedPortsIT {
  private static final Path REFERENCE = Path.of("../reference/docker-20.10");
  private static final String HOST = Sandbox.UPLINK_ADDRESS;

  @TempDir Path dir;

  /** A static UDP echo: {@code serve PORT} answers "you are SOURCE", {@code ask HOST PORT}. */
  private static final String UDP_ECHO =
      """
      #include <arpa/inet.h>
      #include <stdio.h>
      #include <stdlib.h>
      #include <string.h>
      #include <sys/socket.h>
      #include <sys/time.h>

      int main(int argc, char **argv) {
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in a = {0};
        a.sin_family = AF_INET;
        if (argc == 3 && strcmp(argv[1], "serve") == 0) {
          a.sin_port = htons(atoi(argv[2]));
          if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) {
            perror("bind");
            return 1;
          }
          for (;;) {
            char buf[512], out[64];
            struct sockaddr_in peer;
            socklen_t len = sizeof peer;
            if (recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len) < 0) {
              continue;
            }
            int n = snprintf(out, sizeof out, "you are %s", inet_ntoa(peer.sin_addr));
            sendto(s, out, n, 0, (struct sockaddr *)&peer, len);
          }
        }
        if (argc == 4 && strcmp(argv[1], "ask") == 0) {
          struct timeval timeout = {3, 0};
          setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
          a.sin_port = htons(atoi(argv[3]));
          inet_pton(AF_INET, argv[2], &a.sin_addr);
          sendto(s, "hi", 2, 0, (struct sockaddr *)&a, sizeof a);
          char buf[512];
          ssize_t n = recv(s, buf, sizeof buf - 1, 0);
          if (n < 0) {
            perror("recv");
            return 1;
          }
          buf[n] = 0;
          puts(buf);
          return 0;
        }
        fputs("usage: udpecho serve PORT | udpecho ask ADDRESS PORT\\n", stderr);
        return 2;
      }
      """;

  /**
   * The UDP echo built static (it runs in any namespace and in a busybox root), and an image {@code
   * udpecho}: busybox with it as {@code /bin/udpecho}. Returns the binary.
   */
  private Path udpEchoImage(Jockerd d) throws IOException {
    Path source = dir.resolve("udpecho.c");
    Files.writeString(source, UDP_ECHO);
    Path binary = dir.resolve("udpecho");
    Sandbox.Command.run(
        List.of("gcc", "-static", "-O2", "-o", binary.toString(), source.toString()));
    d.ok("create", "--name", "seed", "busybox");
    d.ok("rm", "seed");
    Path rootfs = dir.resolve("udpecho-rootfs");
    Sandbox.Command.run(
        List.of(
            "cp", "-a", dir.resolve("state/images/busybox/rootfs").toString(), rootfs.toString()));
    Sandbox.Command.run(List.of("cp", binary.toString(), rootfs.resolve("bin/udpecho").toString()));
    d.ok("image", "import", rootfs.toString(), "udpecho");
    return binary;
  }

  @ParameterizedTest(name = "userland proxy {0}")
  @ValueSource(booleans = {true, false})
  void aPublishedServiceIsReachedFromEverywhere(boolean userlandProxy, Sandbox sandbox)
      throws Exception {
    Sandbox.Namespace internet = sandbox.internet();
    try (Jockerd d =
        new Jockerd(sandbox, dir).withArgs("--userland-proxy=" + userlandProxy).start()) {
      String udpecho = udpEchoImage(d).toString();
      d.ok(
          "run",
          "-d",
          "--name",
          "web",
          "-p",
          "8080:80",
          "-p",
          "9090:90/udp",
          "udpecho",
          "sh",
          "-c",
          "udpecho serve 90 & exec httpd -f -p 80 -h /etc");
      d.ok("run", "-d", "--name", "other", "udpecho", "sleep", "100000");
      String web =
          d.ok("inspect", "web").replaceAll("(?s).*\"Hostname\": \"([0-9a-f]{12})\".*", "$1");
      String page = "http://" + HOST + ":8080/hostname";
      String[] wget = {"timeout", "5", "busybox", "wget", "-qO-"};

      assertEquals(web, run(internet, wget, page), "TCP from the internet, by DNAT");
      assertEquals(
          web, run(sandbox.host(), wget, "http://127.0.0.1:8080/hostname"), "TCP from localhost");
      assertEquals(web, d.ok("exec", "other", "wget", "-qO-", page).strip(), "TCP, hairpin");
      assertEquals(web, d.ok("exec", "web", "wget", "-qO-", page).strip(), "TCP to itself");

      // The userland proxy answers everything that is not DNATed from its own address on docker0;
      // without it the host's own traffic and a container's hairpin are MASQUERADEd to it, and a
      // container on the bridge keeps its address.
      assertEquals(
          "you are " + Sandbox.INTERNET_ADDRESS,
          internet.run(udpecho, "ask", HOST, "9090").strip(),
          "UDP from the internet, by DNAT: the client's address is kept");
      assertEquals(
          "you are 172.17.0.1",
          sandbox.host().run(udpecho, "ask", "127.0.0.1", "9090").strip(),
          "UDP from localhost");
      assertEquals(
          "you are " + (userlandProxy ? "172.17.0.1" : "172.17.0.3"),
          d.ok("exec", "other", "udpecho", "ask", HOST, "9090").strip(),
          "UDP from another container");
      assertEquals(
          "you are 172.17.0.1",
          d.ok("exec", "web", "udpecho", "ask", HOST, "9090").strip(),
          "UDP to itself");
      assertEquals(List.of(), Invariant.violations(sandbox, d, null));

      // What the lab shows: the port in the topology, the path explained, the DNAT rule broken
      // (the proxy still answers, from the bridge's address; without it nothing does) and repaired.
      assertTrue(
          d.ok("network", "topology").contains("published 0.0.0.0:8080->80/tcp"),
          d.ok("network", "topology"));
      String trace = d.ok("network", "trace", Sandbox.INTERNET_ADDRESS, HOST + ":8080");
      assertTrue(
          trace.contains("198.51.100.2:8080/tcp is published by web: DNAT to 172.17.0.2:80,"),
          trace);
      String dnat =
          sandbox
              .host()
              .run("iptables-save", "-t", "nat")
              .lines()
              .filter(l -> l.contains("--dport 8080 -j DNAT"))
              .findFirst()
              .orElseThrow();
      List<String> delete = new java.util.ArrayList<>(List.of("iptables", "-t", "nat", "-D"));
      delete.addAll(List.of(dnat.substring(3).split(" ")));
      sandbox.host().run(delete.toArray(String[]::new));
      assertTrue(d.ok("network", "topology").contains("⚠ no DNAT rule"));
      Sandbox.Command.Result broken =
          internet.exec(wget[0], wget[1], wget[2], wget[3], wget[4], page);
      String brokenTrace = d.ok("network", "trace", Sandbox.INTERNET_ADDRESS, HOST + ":8080");
      if (userlandProxy) {
        assertEquals(web, broken.stdout().strip(), "the userland proxy still answers");
        assertTrue(brokenTrace.contains("through the userland proxy"), brokenTrace);
      } else {
        assertTrue(broken.exitCode() != 0, "nothing answers without the rule: " + broken);
        assertTrue(brokenTrace.contains("no DNAT rule, and no userland proxy"), brokenTrace);
      }
      assertEquals(
          "fixed: published ports: restored 1 iptables rules of ports\n", d.ok("reconcile"));
      assertEquals(web, run(internet, wget, page), "repaired");

      // Docker's clearEndpointConnections: the flows NATed to the container go with its ports.
      internet.run(udpecho, "ask", HOST, "9090");
      assertTrue(
          sandbox
              .host()
              .run("conntrack", "-L", "--reply-src", "172.17.0.2")
              .contains("dport=9090"));
      d.ok("rm", "-f", "web");
      assertEquals("", sandbox.host().run("conntrack", "-L", "--reply-src", "172.17.0.2"));
    }
  }

  private static String run(Sandbox.Namespace ns, String[] command, String url) {
    String[] full = java.util.Arrays.copyOf(command, command.length + 1);
    full[command.length] = url;
    return ns.run(full).strip();
  }

  @Test
  void rulesAreDockersOnAUserNetworkAndOnDocker0AndComeBackAfterAFlush(Sandbox sandbox)
      throws Exception {
    sandbox.internet();
    try (Jockerd d = new Jockerd(sandbox, dir).checkingRulesEvery(1).start()) {
      d.ok("network", "create", "--subnet", "172.28.0.0/16", "mynet");
      d.ok(
          "run",
          "-d",
          "--name",
          "web",
          "--network",
          "mynet",
          "-p",
          "8080:80",
          "busybox",
          "httpd",
          "-f",
          "-p",
          "80");
      d.ok("run", "-d", "--name", "web0", "-p", "8081:80", "busybox", "httpd", "-f", "-p", "80");
      String published = golden("user-network-and-ports/iptables-save.txt");
      assertEquals(published, rules(sandbox.host().run("iptables-save")));

      sandbox.host().run("iptables", "-t", "nat", "-F");
      sandbox.host().run("iptables", "-F");
      awaitRules(sandbox, published);
      sandbox
          .host()
          .run(
              "iptables",
              "-t",
              "nat",
              "-D",
              "DOCKER",
              "!",
              "-i",
              "docker0",
              "-p",
              "tcp",
              "-m",
              "tcp",
              "--dport",
              "8081",
              "-j",
              "DNAT",
              "--to-destination",
              d.ok("inspect", "web0")
                      .replaceAll("(?s).*\"IPAddress\": \"(172\\.17\\.[0-9.]+)\".*", "$1")
                  + ":80");
      awaitRules(sandbox, published);

      d.ok("rm", "-f", "web", "web0");
      d.ok("network", "rm", "mynet");
      assertEquals(
          golden("user-network-and-ports/after-rm-iptables.txt"),
          rules(sandbox.host().run("iptables-save")));
    }
  }

  private static void awaitRules(Sandbox sandbox, String want) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 15_000;
    String now = rules(sandbox.host().run("iptables-save"));
    while (!now.equals(want) && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
      now = rules(sandbox.host().run("iptables-save"));
    }
    assertEquals(want, now, "the periodic check puts the rules back in Docker's order");
  }

  @Test
  void aCrashBetweenAPortsAllocationAndItsRulesLeavesNothingBehind(Sandbox sandbox)
      throws Exception {
    sandbox.internet();
    Jockerd normal = new Jockerd(sandbox, dir).start();
    String baseline = rules(sandbox.host().run("iptables-save"));
    normal.ok(
        "create", "--name", "victim", "-p", "8080:80", "busybox", "httpd", "-f", "-p", "80", "-h",
        "/etc");

    // Killed once the port is taken and recorded, before its rules: the start is undone.
    normal.stop();
    Jockerd crashing =
        new Jockerd(sandbox, dir, "-Djocker.test.crash-at=ports:allocated").startMayDie();
    crashing.jocker("start", "victim");
    assertEquals(137, crashing.awaitExit(30), "jockerd died between allocation and rules");
    normal = new Jockerd(sandbox, dir).start();
    assertEquals("created", status(normal, "victim"));
    assertEquals(baseline, rules(sandbox.host().run("iptables-save")), "no rule left");
    assertFalse(sandbox.host().run("ss", "-Hltnu").contains(":8080"), "no socket left");
    assertEquals(List.of(), Invariant.violations(sandbox, normal, baseline));
    normal.ok(
        "run", "-d", "--name", "again", "-p", "8080:80", "busybox", "httpd", "-f", "-p", "80");
    assertTrue(sandbox.host().run("ss", "-Hltn").contains(":8080"), "the port is taken again");
    normal.ok("rm", "-f", "again");

    // Killed once the rules are in and the process runs: the start is finished, the port kept.
    normal.stop();
    crashing = new Jockerd(sandbox, dir, "-Djocker.test.crash-at=ports:programmed").startMayDie();
    crashing.jocker("start", "victim");
    assertEquals(137, crashing.awaitExit(30), "jockerd died once the rules were in");
    normal = new Jockerd(sandbox, dir).start();
    assertEquals(
        "running",
        status(normal, "victim"),
        normal.jocker("logs", "victim").stderr() + normal.jocker("inspect", "victim").stdout());
    assertReached(sandbox, normal);
    String published = rules(sandbox.host().run("iptables-save"));
    assertTrue(published.contains("--dport 8080 -j DNAT"), published);

    // And a plain kill -9 of a daemon whose container runs: the restarted one listens again,
    // keeps the rules and still holds the port against another container.
    normal.kill();
    normal = new Jockerd(sandbox, dir).start();
    assertEquals(published, rules(sandbox.host().run("iptables-save")));
    assertReached(sandbox, normal);
    Jockerd.Result taken =
        normal.jocker("run", "-d", "--name", "rival", "-p", "8080:80", "busybox", "true");
    assertEquals(125, taken.exitCode());
    assertTrue(
        taken.stderr().contains("Bind for 0.0.0.0:8080 failed: port is already allocated"),
        taken.stderr());
    normal.ok("rm", "-f", "victim", "rival");
    assertEquals(baseline, rules(sandbox.host().run("iptables-save")));
    assertFalse(sandbox.host().run("ss", "-Hltnu").contains(":8080"));
    assertEquals(List.of(), Invariant.violations(sandbox, normal, baseline));
    normal.close();
  }

  private static String status(Jockerd d, String name) {
    return d.api("GET", "/containers/" + name + "/json", null)
        .json()
        .get("State")
        .get("Status")
        .asText();
  }

  /** The victim answers on localhost's 8080 (the proxy) and the host's address (DNAT). */
  private static void assertReached(Sandbox sandbox, Jockerd d) {
    String victim =
        d.ok("inspect", "victim").replaceAll("(?s).*\"Hostname\": \"([0-9a-f]{12})\".*", "$1");
    for (String address : List.of("127.0.0.1", HOST)) {
      assertEquals(
          victim,
          sandbox
              .host()
              .run(
                  "timeout", "5", "busybox", "wget", "-qO-", "http://" + address + ":8080/hostname")
              .strip(),
          address);
    }
  }

  private static String golden(String file) throws IOException {
    return rules(Files.readString(REFERENCE.resolve(file)));
  }

  /**
   * iptables-save as a comparable text: counters, comments and empty tables dropped, bridge IDs and
   * container addresses replaced by their order of first appearance.
   */
  static String rules(String save) {
    StringBuilder kept = new StringBuilder();
    for (String table : IptablesSave.normalise(save).split("(?m)^COMMIT\n")) {
      if (table.contains("\n-A ")) {
        kept.append(table).append("COMMIT\n");
      }
    }
    String text = kept.toString().replaceAll("br-[0-9a-f]{12}", "br-ID");
    Matcher m = Pattern.compile("172\\.(1[7-9]|2[0-9])\\.0\\.(\\d+)(?=[/:])").matcher(text);
    Map<String, String> seen = new LinkedHashMap<>();
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String address = m.group();
      if (address.endsWith(".0")) {
        continue;
      }
      String n = seen.computeIfAbsent(address, a -> "CONTAINER" + (seen.size() + 1));
      m.appendReplacement(out, n);
    }
    m.appendTail(out);
    return out.toString();
  }
}
