package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.utility.DockerImageName;

/**
 * Tier 2: the same tutorial inside a privileged container started by Testcontainers, as CI systems
 * that have a Docker daemon (and no root) run it. No registry is needed: the image is an empty root
 * imported here, and the container gets the host's {@code /usr} (Java, iproute2, iptables,
 * busybox), the {@code /etc} parts those read, and the jocker distribution, all read-only. It has
 * no network from Docker ({@code --network none}): inside, a namespace plays "the internet" as in
 * tier 1.
 */
@Tag("docker")
class TestcontainersTierIT {
  private static final String IMAGE = "jocker-tier2:local";
  private static final Path DIST =
      Path.of("../cli/target/jocker-dist").toAbsolutePath().normalize();
  private static final String JOCKER = "/opt/jocker/bin/jocker";

  @Test
  void theTutorialInAPrivilegedContainer() {
    boolean docker = DockerClientFactory.instance().isDockerAvailable();
    if (!docker && "true".equals(System.getenv("CI"))) {
      fail("CI=true but no Docker daemon answers (DOCKER_HOST); .ci/run starts one");
    }
    assumeTrue(docker, "no Docker daemon answers (DOCKER_HOST unset or down): tier 2 skipped");
    try (GenericContainer<?> container = container(emptyImage())) {
      container.start();
      InContainer machine = new InContainer(container);
      machine.run(
          "sh",
          "-c",
          String.join(
              " && ",
              "ip netns add internet",
              "ip link add uplink type veth peer name eth0 netns internet",
              "ip addr add 198.51.100.2/24 dev uplink",
              "ip link set uplink up",
              "ip -n internet addr add 198.51.100.1/24 dev eth0",
              "ip -n internet link set eth0 up",
              "ip -n internet link set lo up",
              "ip route add default via 198.51.100.1"));
      machine.run("sh", "-c", "/opt/jocker/bin/jockerd >/tmp/jockerd.out 2>&1 &");
      machine.awaitDaemon();
      Tutorial.runPingAndLook(machine);
      Tutorial.removeAndReuse(machine);
    }
  }

  /**
   * An empty image, built {@code FROM scratch} (a build, unlike a pull, needs no registry): all the
   * container runs is bind-mounted.
   */
  private static String emptyImage() {
    return new ImageFromDockerfile(IMAGE, false)
        .withDockerfileFromBuilder(d -> d.from("scratch").label("org.jocker.tier", "2").build())
        .get();
  }

  @SuppressWarnings("resource") // closed by the caller's try-with-resources
  private static GenericContainer<?> container(String image) {
    GenericContainer<?> c =
        new GenericContainer<>(DockerImageName.parse(image))
            // Built just now; there is no registry to look in.
            .withImagePullPolicy(name -> false)
            .withPrivilegedMode(true)
            .withNetworkMode("none")
            // Native libraries (SQLite, jffi) are unpacked to /tmp and loaded from there.
            .withTmpFs(Map.of("/tmp", "rw,exec", "/run", "rw"))
            .withCommand("/usr/bin/sleep", "infinity");
    for (String path :
        List.of(
            "/usr",
            "/bin",
            "/sbin",
            "/lib",
            "/lib64",
            "/etc/alternatives",
            "/etc/java-17-openjdk",
            "/etc/passwd",
            "/etc/group")) {
      c.withFileSystemBind(path, path, BindMode.READ_ONLY);
    }
    return c.withFileSystemBind(DIST.toString(), "/opt/jocker", BindMode.READ_ONLY);
  }

  /** The container as the machine the tutorial runs on: commands through {@code docker exec}. */
  private static final class InContainer implements Tutorial.Machine {
    private final GenericContainer<?> container;

    InContainer(GenericContainer<?> container) {
      this.container = container;
    }

    @Override
    public String jocker(String... args) {
      List<String> command = new ArrayList<>(List.of(JOCKER));
      command.addAll(List.of(args));
      return run(command.toArray(String[]::new));
    }

    @Override
    public String run(String... command) {
      ExecResult r = exec(command);
      if (r.getExitCode() != 0) {
        throw new AssertionError(
            String.join(" ", command)
                + " exited "
                + r.getExitCode()
                + ": "
                + r.getStderr()
                + r.getStdout()
                + log());
      }
      return r.getStdout();
    }

    /** Watches the internet's eth0 for test1's ping; the echo request names its source. */
    @Override
    public String sourceSeenByTheInternet() {
      String seen =
          run(
              "sh",
              "-c",
              "ip netns exec internet timeout 10 tcpdump -n -l -c 1 -i eth0 'icmp[icmptype] =="
                  + " icmp-echo' >/tmp/seen 2>/dev/null & sleep 1; "
                  + JOCKER
                  + " exec test1 ping -c 2 198.51.100.1 >/dev/null; wait; cat /tmp/seen");
      Matcher m =
          Pattern.compile("IP (\\S+) > 198\\.51\\.100\\.1: ICMP echo request").matcher(seen);
      assertTrue(m.find(), seen);
      return m.group(1);
    }

    void awaitDaemon() {
      for (int i = 0; i < 150; i++) {
        if (exec(JOCKER, "ps").getExitCode() == 0) {
          return;
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
      throw new AssertionError("jockerd did not answer in the container in 30 s" + log());
    }

    private String log() {
      return "\njockerd's output:\n" + exec("cat", "/tmp/jockerd.out").getStdout();
    }

    private ExecResult exec(String... command) {
      try {
        return container.execInContainer(command);
      } catch (IOException e) {
        throw new AssertionError(String.join(" ", command) + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
