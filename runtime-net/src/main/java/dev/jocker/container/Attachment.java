package dev.jocker.container;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A connection to a container's shim ({@code docker attach}): its output as Docker's stream frames
 * (stream byte 1 or 2, three zeros, a 32-bit big-endian length, the data; stream 1 only with a
 * terminal), which an API can relay as they are, and stdin and terminal resizes the other way.
 * Output flows only after {@link #subscribe}.
 */
public final class Attachment implements Closeable {
  /** One frame of output. */
  public record Frame(int stream, byte[] data) {}

  private final SocketChannel channel;
  private final DataInputStream in;
  private final OutputStream out;

  private Attachment(SocketChannel channel) {
    this.channel = channel;
    this.in = new DataInputStream(Channels.newInputStream(channel));
    this.out = Channels.newOutputStream(channel);
  }

  /** Connects to the shim serving {@code socket}. */
  public static Attachment connect(Path socket) {
    try {
      SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
      return new Attachment(channel);
    } catch (IOException e) {
      throw new UncheckedIOException("attach to " + socket, e);
    }
  }

  /** Asks for the container's output from now on. */
  public void subscribe() {
    send('o', new byte[0], 0);
  }

  /** Writes to the container's stdin (a terminal's input with {@code -t}). */
  public void write(byte[] data, int length) {
    send('d', data, length);
  }

  /** Closes the container's stdin once what was written has reached it ({@code --sig-proxy}). */
  public void closeStdin() {
    send('c', new byte[0], 0);
  }

  /** Resizes the container's terminal. */
  public void resize(int rows, int columns) {
    send(
        'r',
        new byte[] {(byte) (rows >> 8), (byte) rows, (byte) (columns >> 8), (byte) columns},
        4);
  }

  /** The output frames as they come, for relaying as they are. */
  public InputStream output() {
    return in;
  }

  /** The next frame of output, or null once the container has ended. */
  public Frame read() {
    try {
      byte[] header = new byte[8];
      try {
        in.readFully(header);
      } catch (EOFException end) {
        return null;
      }
      int length = ByteBuffer.wrap(header, 4, 4).getInt();
      byte[] data = new byte[length];
      in.readFully(data);
      return new Frame(header[0], data);
    } catch (IOException e) {
      throw new UncheckedIOException("read from the container's shim", e);
    }
  }

  private synchronized void send(char type, byte[] data, int length) {
    ByteBuffer frame = ByteBuffer.allocate(5 + length);
    frame.put((byte) type).putInt(length).put(data, 0, length).flip();
    try {
      while (frame.hasRemaining()) {
        channel.write(frame);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("write to the container's shim", e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("close the attach connection", e);
    }
  }
}
