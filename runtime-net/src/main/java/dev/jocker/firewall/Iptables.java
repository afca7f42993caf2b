package dev.jocker.firewall;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The system's {@code iptables}, run with {@code --wait} and an argument list (never a shell),
 * optionally inside another network namespace through {@code nsenter --net=FILE}.
 */
public final class Iptables {
  /** What a finished command left. */
  public record Result(int exitCode, String stdout, String stderr) {}

  private final Path netns;

  /** iptables of the namespace named by {@code netns}, or of the caller's when null. */
  public Iptables(Path netns) {
    this.netns = netns;
  }

  /** Runs {@code iptables --wait ARGS}; returns the result whatever the exit code. */
  public Result run(String... args) {
    return exec("iptables", List.of(args));
  }

  /**
   * Runs {@code iptables-restore --noflush --wait} with {@code rules} (iptables-save text) on its
   * input: every rule of it in one transaction and one process, the tables' other rules kept (the
   * user chains it declares are flushed first). Returns the result whatever the exit code.
   */
  public Result restore(String rules) {
    return exec("iptables-restore", List.of("--noflush", "--wait"), rules);
  }

  /** Runs {@code iptables-save}. */
  public String save() {
    Result r = exec("iptables-save", List.of());
    if (r.exitCode() != 0) {
      throw new IptablesException("iptables-save failed: " + r.stderr().strip());
    }
    return r.stdout();
  }

  /**
   * Runs another {@code *-save} tool, e.g. {@code iptables-legacy-save}, whatever its exit code.
   */
  Result saveWith(String tool) {
    try {
      return exec(tool, List.of());
    } catch (UncheckedIOException e) {
      return new Result(127, "", tool + " is not installed");
    }
  }

  private Result exec(String tool, List<String> args) {
    return exec(tool, args, null);
  }

  private Result exec(String tool, List<String> args, String input) {
    List<String> argv = new ArrayList<>();
    if (netns != null) {
      argv.addAll(List.of("nsenter", "--net=" + netns, "--"));
    }
    argv.add(tool);
    if (tool.equals("iptables")) {
      argv.add("--wait");
    }
    argv.addAll(args);
    try {
      ProcessBuilder builder = new ProcessBuilder(argv);
      if (input == null) {
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      }
      Process p = builder.start();
      if (input != null) {
        try (var stdin = p.getOutputStream()) {
          stdin.write(input.getBytes(StandardCharsets.UTF_8));
        }
      }
      byte[] out = p.getInputStream().readAllBytes();
      byte[] err = p.getErrorStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IptablesException(String.join(" ", argv) + ": no answer in 60 s");
      }
      return new Result(
          p.exitValue(),
          new String(out, StandardCharsets.UTF_8),
          new String(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(
          tool + " could not be started (is the iptables package installed?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IptablesException(tool + " interrupted");
    }
  }
}
