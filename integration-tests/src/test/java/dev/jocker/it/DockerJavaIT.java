package dev.jocker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.command.ExecCreateCmdResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-java (the Maven Central client, its zerodep transport) against jockerd: version
 * negotiation, a container's whole life with labels, its logs apart by stream, exec with the output
 * and the exit code, the attach hijack, filters, cp both ways, networks; every answer as
 * docker-java reads Docker's.
 */
@Privileged
class DockerJavaIT {
  @TempDir Path dir;

  private static DockerClient client(Path socket) {
    DefaultDockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder()
            .withDockerHost("unix://" + socket)
            .withDockerConfig(socket.getParent().resolve("docker-config").toString())
            .build();
    return DockerClientImpl.getInstance(
        config,
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .connectionTimeout(Duration.ofSeconds(10))
            .responseTimeout(Duration.ofSeconds(60))
            .build());
  }

  /** Collects a stream's frames by stream type. */
  private static final class Collect extends ResultCallback.Adapter<Frame> {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Override
    public void onNext(Frame f) {
      (f.getStreamType() == StreamType.STDERR ? err : out).writeBytes(f.getPayload());
    }

    String out() {
      return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
      return err.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void dockerJavaRunsAContainersWholeLife(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start();
        DockerClient docker = client(d.socket())) {
      docker.pingCmd().exec();
      assertEquals("1.41", docker.versionCmd().exec().getApiVersion());
      assertEquals("20.10.24", docker.versionCmd().exec().getVersion());

      CreateContainerResponse created =
          docker
              .createContainerCmd("busybox")
              .withName("dj")
              .withLabels(Map.of("tier", "web"))
              .withCmd("sh", "-c", "echo out; echo err >&2; sleep 1000")
              .exec();
      docker.startContainerCmd(created.getId()).exec();
      InspectContainerResponse inspect = docker.inspectContainerCmd("dj").exec();
      assertTrue(inspect.getState().getRunning());
      assertEquals(Map.of("tier", "web"), inspect.getConfig().getLabels());
      assertEquals("/dj", inspect.getName());

      List<Container> labelled =
          docker.listContainersCmd().withLabelFilter(Map.of("tier", "web")).exec();
      assertEquals(List.of(created.getId()), labelled.stream().map(Container::getId).toList());
      assertEquals(
          List.of(), docker.listContainersCmd().withLabelFilter(Map.of("tier", "db")).exec());

      Collect exec = new Collect();
      ExecCreateCmdResponse e =
          docker
              .execCreateCmd("dj")
              .withAttachStdout(true)
              .withAttachStderr(true)
              .withCmd("sh", "-c", "echo exec-out; echo exec-err >&2; exit 3")
              .exec();
      docker.execStartCmd(e.getId()).exec(exec).awaitCompletion(30, TimeUnit.SECONDS);
      assertEquals("exec-out\n", exec.out());
      assertEquals("exec-err\n", exec.err());
      InspectExecResponse done = docker.inspectExecCmd(e.getId()).exec();
      assertEquals(3L, done.getExitCodeLong());
      assertFalse(done.isRunning());

      ExecCreateCmdResponse cat =
          docker
              .execCreateCmd("dj")
              .withAttachStdin(true)
              .withAttachStdout(true)
              .withCmd("cat")
              .exec();
      Collect echoed = new Collect();
      docker
          .execStartCmd(cat.getId())
          .withStdIn(new ByteArrayInputStream("through stdin\n".getBytes(StandardCharsets.UTF_8)))
          .exec(echoed)
          .awaitCompletion(30, TimeUnit.SECONDS);
      assertEquals("through stdin\n", echoed.out());

      docker
          .copyArchiveToContainerCmd("dj")
          .withHostResource(write(dir.resolve("note.txt"), "copied in\n").toString())
          .withRemotePath("/tmp")
          .exec();
      try (InputStream tar = docker.copyArchiveFromContainerCmd("dj", "/tmp/note.txt").exec()) {
        byte[] bytes = tar.readAllBytes();
        assertTrue(
            new String(bytes, StandardCharsets.ISO_8859_1).contains("copied in\n"),
            "the archive holds the file");
      }

      docker.stopContainerCmd("dj").withTimeout(1).exec();
      assertEquals(
          137,
          docker
              .waitContainerCmd("dj")
              .exec(new com.github.dockerjava.api.command.WaitContainerResultCallback())
              .awaitStatusCode(30, TimeUnit.SECONDS));

      Collect logs = new Collect();
      docker
          .logContainerCmd("dj")
          .withStdOut(true)
          .withStdErr(true)
          .exec(logs)
          .awaitCompletion(30, TimeUnit.SECONDS);
      // Today's process runtime writes its shell's "Killed" after the SIGKILL of stop into the
      // same log (the container launcher's shim does not): what the container wrote comes first.
      assertTrue((logs.out() + logs.err()).startsWith("out\nerr\n"), logs.out() + logs.err());

      String net =
          docker
              .createNetworkCmd()
              .withName("djnet")
              .withLabels(Map.of("team", "a"))
              .exec()
              .getId();
      assertEquals(
          "djnet", docker.listNetworksCmd().withNameFilter("djnet").exec().get(0).getName());
      docker.removeNetworkCmd(net).exec();

      docker.removeContainerCmd("dj").withForce(true).withRemoveVolumes(true).exec();
      try {
        docker.inspectContainerCmd("dj").exec();
        throw new AssertionError("dj is still there");
      } catch (NotFoundException gone) {
        assertTrue(gone.getMessage().contains("No such container: dj"), gone.getMessage());
      }
    }
  }

  @Test
  void dockerJavaAttachesBeforeTheStartAndReadsTheExit(Sandbox sandbox) throws Exception {
    try (Jockerd d = new Jockerd(sandbox, dir).start();
        DockerClient docker = client(d.socket())) {
      String id =
          docker
              .createContainerCmd("busybox")
              .withCmd("sh", "-c", "sleep 1; echo attached; exit 4")
              .exec()
              .getId();
      Collect attached = new Collect();
      docker
          .attachContainerCmd(id)
          .withStdOut(true)
          .withStdErr(true)
          .withFollowStream(true)
          .exec(attached);
      docker.startContainerCmd(id).exec();
      attached.awaitCompletion(30, TimeUnit.SECONDS);
      assertEquals("attached\n", attached.out());
      assertEquals(
          4,
          docker
              .waitContainerCmd(id)
              .exec(new com.github.dockerjava.api.command.WaitContainerResultCallback())
              .awaitStatusCode(30, TimeUnit.SECONDS));
      docker.removeContainerCmd(id).exec();
    }
  }

  private static Path write(Path file, String text) throws Exception {
    java.nio.file.Files.writeString(file, text);
    return file;
  }
}
