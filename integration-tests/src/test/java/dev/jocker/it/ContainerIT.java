package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jocker.cgroup.Cgroups;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What runs inside a container, through jockerd and the real CLI, beside Docker 20.10's recordings
 * (reference/docker-20.10/container-*): capabilities, devices, the environment, users, IPv6 off,
 * cgroups, stdout and stderr apart, terminals, start failures and hostile options.
 */
@Privileged
class ContainerIT {
  private static final Path REFERENCE = Path.of("../reference/docker-20.10");

  @TempDir Path dir;

  private static String golden(String folder, String name, String kind) {
    try {
      return Files.readString(REFERENCE.resolve(folder).resolve(name + "." + kind));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int goldenExit(String folder, String name) {
    return Integer.parseInt(golden(folder, name, "exit").strip());
  }

  /** What differs from run to run: dates of ls -l, pipe inodes, the cgroup parent and ID. */
  private static String normalized(String text, String parent, String id) {
    return text.replaceAll(" [A-Z][a-z]{2} [ 0-9][0-9] [ 0-9][0-9]:[0-9][0-9] ", " ")
        .replaceAll("pipe:\\[\\d+\\]", "pipe:[N]")
        .replaceAll(":/" + Pattern.quote(parent) + "/" + id, ":/PARENT/ID");
  }

  private static List<String> cgroupIds(Jockerd d) {
    return Cgroups.detect(Cgroups.DEFAULT_ROOT, d.cgroupParent()).ids();
  }

  private static JsonNode inspect(Jockerd d, String ref) {
    Jockerd.Response r = d.api("GET", "/containers/" + ref + "/json", null);
    assertEquals(200, r.status(), r.body());
    return r.json();
  }

  @Test
  void aDefaultContainerShowsWhatDocker2010sShowed(Sandbox sandbox) {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      String id = d.ok("run", "-d", "--name", "c1", "busybox", "sleep", "3600").strip();
      String f = "container-default";
      Map<String, List<String>> execs = new LinkedHashMap<>();
      execs.put("ls-dev", List.of("ls", "-l", "/dev"));
      execs.put(
          "disable-ipv6",
          List.of(
              "sh",
              "-c",
              "for i in all default lo eth0; do echo \"$i $(cat /proc/sys/net/ipv6/conf/$i/disable_ipv6)\"; done"));
      execs.put("proc1-cgroup", List.of("cat", "/proc/1/cgroup"));
      execs.put("lo-down", List.of("ip", "link", "set", "lo", "down"));
      for (Map.Entry<String, List<String>> e : execs.entrySet()) {
        List<String> args = new ArrayList<>(List.of("exec", "c1"));
        args.addAll(e.getValue());
        Jockerd.Result r = d.jocker(args.toArray(String[]::new));
        assertEquals(goldenExit(f, e.getKey()), r.exitCode(), e.getKey() + ": " + r.stderr());
        assertEquals(
            normalized(golden(f, e.getKey(), "out"), "docker", "[0-9a-f]{64}"),
            normalized(r.stdout(), d.cgroupParent(), id),
            e.getKey());
        assertEquals(golden(f, e.getKey(), "err"), r.stderr(), e.getKey());
      }
      String caps =
          golden(f, "status", "out")
              .lines()
              .filter(l -> l.startsWith("Cap"))
              .map(l -> l + "\n")
              .reduce("", String::concat);
      assertEquals(caps, d.ok("exec", "c1", "grep", "Cap", "/proc/1/status"));
      assertEquals(
          golden(f, "exec-env", "out").replace("f58aadfb1085", id.substring(0, 12)),
          d.ok("exec", "c1", "env"));
      String lo = golden(f, "ip-addr", "out").split("\n(?=\\d+: )")[0];
      String addr = d.ok("exec", "c1", "ip", "addr");
      assertEquals(lo.strip(), addr.split("\n(?=\\d+: )")[0].strip(), "lo without ::1");
      assertFalse(addr.contains("inet6"), addr);
      assertTrue(addr.contains("inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0"), addr);
      assertEquals(
          "uid=0(root) gid=0(root) groups=0(root),10(wheel)\n",
          d.ok("run", "--rm", "busybox", "id"));
      assertEquals(
          golden(f, "run-env", "out"), d.ok("run", "--rm", "--hostname", "h2", "busybox", "env"));
      Jockerd.Result links =
          d.jocker(
              "run",
              "--rm",
              "busybox",
              "sh",
              "-c",
              "ls -l /proc/self/fd/; echo x >/dev/stderr; echo y >/dev/stdout");
      assertEquals(
          normalized(golden(f, "stdio-links", "out"), "", ""), normalized(links.stdout(), "", ""));
      assertEquals(golden(f, "stdio-links", "err"), links.stderr());

      // The container's cgroup in every hierarchy, as Docker's, and none of it after rm.
      List<String> dirs = new ArrayList<>();
      for (String line : golden(f, "host-cgroup-dirs", "out").split("\n")) {
        dirs.add(line.replace("/docker/ID", "/" + d.cgroupParent() + "/" + id));
      }
      for (String dirName : dirs) {
        assertTrue(Files.isDirectory(Path.of(dirName)), dirName);
      }
      assertEquals(List.of(id), cgroupIds(d));
      d.ok("rm", "-f", "c1");
      for (String dirName : dirs) {
        assertFalse(Files.exists(Path.of(dirName)), dirName);
      }
    }
  }

  @Test
  void stdoutAndStderrStayApartInRunLogsAndTheJsonFileLog(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      String f = "container-stdio";
      Jockerd.Result outErr =
          d.jocker("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2");
      assertEquals(golden(f, "run-out-err-28", "out"), outErr.stdout());
      assertEquals(golden(f, "run-out-err-28", "err"), outErr.stderr());
      Jockerd.Result devStderr =
          d.jocker(
              "run", "--rm", "busybox", "sh", "-c", "echo x >/dev/stderr; echo y >/dev/stdout");
      assertEquals(golden(f, "run-dev-stderr-28", "out"), devStderr.stdout());
      assertEquals(golden(f, "run-dev-stderr-28", "err"), devStderr.stderr());
      Jockerd.Result three =
          d.jocker("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3");
      assertEquals(3, three.exitCode());
      assertEquals("err\n", three.stderr());

      d.ok("run", "--name", "oe", "busybox", "sh", "-c", "echo out; echo err >&2");
      Jockerd.Result logs = d.jocker("logs", "oe");
      assertEquals(golden(f, "logs-28", "out"), logs.stdout());
      assertEquals(golden(f, "logs-28", "err"), logs.stderr());
      String id = inspect(d, "oe").get("Id").asText();
      Path log = Path.of(inspect(d, "oe").get("LogPath").asText());
      assertEquals(id + "-json.log", log.getFileName().toString(), "Docker's file name");
      String timed = "\"time\":\"[0-9T:.-]+Z\"}";
      List<String> lines = Files.readAllLines(log);
      assertEquals(2, lines.size(), lines.toString());
      assertTrue(
          lines.stream()
              .anyMatch(l -> l.matches("\\{\"log\":\"out\\\\n\",\"stream\":\"stdout\"," + timed)),
          lines.toString());
      assertTrue(
          lines.stream()
              .anyMatch(l -> l.matches("\\{\"log\":\"err\\\\n\",\"stream\":\"stderr\"," + timed)),
          lines.toString());

      Jockerd.Result tty = d.jocker("run", "--rm", "-t", "busybox", "tty");
      assertEquals(golden(f, "run-t-tty-28", "out"), tty.stdout(), "a terminal of its own");
      Jockerd.Result noTty = d.jocker("run", "--rm", "busybox", "tty");
      assertEquals(goldenExit(f, "run-tty-28"), noTty.exitCode());
      assertEquals(golden(f, "run-tty-28", "out"), noTty.stdout());

      Ran cat = cli(d, "hello\n", false, "run", "--rm", "-i", "busybox", "cat");
      assertEquals(golden(f, "run-i-cat-28", "out"), cat.stdout(), cat.stderr());
      assertEquals(0, cat.exitCode());
    }
  }

