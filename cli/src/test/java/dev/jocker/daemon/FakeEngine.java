package dev.jocker.daemon;

import dev.jocker.cni.CniBackend;
import dev.jocker.container.Attachment;
import dev.jocker.container.ExecProcess;
import dev.jocker.doctor.Finding;
import dev.jocker.engine.ContainerInfo;
import dev.jocker.engine.ContainerListener;
import dev.jocker.engine.ContainerStats;
import dev.jocker.engine.CreateRequest;
import dev.jocker.engine.Engine;
import dev.jocker.engine.EngineException;
import dev.jocker.engine.EngineInfo;
import dev.jocker.engine.ExecRequest;
import dev.jocker.engine.ExecResult;
import dev.jocker.engine.ExecState;
import dev.jocker.engine.ImageInfo;
import dev.jocker.engine.NetworkInfo;
import dev.jocker.engine.WaitCondition;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** An engine in memory: one container at most, always running once created. */
final class FakeEngine implements Engine {
  CreateRequest lastCreate;
  List<String> lastNetworkCreate;
  String lastNetworkRemove;
  ContainerInfo container;

  /** Every call that changes state, in order: what the hostile-input test counts. */
  final List<String> actions = new ArrayList<>();

  @Override
  public ContainerInfo create(CreateRequest request) {
    actions.add("create");
    if (request.image() == null) {
      throw new EngineException(EngineException.Kind.INVALID, "no image");
    }
    lastCreate = request;
    container =
        new ContainerInfo(
            "a".repeat(64),
            request.name(),
            request.image(),
            "sha256:" + "b".repeat(64),
            request.command().get(0),
            request.command().subList(1, request.command().size()),
            List.of(),
            "aaaaaaaaaaaa",
            Instant.now(),
            new ContainerInfo.State("running", 42, 0, Instant.now(), null, false, ""),
            "bridge",
            null,
            "/run/netns/jocker-" + request.name(),
            false,
            false,
            false,
            "/log",
            "/hosts",
            "/hostname",
            "/resolv.conf",
            new ContainerInfo.Spec(
                null,
                request.command(),
                "",
                "",
                List.of(),
                List.of(),
                false,
                List.of(),
                0,
                0,
                0,
                0,
                null,
                "no",
                0),
            0);
    return container;
  }

  @Override
  public ContainerInfo container(String ref) {
    if (container == null || !(ref.equals(container.name()) || container.id().startsWith(ref))) {
      throw EngineException.notFound("container", ref);
    }
    return container;
  }

  @Override
  public List<ContainerInfo> containers(boolean all) {
    return container == null ? List.of() : List.of(container);
  }

  @Override
  public void remove(String ref, boolean force) {
    actions.add("remove");
    container(ref);
    if (!force) {
      throw new EngineException(
          EngineException.Kind.CONFLICT, "You cannot remove a running container");
    }
    container = null;
  }

  @Override
  public ContainerInfo start(String ref) {
    actions.add("start");
    return container(ref);
  }

  @Override
  public ContainerInfo stop(String ref, Duration timeout) {
    actions.add("stop");
    return container(ref);
  }

  @Override
  public void kill(String ref, String signal) {
    actions.add("kill");
  }

  @Override
  public int waitForExit(String ref) {
    return 0;
  }

  @Override
  public Path logFile(String ref) {
    return Path.of("/dev/null");
  }

  @Override
  public Path layer(String ref) {
    return Path.of("/nonexistent/" + ref);
  }

  @Override
  public ExecResult exec(String ref, ExecRequest request) {
    return new ExecResult(0, new byte[0], new byte[0]);
  }

  @Override
  public String createExec(String ref, ExecRequest request) {
    return "e".repeat(64);
  }

  @Override
  public ExecResult startExec(String execId, boolean detach) {
    return detach ? null : new ExecResult(0, new byte[0], new byte[0]);
  }

  @Override
  public ExecState inspectExec(String execId) {
    return execInstance(execId);
  }

  @Override
  public ExecState execInstance(String execId) {
    return new ExecState(
        execId, "c".repeat(64), new ExecRequest(List.of("true"), List.of(), false), false, 0, 0);
  }

