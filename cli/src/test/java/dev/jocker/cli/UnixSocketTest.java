package dev.jocker.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's socket against a JDK server socket: what one end writes, the other reads. */
class UnixSocketTest {
  @TempDir Path dir;

  @Test
  void exchangesMoreThanOneChunkEachWayAndSeesTheEnd() throws Exception {
    Path path = dir.resolve("d.sock");
    byte[] request = new byte[40_000];
    byte[] answer = new byte[100_000];
    Random random = new Random(24);
    random.nextBytes(request);
    random.nextBytes(answer);
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      CompletableFuture<byte[]> received =
          CompletableFuture.supplyAsync(
              () -> {
                try (SocketChannel peer = server.accept()) {
                  ByteBuffer in = ByteBuffer.allocate(request.length);
                  while (in.hasRemaining() && peer.read(in) >= 0) {
                    // until the whole request is in
                  }
                  peer.write(ByteBuffer.wrap(answer));
                  return in.array();
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      try (UnixSocket socket = UnixSocket.connect(path)) {
        socket.output().write(request);
        InputStream in = socket.input();
        assertArrayEquals(answer, in.readAllBytes());
        assertEquals(-1, in.read());
      }
      assertArrayEquals(request, received.get(30, TimeUnit.SECONDS));
    }
  }

  @Test
  void theEndOfWhatItWritesReachesThePeerWhichStillAnswers() throws Exception {
    Path path = dir.resolve("half.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      CompletableFuture<Void> peer =
          CompletableFuture.runAsync(
              () -> {
                try (SocketChannel p = server.accept()) {
                  byte[] all = java.nio.channels.Channels.newInputStream(p).readAllBytes();
                  p.write(ByteBuffer.wrap(("read " + all.length).getBytes(StandardCharsets.UTF_8)));
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      try (UnixSocket socket = UnixSocket.connect(path)) {
        socket.output().write("stdin".getBytes(StandardCharsets.UTF_8));
        socket.shutdownOutput();
        assertEquals("read 5", new String(socket.input().readAllBytes(), StandardCharsets.UTF_8));
        IOException ended = assertThrows(IOException.class, () -> socket.output().write(1));
        assertEquals("write to the daemon's socket: Broken pipe", ended.getMessage());
      }
      peer.get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void connectSaysWhyItFailed() {
    IOException missing =
        assertThrows(IOException.class, () -> UnixSocket.connect(dir.resolve("none.sock")));
    assertEquals("connect to the daemon's socket: No such file or directory", missing.getMessage());
    IOException tooLong =
        assertThrows(IOException.class, () -> UnixSocket.connect(dir.resolve("x".repeat(120))));
    assertEquals("connect to the daemon's socket: File name too long", tooLong.getMessage());
  }

  @Test
  void writeToAPeerThatLeftFailsWithTheReason() throws Exception {
    Path path = dir.resolve("gone.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      UnixSocket socket = UnixSocket.connect(path);
      server.accept().close();
      byte[] big = "x".repeat(1 << 20).getBytes(StandardCharsets.US_ASCII);
      IOException e = assertThrows(IOException.class, () -> socket.output().write(big));
      assertEquals("write to the daemon's socket: Broken pipe", e.getMessage());
      socket.close();
      IOException closed = assertThrows(IOException.class, () -> socket.input().read());
      assertEquals("the connection to the daemon is closed", closed.getMessage());
    }
  }
}
