package dev.jocker.bridge;

import dev.jocker.kernel.Link;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Creates the bridge with its MTU and persisted MAC, or adopts an existing one. A bridge that a
 * running Docker daemon owns is refused: two managers would fight over its rules.
 */
final class SetupDevice implements SetupStep {
  @Override
  public String name() {
    return "device";
  }

  @Override
  public String apply(BridgeContext ctx) {
    String bridge = ctx.config().name();
    Optional<Link> existing = ctx.host().links().find(bridge);
    if (existing.isPresent()) {
      if (!"bridge".equals(existing.get().kind())) {
        throw new BridgeException(
            bridge
                + " exists and is a "
                + existing.get().kind()
                + " device, not a bridge; choose another name with --bridge");
      }
      refuseDockerOwned(bridge);
      return null;
    }
    ctx.host().links().addBridge(bridge, ctx.config().mtu(), ctx.mac());
    return "created bridge " + bridge;
  }

  private static void refuseDockerOwned(String bridge) {
    for (String pidFile : new String[] {"/run/docker.pid", "/var/run/docker.pid"}) {
      try {
        Path p = Path.of(pidFile);
        if (Files.exists(p)) {
          long pid = Long.parseLong(Files.readString(p).strip());
          if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            throw new BridgeException(
                bridge
                    + " belongs to a running Docker daemon (PID "
                    + pid
                    + "); stop Docker or give jocker"
                    + " its own bridge with --bridge, --bip and --mtu");
          }
        }
      } catch (java.io.IOException | NumberFormatException e) {
        continue;
      }
    }
  }
}