  @Override
  public ExecProcess startExec(String execId) {
    actions.add("exec");
    throw new EngineException(EngineException.Kind.INVALID, "no processes in memory");
  }

  @Override
  public void resizeExec(String execId, int rows, int columns) {}

  @Override
  public CompletableFuture<Integer> await(String ref, WaitCondition condition) {
    container(ref);
    return CompletableFuture.completedFuture(0);
  }

  @Override
  public void addListener(ContainerListener listener) {}

  @Override
  public ContainerInfo pause(String ref) {
    actions.add("pause");
    return container(ref);
  }

  @Override
  public ContainerInfo unpause(String ref) {
    actions.add("unpause");
    return container(ref);
  }

  @Override
  public ContainerInfo rename(String ref, String newName) {
    actions.add("rename");
    return container(ref);
  }

  @Override
  public CompletableFuture<Attachment> attach(String ref) {
    actions.add("attach");
    return CompletableFuture.failedFuture(
        new EngineException(EngineException.Kind.INVALID, "no processes in memory"));
  }

  @Override
  public void resize(String ref, int rows, int columns) {}

  @Override
  public ContainerStats stats(String ref) {
    container(ref);
    return new ContainerStats(Instant.now(), 0, 0, 1, 0, 0, Map.of(), 0, 0, Map.of());
  }

  @Override
  public List<NetworkInfo> networks() {
    return List.of();
  }

  @Override
  public NetworkInfo createNetwork(
      String name,
      String driver,
      String subnet,
      String gateway,
      String ipRange,
      java.util.Map<String, String> options) {
    actions.add("network create " + driver);
    lastNetworkCreate = java.util.Arrays.asList(name, driver, subnet, options.toString());
    return new NetworkInfo(
        "e".repeat(64),
        name,
        driver,
        Instant.EPOCH,
        subnet,
        ipRange,
        gateway,
        options,
        java.util.Map.of());
  }

  @Override
  public NetworkInfo createNetwork(String name, String subnet, String gateway, String ipRange) {
    actions.add("network create");
    lastNetworkCreate = java.util.Arrays.asList(name, subnet, gateway, ipRange);
    return new NetworkInfo(
        "f".repeat(64),
        name,
        "bridge",
        Instant.EPOCH,
        subnet,
        ipRange,
        gateway,
        java.util.Map.of(),
        java.util.Map.of());
  }

  @Override
  public void removeNetwork(String ref) {
    actions.add("network remove");
    if (ref.equals("bridge")) {
      throw new EngineException(
          EngineException.Kind.FORBIDDEN, "bridge is a pre-defined network and cannot be removed");
    }
    lastNetworkRemove = ref;
  }

  @Override
  public NetworkInfo network(String ref) {
    if (lastNetworkCreate != null && ref.equals(lastNetworkCreate.get(0)) || ref.equals("bridge")) {
      return new NetworkInfo(
          "f".repeat(64),
          ref,
          "bridge",
          Instant.EPOCH,
          null,
          null,
          null,
          java.util.Map.of(),
          java.util.Map.of());
    }
    throw EngineException.notFound("network", ref);
  }

  @Override
  public List<ImageInfo> images() {
    return List.of();
  }

  @Override
  public ImageInfo image(String ref) {
    throw EngineException.notFound("image", ref);
  }

  @Override
  public ImageInfo importImage(Path source, String name) {
    throw new EngineException(EngineException.Kind.INVALID, "no");
  }

  @Override
  public List<String> reconcile() {
    return List.of();
  }

  @Override
  public CniBackend cniBackend() {
    throw new EngineException(EngineException.Kind.INVALID, "no CNI here");
  }

  @Override
  public List<Finding> doctor() {
    return List.of(
        new Finding(Finding.Status.OK, "ip_forward", "net.ipv4.ip_forward = 1", null),
        new Finding(Finding.Status.FAIL, "rules", "1 of 13 missing", "jocker reconcile"));
  }

  @Override
  public String topology(String network, String format) {
    return "";
  }

  @Override
  public String trace(String container, String destination) {
    return "";
  }

  @Override
  public EngineInfo info() {
    return new EngineInfo(0, 0, 0, 0, Path.of("/"), "docker0", true, true);
  }

  @Override
  public void close() {}
}