  /** One run of the CLI in a process of its own. */
  record Ran(int exitCode, String stdout, String stderr) {}

  /**
   * Runs the real CLI in a process of its own with {@code input} on its stdin; with {@code
   * terminal}, inside util-linux's script, so that its stdin and stdout are a terminal.
   */
  private static Ran cli(Jockerd d, String input, boolean terminal, String... args)
      throws IOException, InterruptedException {
    List<String> argv = d.cliArgv(args);
    if (terminal) {
      StringBuilder command = new StringBuilder();
      for (String a : argv) {
        command.append('\'').append(a.replace("'", "'\\''")).append("' ");
      }
      argv = List.of("script", "-qec", command.toString(), "/dev/null");
    }
    Process p = new ProcessBuilder(argv).start();
    Thread feed =
        new Thread(
            () -> {
              try (var in = p.getOutputStream()) {
                for (String chunk : input.split("(?<=\u0001)")) {
                  // A \u0001 marks a pause: a shell reads what it is sent once its prompt is up.
                  if (chunk.endsWith("\u0001")) {
                    in.write(
                        chunk.substring(0, chunk.length() - 1).getBytes(StandardCharsets.UTF_8));
                    in.flush();
                    Thread.sleep(1500);
                  } else {
                    in.write(chunk.getBytes(StandardCharsets.UTF_8));
                  }
                }
                if (terminal) {
                  // script ends the session at its input's end: wait for the command instead.
                  p.waitFor(60, TimeUnit.SECONDS);
                }
              } catch (IOException | InterruptedException e) {
                // The CLI ended first.
              }
            });
    feed.start();
    var err = new java.io.ByteArrayOutputStream();
    Thread drain =
        new Thread(
            () -> {
              try {
                p.getErrorStream().transferTo(err);
              } catch (IOException e) {
                // ended
              }
            });
    drain.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("jocker " + String.join(" ", args) + " did not end: " + out);
    }
    drain.join();
    return new Ran(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void runAndExecWithATerminalGetOneInsideTheContainer(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      Ran run = cli(d, "", true, "run", "--rm", "-it", "busybox", "tty");
      assertEquals("/dev/pts/0\r\n", run.stdout(), run.stderr());
      d.ok("run", "-d", "--name", "c1", "busybox", "sleep", "3600");
      Ran exec = cli(d, "", true, "exec", "-it", "c1", "tty");
      assertEquals("/dev/pts/0\r\n", exec.stdout(), exec.stderr());
      Ran shell = cli(d, "\u0001echo in-$((6*7)); exit 5\r", true, "exec", "-it", "c1", "sh");
      assertEquals(5, shell.exitCode(), shell.stdout());
      assertTrue(shell.stdout().contains("in-42\r\n"), shell.stdout());
      Ran wc = cli(d, "one\ntwo\n", false, "exec", "-i", "c1", "wc", "-l");
      assertEquals("2\n", wc.stdout());
      Ran notTty = cli(d, "", false, "exec", "-it", "c1", "tty");
      assertEquals(1, notTty.exitCode());
      assertTrue(notTty.stderr().contains("the input device is not a TTY"), notTty.stderr());
    }
  }

