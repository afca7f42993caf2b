package dev.jocker.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Containers created, started and removed per second through the Engine API by 1, 4 and 16 clients
 * at once, each client a thread sending one request at a time as a Docker client does
 * (bench/parallel.sh runs it against a jockerd in a sandbox). Prints each level's rate and its
 * ratio to one client's, measured in the same run.
 */
public final class ParallelBenchmark {
  private static final byte[] BODY =
      "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100000\"]}".getBytes(StandardCharsets.UTF_8);

  private ParallelBenchmark() {}

  public static void main(String[] args) throws Exception {
    DaemonClient client = new DaemonClient(Path.of(args[0]));
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    measure(client, 2, 3, "warm-up");
    double one = 0;
    for (int clients : new int[] {1, 4, 16}) {
      long[] before = cpu();
      double rate = measure(client, clients, seconds, "c" + clients);
      long[] after = cpu();
      if (clients == 1) {
        one = rate;
      }
      System.out.printf(
          "parallel: %2d clients: %5.1f containers/s (create + start + rm -f), %.2fx one client;"
              + " the machine's CPUs %.0f%% busy (all processes, not only jocker's)%n",
          clients,
          rate,
          rate / one,
          100.0 * (after[0] - before[0]) / Math.max(1, after[1] - before[1]));
      if (clients == 16) {
        System.out.printf("parallel speedup 16 vs 1 clients: %.2fx (target 1.7x)%n", rate / one);
      }
    }
  }

  /**
   * Busy and total jiffies of all CPUs from /proc/stat: on a shared machine, how busy it was says
   * whether a level had any CPU left to use.
   */
  private static long[] cpu() throws IOException {
    String[] f = java.nio.file.Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split(" +");
    long total = 0;
    for (int i = 1; i < f.length; i++) {
      total += Long.parseLong(f[i]);
    }
    long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
    return new long[] {total - idle, total};
  }

  /** Containers per second that {@code clients} threads complete in {@code seconds}. */
  private static double measure(DaemonClient client, int clients, int seconds, String prefix)
      throws InterruptedException {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger done = new AtomicInteger();
    List<String> errors = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < clients; t++) {
      String name = prefix + "-" + t + "-";
      threads.add(
          new Thread(
              () -> {
                for (int i = 0; !stop.get(); i++) {
                  try {
                    String id = cycle(client, name + i);
                    if (!stop.get() || id != null) {
                      done.incrementAndGet();
                    }
                  } catch (IOException e) {
                    synchronized (errors) {
                      errors.add(e.getMessage());
                    }
                    return;
                  }
                }
              }));
    }
    long start = System.nanoTime();
    threads.forEach(Thread::start);
    Thread.sleep(seconds * 1000L);
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    if (!errors.isEmpty()) {
      throw new IllegalStateException(prefix + ": " + errors);
    }
    return done.get() / elapsed;
  }

  private static String cycle(DaemonClient client, String name) throws IOException {
    String id;
    try (DaemonClient.Response r = client.send("POST", "/containers/create?name=" + name, BODY)) {
      String text = r.text();
      if (r.status != 201) {
        throw new IOException("create " + name + ": " + r.status + " " + text);
      }
      id = text.substring(text.indexOf("\"Id\":\"") + 6, text.indexOf("\"Id\":\"") + 70);
    }
    call(client, "POST", "/containers/" + id + "/start", 204);
    call(client, "DELETE", "/containers/" + id + "?force=1", 204);
    return id;
  }

  private static void call(DaemonClient client, String method, String path, int expected)
      throws IOException {
    try (DaemonClient.Response r = client.send(method, path, null)) {
      String text = r.text();
      if (r.status != expected) {
        throw new IOException(method + " " + path + ": " + r.status + " " + text);
      }
    }
  }
}
