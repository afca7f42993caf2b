package dev.jocker.daemon;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Docker's stream multiplexing (moby's {@code pkg/stdcopy}): each write is one frame, a stream byte
 * (1 stdout, 2 stderr), three zero bytes, the big-endian length, then the payload. Without framing
 * (a terminal) the bytes go out as they are.
 */
final class StdCopy {
  static final int STDOUT = 1;
  static final int STDERR = 2;

  private StdCopy() {}

  /** Header and payload in one array, so that one write carries a whole frame. */
  static byte[] frame(int stream, byte[] data, int offset, int length) {
    byte[] f = new byte[8 + length];
    f[0] = (byte) stream;
    f[4] = (byte) (length >>> 24);
    f[5] = (byte) (length >>> 16);
    f[6] = (byte) (length >>> 8);
    f[7] = (byte) length;
    System.arraycopy(data, offset, f, 8, length);
    return f;
  }

  /** Writes {@code length} bytes of {@code data} as one frame of {@code stream}, or raw. */
  static void write(OutputStream out, int stream, byte[] data, int length, boolean raw)
      throws IOException {
    if (raw) {
      out.write(data, 0, length);
    } else {
      out.write(frame(stream, data, 0, length));
    }
  }
}