  /** One recorded {@code docker run} of container-process, through jocker. */
  private record Scenario(String name, List<String> args) {}

  @Test
  void usersWorkingDirectoriesEntrypointsAndPathsAsDockerRanThem(Sandbox sandbox) {
    List<Scenario> runs =
        List.of(
            new Scenario("u-nobody-id", List.of("-u", "nobody", "busybox", "id")),
            new Scenario(
                "u-nobody-home",
                List.of("-u", "nobody", "busybox", "sh", "-c", "echo \"$HOME\"; pwd")),
            new Scenario("u-1000-1000-id", List.of("-u", "1000:1000", "busybox", "id")),
            new Scenario("u-www-data-users-id", List.of("-u", "www-data:users", "busybox", "id")),
            new Scenario("w-tmp-pwd", List.of("-w", "/tmp", "busybox", "pwd")),
            new Scenario(
                "w-new-dir",
                List.of("-w", "/new/dir", "busybox", "sh", "-c", "pwd; ls -ld /new /new/dir")),
            new Scenario(
                "entrypoint", List.of("--entrypoint", "/bin/echo", "busybox", "hello", "world")),
            new Scenario(
                "entrypoint-sh-c",
                List.of("--entrypoint", "sh", "busybox", "-c", "echo \"$0 $1\"", "a", "b")),
            new Scenario(
                "entrypoint-empty",
                List.of("--entrypoint", "", "busybox", "echo", "no", "entrypoint")),
            new Scenario("e-path-bin-env", List.of("-e", "PATH=/bin", "busybox", "env")),
            new Scenario(
                "e-path-usr-bin-env", List.of("-e", "PATH=/usr/bin:/bin", "busybox", "env")),
            new Scenario("e-home", List.of("-e", "HOME=/tmp", "busybox", "env")));
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      String f = "container-process";
      for (Scenario p : runs) {
        List<String> args = new ArrayList<>(List.of("run", "--rm"));
        args.addAll(p.args());
        Jockerd.Result r = d.jocker(args.toArray(String[]::new));
        assertEquals(goldenExit(f, p.name()), r.exitCode(), p.name() + ": " + r.stderr());
        String expected = normalized(golden(f, p.name(), "out"), "", "");
        assertEquals(
            expected.replaceAll("HOSTNAME=[0-9a-f]{12}", "HOSTNAME=H"),
            normalized(r.stdout(), "", "").replaceAll("HOSTNAME=[0-9a-f]{12}", "HOSTNAME=H"),
            p.name());
      }
      assertEquals(0, cgroupIds(d).size(), "each --rm container took its cgroup with it");
    }
  }

  /**
   * One hostile {@code run} of container-hostile, through jocker; {@code textIsDockers} where its
   * first line of error is Docker's word for word (not where it names a path or a number of the
   * machine).
   */
  private record Hostile(String number, List<String> args, boolean textIsDockers) {}

  @Test
  void hostileOptionsGetDockersErrorsAndLeaveWhatDockerLeaves(Sandbox sandbox) {
    List<Hostile> runs =
        List.of(
            new Hostile("01", List.of("-u", "99999999", "busybox", "id"), false),
            new Hostile("02", List.of("-u", "nosuchuser", "busybox", "id"), true),
            new Hostile("03", List.of("-u", "nobody:nosuchgroup", "busybox", "id"), true),
            new Hostile("04", List.of("-u", "1:2:3", "busybox", "id"), false),
            new Hostile("05", List.of("-u", "-1", "busybox", "id"), true),
            new Hostile("06", List.of("-w", "/etc/passwd", "busybox", "pwd"), true),
            new Hostile("07", List.of("--cap-add", "NOPE", "busybox", "true"), true),
            new Hostile("08", List.of("--cap-drop", "NOPE", "busybox", "true"), true),
            new Hostile("09", List.of("--memory", "1", "busybox", "true"), true),
            new Hostile("10", List.of("--memory", "5m", "busybox", "true"), true),
            new Hostile("11", List.of("--memory", "6m", "busybox", "true"), false),
            new Hostile("12", List.of("--memory", "abc", "busybox", "true"), true),
            new Hostile("13", List.of("--cpus", "-1", "busybox", "true"), false),
            new Hostile("15", List.of("--cpus", "abc", "busybox", "true"), true),
            new Hostile("16", List.of("--cpu-shares", "-1", "busybox", "true"), true),
            new Hostile("17", List.of("--cpu-shares", "1", "busybox", "true"), true),
            new Hostile("18", List.of("--pids-limit", "0", "busybox", "true"), false),
            new Hostile("19", List.of("--pids-limit", "-1", "busybox", "true"), false),
            new Hostile("20", List.of("--restart", "sometimes", "busybox", "true"), true),
            new Hostile("21", List.of("--restart", "on-failure:x", "busybox", "true"), true),
            new Hostile("22", List.of("--restart", "always:3", "busybox", "true"), true),
            new Hostile("23", List.of("--restart", "on-failure:-1", "busybox", "true"), true),
            new Hostile("24", List.of("--rm", "--restart", "always", "busybox", "true"), true),
            new Hostile("25", List.of("-w", "relative", "busybox", "pwd"), true),
            new Hostile("26", List.of("--security-opt", "nonsense", "busybox", "true"), true),
            new Hostile("27", List.of("--entrypoint", "/nonexistent", "busybox"), true));
    try (Jockerd d = new Jockerd(sandbox, dir).start()) {
      List<String> unlike = new ArrayList<>();
      for (Hostile h : runs) {
        List<String> args = new ArrayList<>(List.of("run", "--name", "h" + h.number()));
        args.addAll(h.args());
        Jockerd.Result r = d.jocker(args.toArray(String[]::new));
        String name = h.number() + " " + String.join(" ", h.args());
        int exit = goldenExit("container-hostile", h.number() + "-20");
        String says =
            golden("container-hostile", h.number() + "-20", "err")
                .replace("docker", "jocker")
                .lines()
                .findFirst()
                .orElse("");
        String said = r.stderr().lines().findFirst().orElse("");
        if (r.exitCode() != exit || (h.textIsDockers() && !said.equals(says))) {
          unlike.add(name + ": " + r.exitCode() + " " + said + "\n  Docker: " + exit + " " + says);
        }
      }
      assertTrue(unlike.isEmpty(), "unlike Docker 20.10's client:\n" + String.join("\n", unlike));
      // Docker's own list: what a create refused is not there; what a start refused stays created.
      List<String> docker = new ArrayList<>();
      for (String line : golden("container-hostile", "ps-a-after", "out").split("\n")) {
        String[] nameStatus = line.split("\t");
        if (!nameStatus[0].equals("h28") && !nameStatus[0].equals("h29")) {
          docker.add(
              nameStatus[0] + " " + (nameStatus[1].startsWith("Exited") ? "exited" : "created"));
        }
      }
      List<String> ours = new ArrayList<>();
      for (JsonNode c : d.api("GET", "/containers/json?all=1", null).json()) {
        ours.add(c.get("Names").get(0).asText().substring(1) + " " + c.get("State").asText());
      }
      assertEquals(docker.stream().sorted().toList(), ours.stream().sorted().toList());
      assertEquals(List.of(), cgroupIds(d), "no cgroup left");
      assertFalse(
          sandbox.host().run("ip", "-o", "link", "show", "type", "veth").contains("veth"),
          "no veth left");
      assertFalse(sandbox.host().run("ls", "/run/netns").contains("jocker-h"), "no namespace left");
      JsonNode state = inspect(d, "h27").get("State");
      assertEquals(127, state.get("ExitCode").asInt());
      assertEquals("created", state.get("Status").asText());
      assertTrue(
          state.get("Error").asText().startsWith("failed to create shim task"), state.toString());
    }
  }

  private static int cpus() {
    return Runtime.getRuntime().availableProcessors();
  }
}
