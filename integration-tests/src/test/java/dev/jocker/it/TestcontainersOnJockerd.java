package dev.jocker.it;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.utility.DockerImageName;

/**
 * What {@link TestcontainersIT} runs in a JVM of its own (Testcontainers reads its Docker host from
 * the environment once per JVM): a {@code GenericContainer} of busybox with a command, exec and
 * logs, against whatever DOCKER_HOST names, Testcontainers' start-up checks enabled. Prints one
 * {@code KEY=VALUE} line per fact and exits 0, or prints the failure and exits 1.
 */
public final class TestcontainersOnJockerd {
  private TestcontainersOnJockerd() {}

  public static void main(String[] args) throws Exception {
    System.out.println("server=" + DockerClientFactory.instance().getActiveApiVersion());
    System.out.println(
        "version=" + DockerClientFactory.instance().client().versionCmd().exec().getVersion());
    try (GenericContainer<?> c =
        new GenericContainer<>(DockerImageName.parse("busybox:latest"))
            .withCommand("sh", "-c", "echo ready; echo on-stderr >&2; sleep 1000")) {
      c.start();
      System.out.println("running=" + c.isRunning());
      ExecResult r = c.execInContainer("sh", "-c", "echo exec-out; echo exec-err >&2; exit 3");
      System.out.println("exec.exit=" + r.getExitCode());
      System.out.println("exec.stdout=" + r.getStdout().strip());
      System.out.println("exec.stderr=" + r.getStderr().strip());
      long deadline = System.currentTimeMillis() + 10_000;
      while (!c.getLogs(OutputFrame.OutputType.STDOUT).contains("ready")
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      System.out.println("logs=" + c.getLogs().replace("\n", "|"));
      String id = c.getContainerId();
      c.stop();
      boolean gone =
          DockerClientFactory.instance()
              .client()
              .listContainersCmd()
              .withShowAll(true)
              .exec()
              .stream()
              .noneMatch(x -> x.getId().equals(id));
      System.out.println("removed=" + gone);
    }
    System.out.flush();
  }
}
