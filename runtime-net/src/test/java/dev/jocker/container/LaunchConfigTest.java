package dev.jocker.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Docker 20.10 rules the launcher's Java side applies before any process starts. */
class LaunchConfigTest {
  private static String resource(String name) throws IOException {
    try (InputStream in = Images.class.getResourceAsStream("busybox/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static ExecUser busybox(String user) throws IOException {
    return Users.resolve(user, resource("passwd"), resource("group"));
  }

  private static String refused(Runnable r) {
    return assertThrows(InvalidConfigException.class, r::run).getMessage();
  }

  @Test
  void theBusyboxImageHasDockerHubsPasswdAndGroup() throws IOException {
    for (String f : List.of("passwd", "group")) {
      assertEquals(
          java.nio.file.Files.readString(Path.of("../reference/docker-20.10/busybox-etc", f)),
          resource(f),
          f);
    }
  }

  @Test
  void usersResolveAsRuncDoesInBusyboxsPasswdAndGroup() throws IOException {
    assertEquals(new ExecUser(0, 0, List.of(0L, 10L), "/root"), busybox(""));
    assertEquals(new ExecUser(0, 0, List.of(0L, 10L), "/root"), busybox("root"));
    assertEquals(new ExecUser(65534, 65534, List.of(65534L), "/home"), busybox("nobody"));
    assertEquals(new ExecUser(65534, 65534, List.of(65534L), "/home"), busybox("65534"));
    assertEquals(new ExecUser(65534, 0, List.of(0L), "/home"), busybox("nobody:root"));
    assertEquals(new ExecUser(33, 8, List.of(8L), "/var/www"), busybox("www-data:mail"));
    assertEquals(new ExecUser(99999999, 0, List.of(0L), "/"), busybox("99999999"));
    assertEquals(new ExecUser(1000, 1000, List.of(1000L), "/"), busybox("1000:1000"));
    assertEquals(
        "unable to find user nosuchuser: no matching entries in passwd file",
        refused(() -> Users.resolve("nosuchuser", "root:x:0:0::/root:/bin/sh\n", "")));
    assertEquals(
        "unable to find group nosuchgroup: no matching entries in group file",
        refused(() -> Users.resolve("root:nosuchgroup", "root:x:0:0::/root:/bin/sh\n", "")));
    assertEquals(
        "uids and gids must be in range 0-2147483647",
        refused(() -> Users.resolve("2147483648", "", "")));
    assertEquals(
        "uids and gids must be in range 0-2147483647", refused(() -> Users.resolve("-1", "", "")));
  }

  @Test
  void capabilitiesAreDockersDefaultTweakedByAddDropAndPrivileged() {
    long defaults = Capabilities.of(List.of(), List.of(), false);
    assertEquals(0xa80425fbL, defaults);
    assertEquals(0xa80425fbL | 1L << 12, Capabilities.of(List.of("net_admin"), List.of(), false));
    assertEquals(
        0xa80425fbL & ~(1L << 13), Capabilities.of(List.of(), List.of("CAP_NET_RAW"), false));
    assertEquals(1L << 13, Capabilities.of(List.of("NET_RAW"), List.of("ALL"), false));
    assertEquals(
        0x3fffffffffL & ~(1L << 21), Capabilities.of(List.of("ALL"), List.of("SYS_ADMIN"), false));
    assertEquals(0x3fffffffffL, Capabilities.of(List.of(), List.of(), true));
    assertEquals(
        "invalid CapAdd: unknown capability: \"CAP_NOPE\"",
        refused(() -> Capabilities.of(List.of("NOPE"), List.of(), false)));
    assertEquals(
        "invalid CapDrop: unknown capability: \"CAP_BPF\"",
        refused(() -> Capabilities.of(List.of(), List.of("bpf"), false)));
    assertEquals(
        new Capabilities.Sets(0xa80425fbL, 0xa80425fbL, 0xa80425fbL, 0),
        Capabilities.Sets.of(defaults, 0));
    assertEquals(
        new Capabilities.Sets(0xa80425fbL, 0, 0, 0), Capabilities.Sets.of(defaults, 65534));
    assertEquals(List.of("CAP_NET_RAW"), Capabilities.names(1L << 13));
  }

  @Test
  void entrypointAndCmdComposeAsDockerMergesThem() {
    assertEquals(List.of("sh"), ProcessConfig.command(null, List.of("sh"), null, List.of()));
    assertEquals(List.of("id"), ProcessConfig.command(null, List.of("sh"), null, List.of("id")));
    assertEquals(
        List.of("/entry", "-x", "sh"),
        ProcessConfig.command(List.of("/entry", "-x"), List.of("sh"), null, null));
    assertEquals(
        List.of("/entry", "-x", "id"),
        ProcessConfig.command(List.of("/entry", "-x"), List.of("sh"), null, List.of("id")));
    // A user's entrypoint replaces the image's and drops its command.
    assertEquals(
        List.of("echo"),
        ProcessConfig.command(List.of("/entry"), List.of("sh"), List.of("echo"), null));
    assertEquals(
        List.of("echo", "hi"),
        ProcessConfig.command(List.of("/entry"), List.of("sh"), List.of("echo"), List.of("hi")));
    // --entrypoint "" resets it, and the image's command goes with it.
    assertEquals(
        "No command specified",
        refused(() -> ProcessConfig.command(List.of("/entry"), List.of("sh"), List.of(""), null)));
    assertEquals(
        List.of("id"),
        ProcessConfig.command(List.of("/entry"), List.of("sh"), List.of(""), List.of("id")));
    assertEquals(
        "No command specified", refused(() -> ProcessConfig.command(null, null, null, null)));
  }

  @Test
  void theEnvironmentIsDockersWithTheContainersVariablesOverIt() {
    assertEquals(
        List.of("PATH=" + ProcessConfig.DEFAULT_PATH, "HOSTNAME=abc", "TERM=xterm", "A=1"),
        ProcessConfig.environment("abc", true, List.of("A=1")));
    assertEquals(
        List.of("PATH=/bin", "HOSTNAME=abc", "A=1"),
        ProcessConfig.environment("abc", false, List.of("A=1", "PATH=/bin")));
    assertEquals(
        List.of("PATH=" + ProcessConfig.DEFAULT_PATH),
        ProcessConfig.environment("abc", false, List.of("HOSTNAME")));
    assertEquals(List.of("A=1", "HOME=/root"), ProcessConfig.withHome(List.of("A=1"), "/root"));
    assertEquals(List.of("HOME=/x"), ProcessConfig.withHome(List.of("HOME=/x"), "/root"));
    assertEquals(
        "invalid environment variable: =x",
        refused(() -> ProcessConfig.checkEnvironment(List.of("=x"))));
    assertEquals("/", ProcessConfig.workingDir(""));
    assertEquals("/a/b", ProcessConfig.workingDir("/a/./b/"));
    assertEquals(
        "the working directory 'tmp' is invalid, it needs to be an absolute path",
        refused(() -> ProcessConfig.workingDir("tmp")));
  }

  @Test
  void resourcesAreCheckedWithDockersTexts() {
    assertEquals(
        "Minimum memory limit allowed is 6MB",
        refused(() -> new Resources(1, 0, 0, 0, 0).validate(2)));
    assertEquals(
        "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available",
        refused(() -> new Resources(0, 0, -1_000_000_000L, 0, 0).validate(2)));
    assertEquals(
        "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available",
        refused(() -> new Resources(0, 0, 3_000_000_000L, 0, 0).validate(2)));
    assertEquals(
        "Minimum memoryswap limit should be larger than memory limit, see usage",
        refused(() -> new Resources(64 << 20, 32 << 20, 0, 0, 0).validate(2)));
    assertEquals(
        "You should always set the Memory limit when using Memoryswap limit, see usage",
        refused(() -> new Resources(0, 32 << 20, 0, 0, 0).validate(2)));
    assertEquals(
        new Resources(64 << 20, 128 << 20, 0, 2, 0),
        new Resources(64 << 20, 0, 0, 2, 0).validate(2));
    assertEquals(
        "shares: invalid argument", refused(() -> new Resources(0, 0, 0, -1, 0).validate(2)));
    assertEquals(
        "the minimum allowed cpu-shares is 2",
        refused(() -> new Resources(0, 0, 0, 1, 0).validate(2)));
  }

  @Test
  void restartPoliciesParseAsTheCliAndValidateAsTheDaemon() {
    assertEquals(RestartPolicy.NO, RestartPolicy.parse(""));
    assertEquals(new RestartPolicy("on-failure", 3), RestartPolicy.parse("on-failure:3"));
    assertEquals(new RestartPolicy("always", 0), RestartPolicy.parse("always"));
    assertEquals(
        "invalid restart policy 'sometimes'", refused(() -> RestartPolicy.parse("sometimes")));
    assertEquals(
        "invalid restart policy format", refused(() -> RestartPolicy.parse("on-failure:1:2")));
    assertEquals(
        "maximum retry count must be an integer",
        refused(() -> RestartPolicy.parse("on-failure:x")));
    assertEquals(
        "maximum retry count cannot be used with restart policy 'always'",
        refused(() -> RestartPolicy.parse("always:2")));
    assertEquals(
        "maximum retry count cannot be negative",
        refused(() -> RestartPolicy.parse("on-failure:-1")));
    assertEquals("on-failure:3", RestartPolicy.parse("on-failure:3").toString());
  }

  @Test
  void theBackOffDoublesFrom100MsAndResetsAfterTenSecondsUp() {
    RestartPolicy.Manager always = new RestartPolicy.Manager(RestartPolicy.parse("always"), 0);
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      delays.add(always.shouldRestart(1, false, Duration.ofMillis(5)).orElseThrow().toMillis());
    }
    assertEquals(
        List.of(
            100L, 200L, 400L, 800L, 1600L, 3200L, 6400L, 12800L, 25600L, 51200L, 60000L, 60000L),
        delays);
    assertEquals(
        Optional.of(Duration.ofMillis(100)),
        always.shouldRestart(0, false, Duration.ofSeconds(10)));
    assertEquals(13, always.restartCount());
    always.cancel();
    assertEquals(Optional.empty(), always.shouldRestart(1, false, Duration.ZERO));

    RestartPolicy.Manager onFailure =
        new RestartPolicy.Manager(RestartPolicy.parse("on-failure:2"), 0);
    assertEquals(Optional.empty(), onFailure.shouldRestart(0, false, Duration.ZERO));
    assertEquals(
        Optional.of(Duration.ofMillis(200)), onFailure.shouldRestart(1, false, Duration.ZERO));
    assertEquals(
        Optional.of(Duration.ofMillis(400)), onFailure.shouldRestart(1, false, Duration.ZERO));
    assertEquals(Optional.empty(), onFailure.shouldRestart(1, false, Duration.ZERO));
    assertEquals(2, onFailure.restartCount());

    RestartPolicy.Manager unlessStopped =
        new RestartPolicy.Manager(RestartPolicy.parse("unless-stopped"), 0);
    assertEquals(Optional.empty(), unlessStopped.shouldRestart(0, true, Duration.ZERO));
    assertEquals(
        Optional.of(Duration.ofMillis(200)), unlessStopped.shouldRestart(0, false, Duration.ZERO));
    assertEquals(
        Optional.empty(),
        new RestartPolicy.Manager(RestartPolicy.NO, 0).shouldRestart(1, false, Duration.ZERO));
  }

  @Test
  void startFailuresExitAsTheDockerCliDerivesIt() {
    assertEquals(
        127, new StartException("exec: \"x\": executable file not found in $PATH").exitCode());
    assertEquals(
        127, new StartException("exec: \"/x\": stat /x: no such file or directory").exitCode());
    assertEquals(126, new StartException("exec: \"/etc/passwd\": permission denied").exitCode());
    assertEquals(
        125,
        new StartException("unable to find user x: no matching entries in passwd file").exitCode());
    assertEquals(
        "failed to create shim task: OCI runtime create failed: runc create failed: unable to start"
            + " container process: exec: \"nosuchcmd\": executable file not found in $PATH: unknown",
        new StartException("exec: \"nosuchcmd\": executable file not found in $PATH")
            .dockerMessage());
    assertEquals(
        "Cannot mkdir: /etc/passwd is not a directory",
        new StartException("Cannot mkdir: /etc/passwd is not a directory").dockerMessage());
  }

  @Test
  void theLaunchersSpecIsLengthPrefixedNulTerminatedEntries() {
    assertEquals(
        "8\na=1\0b=2\0",
        new String(LauncherSpec.encode(List.of("a=1", "b=2")), StandardCharsets.UTF_8));
    assertEquals(
        List.of(
            "/proc",
            "/dev",
            "/dev/pts",
            "/sys",
            "/dev/mqueue",
            "/dev/shm",
            "/etc/resolv.conf",
            "/etc/hostname",
            "/etc/hosts"),
        LauncherSpec.mounts(Path.of("/run/c"), false).stream()
            .map(LauncherSpec.Mount::target)
            .toList());
    assertEquals(
        LauncherSpec.MS_NOSUID | LauncherSpec.MS_NOEXEC | LauncherSpec.MS_NODEV,
        LauncherSpec.mounts(Path.of("/run/c"), true).get(3).flags());
  }

  @Test
  void logsReadAsDockerLogsShowsThem() {
    ContainerLogs.Entry e =
        ContainerLogs.parse(
            "{\"log\":\"\\u003ca\\u0026b\\u003e\\t\\\"x\\\"\\n\",\"stream\":\"stderr\",\"time\":\"2024-01-02T03:04:05.1234Z\"}");
    assertEquals("stderr", e.stream());
    assertEquals("<a&b>\t\"x\"\n", new String(e.log(), StandardCharsets.UTF_8));
    assertEquals(Instant.parse("2024-01-02T03:04:05.1234Z"), e.time());
    assertEquals(
        "2024-01-02T03:04:05.1234Z <a&b>\t\"x\"\n",
        new String(e.format(true), StandardCharsets.UTF_8));
    assertEquals(
        "2024-01-02T03:04:05Z", ContainerLogs.rfc3339Nano(Instant.parse("2024-01-02T03:04:05Z")));
    assertEquals(
        "2024-01-02T03:04:05.00000001Z",
        ContainerLogs.rfc3339Nano(Instant.parse("2024-01-02T03:04:05.000000010Z")));
  }
}
