package dev.jocker.firewall;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The kernel's connection tracking table, through the {@code conntrack} tool of conntrack-tools:
 * what Docker's bridge driver clears when a container's endpoint goes ({@code
 * clearEndpointConnections}, moby issue 8795), so that a flow NATed to a container that is gone (a
 * UDP client that keeps sending, above all) is not sent to its address any more once another
 * container publishes the port.
 */
public final class Conntrack {
  private static final Logger LOG = LogManager.getLogger(Conntrack.class);

  private final Path netns;

  /** The table of the namespace named by {@code netns}, or of the caller's when null. */
  public Conntrack(Path netns) {
    this.netns = netns;
  }

  /**
   * Deletes every tracked flow whose reply comes from {@code address}: those sent to it, DNATed or
   * not. Where conntrack-tools is not installed this does nothing (the entries then expire by
   * themselves, UDP's in 30 s to 180 s).
   */
  public void forgetFlowsTo(String address) {
    List<String> argv = new ArrayList<>();
    if (netns != null) {
      argv.addAll(List.of("nsenter", "--net=" + netns, "--"));
    }
    argv.addAll(List.of("conntrack", "-D", "--reply-src", address));
    try {
      Process p =
          new ProcessBuilder(argv)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        LOG.warn("conntrack -D --reply-src {}: no answer in 10 s", address);
      }
    } catch (IOException e) {
      LOG.debug("conntrack is not installed; flows to {} expire by themselves", address);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
