package dev.jocker.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code GET /containers/{id}/top} as Docker answers it: the host's {@code ps} with the client's
 * arguments ({@code -ef} by default), keeping the rows of the processes in the container's PID
 * namespace.
 */
final class Top {
  private Top() {}

  static Map<String, Object> of(long pid, String psArgs) throws IOException, InterruptedException {
    Set<Long> pids = processesInNamespaceOf(pid);
    List<String> argv = new ArrayList<>(List.of("ps"));
    argv.addAll(Arrays.stream(psArgs.split(" ")).filter(s -> !s.isEmpty()).toList());
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalArgumentException("ps " + psArgs + " failed: " + out.strip());
    }
    String[] lines = out.split("\n");
    List<String> titles = Arrays.asList(lines[0].trim().split("\\s+"));
    int pidColumn = titles.indexOf("PID");
    if (pidColumn < 0) {
      throw new IllegalArgumentException("Couldn't find PID field in ps output");
    }
    List<List<String>> processes = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      if (lines[i].isBlank()) {
        continue;
      }
      String[] fields = lines[i].trim().split("\\s+", titles.size());
      if (fields.length <= pidColumn) {
        continue;
      }
      try {
        if (pids.contains(Long.parseLong(fields[pidColumn]))) {
          processes.add(Arrays.asList(fields));
        }
      } catch (NumberFormatException notARow) {
        // A continuation line of a multi-line format: not a process.
      }
    }
    return Map.of("Titles", titles, "Processes", processes);
  }

  private static Set<Long> processesInNamespaceOf(long pid) throws IOException {
    Path ns = Path.of("/proc/" + pid + "/ns/pid");
    String want = Files.readSymbolicLink(ns).toString();
    Set<Long> out = new HashSet<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          if (Files.readSymbolicLink(p.resolve("ns/pid")).toString().equals(want)) {
            out.add(Long.parseLong(name));
          }
        } catch (IOException gone) {
          // The process ended while the list was read.
        }
      }
    }
    return out;
  }
}
