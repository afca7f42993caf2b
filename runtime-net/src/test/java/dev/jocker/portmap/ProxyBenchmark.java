package dev.jocker.portmap;

import dev.jocker.kernel.Netns;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The parts of {@code bench/proxy.sh}, each its own process so that the proxies compare under the
 * same load: {@code proxy THREADS HOST_PORT:TARGET_PORT…} runs jocker's userland proxy (as jockerd
 * runs it) until its standard input closes; {@code sink PORT} is a backend that answers each
 * connection with one byte and closes it; {@code connrate PORT SECONDS WORKERS} connects, reads to
 * the end and closes, from WORKERS threads, and prints connections per second; {@code publish N}
 * times N port publications (allocate with the proxy's listeners, rules, release) on a bridge. Run
 * it only inside a throwaway namespace.
 */
public final class ProxyBenchmark {
  private ProxyBenchmark() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "proxy" -> proxy(Integer.parseInt(args[1]), List.of(args).subList(2, args.length));
      case "sink" -> sink(Integer.parseInt(args[1]));
      case "connrate" ->
          connrate(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      case "publish" -> PublishTimes.run(Integer.parseInt(args[1]));
      default -> throw new IllegalArgumentException("unknown part " + args[0]);
    }
  }

  private static void proxy(int threads, List<String> forwards) throws IOException {
    try (Netns host = Netns.current();
        UserlandProxy proxy = new UserlandProxy(host, threads)) {
      for (String f : forwards) {
        String[] ports = f.split(":");
        proxy.forward(
            new PublishedPort(
                "bench",
                "lo",
                true,
                "tcp",
                "0.0.0.0",
                Integer.parseInt(ports[0]),
                "127.0.0.1",
                Integer.parseInt(ports[1])));
      }
      System.out.println("ready");
      System.out.flush();
      InputStream in = System.in;
      while (in.read() >= 0) {
        // Runs until the script closes our standard input.
      }
    }
  }

  private static void sink(int port) throws IOException {
    try (Selector selector = Selector.open();
        ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 4096);
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
      ByteBuffer one = ByteBuffer.allocateDirect(1);
      System.out.println("ready");
      System.out.flush();
      while (true) {
        selector.select();
        selector.selectedKeys().clear();
        SocketChannel c;
        while ((c = server.accept()) != null) {
          one.clear();
          one.put((byte) 'x').flip();
          c.write(one);
          c.close();
        }
      }
    }
  }

  private static void connrate(int port, int seconds, int workers) throws InterruptedException {
    LongAdder done = new LongAdder();
    LongAdder failed = new LongAdder();
    AtomicBoolean counting = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < workers; i++) {
      Thread t =
          new Thread(
              () -> {
                byte[] buf = new byte[16];
                while (!stop.get()) {
                  try (Socket s = new Socket()) {
                    s.connect(target, 3000);
                    s.setSoTimeout(3000);
                    InputStream in = s.getInputStream();
                    int total = 0;
                    for (int n; (n = in.read(buf)) >= 0; ) {
                      total += n;
                    }
                    if (total != 1) {
                      throw new IOException("read " + total + " bytes instead of 1");
                    }
                    if (counting.get()) {
                      done.increment();
                    }
                  } catch (IOException e) {
                    if (counting.get()) {
                      failed.increment();
                    }
                  }
                }
              });
      t.start();
      threads.add(t);
    }
    Thread.sleep(1000);
    counting.set(true);
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    counting.set(false);
    double elapsed = (System.nanoTime() - start) / 1e9;
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    System.out.printf(
        Locale.ROOT, "%.0f connections/s (%d failed)%n", done.sum() / elapsed, failed.sum());
  }
}
