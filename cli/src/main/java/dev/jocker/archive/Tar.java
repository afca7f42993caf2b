package dev.jocker.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tar archives as {@code docker cp} and {@code /containers/{id}/archive} exchange them: written as
 * Docker's daemon writes them (Go's archive/tar, USTAR headers with the file type bits in the mode,
 * PAX records for long names), read in USTAR, GNU and PAX form. Nothing is followed out of the
 * destination: an entry whose path is absolute, climbs with {@code ..}, or passes through a
 * symbolic link is refused.
 */
public final class Tar {
  private static final int BLOCK = 512;
  private static final long TYPE_DIR = 040000;
  private static final long TYPE_REG = 0100000;
  private static final long TYPE_LINK = 0120000;

  private Tar() {}

  /** A refused or unreadable archive, worded for the user. */
  public static final class TarException extends IOException {
    private static final long serialVersionUID = 1L;

    public TarException(String message) {
      super(message);
    }
  }

  // ---------------------------------------------------------------- writing

  /**
   * Writes {@code source} (a file, link or directory, not followed) as entry {@code name} and, for
   * a directory, everything under it; an empty {@code name} writes a directory's contents at the
   * top. With {@code rootOwner}, entries are owned by 0:0.
   */
  public static void write(OutputStream out, Path source, String name, boolean rootOwner)
      throws IOException {
    Writer w = new Writer(out);
    w.add(source, name, rootOwner);
    w.finish();
  }

  /** An archive being written, entry by entry. */
  public static final class Writer {
    private final OutputStream out;

    public Writer(OutputStream out) {
      this.out = out;
    }

    /** Adds {@code source} as {@code name}, recursively for a directory. */
    public void add(Path source, String name, boolean rootOwner) throws IOException {
      PosixFileAttributes a =
          Files.readAttributes(source, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!name.isEmpty()) {
        entry(source, name, a, rootOwner);
      }
      if (a.isDirectory()) {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(source)) {
          dir.forEach(children::add);
        }
        children.sort(null);
        for (Path child : children) {
          String childName = (name.isEmpty() ? "" : name + "/") + child.getFileName().toString();
          add(child, childName, rootOwner);
        }
      }
    }

    private void entry(Path source, String name, PosixFileAttributes a, boolean rootOwner)
        throws IOException {
      long mode = permissions(a.permissions());
      char type;
      long size = 0;
      String link = "";
      if (a.isDirectory()) {
        type = '5';
        mode |= TYPE_DIR;
        name = name + "/";
      } else if (a.isSymbolicLink()) {
        type = '2';
        mode |= TYPE_LINK;
        link = Files.readSymbolicLink(source).toString();
      } else if (a.isRegularFile()) {
        type = '0';
        mode |= TYPE_REG;
        size = a.size();
      } else {
        // Devices, sockets and pipes: Docker copies their headers; a socket has none to copy.
        return;
      }
      Object uid =
          rootOwner ? 0 : Files.getAttribute(source, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      Object gid =
          rootOwner ? 0 : Files.getAttribute(source, "unix:gid", LinkOption.NOFOLLOW_LINKS);
      header(
          name,
          mode,
          ((Number) uid).longValue(),
          ((Number) gid).longValue(),
          size,
          a.lastModifiedTime().toMillis() / 1000,
          type,
          link);
      if (type == '0') {
        long copied;
        try (InputStream in = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS)) {
          copied = copy(in, out, size);
        }
        if (copied < size) {
          // The file shrank while it was read: the header said more, so pad with zeros.
          out.write(new byte[(int) Math.min(Integer.MAX_VALUE, size - copied)]);
        }
        pad(size);
      }
    }

    /** One header block (with a PAX header before it for a name or link too long for USTAR). */
    public void header(
        String name, long mode, long uid, long gid, long size, long mtime, char type, String link)
        throws IOException {
      byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
      byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);
      if (nameBytes.length > 100 || linkBytes.length > 100) {
        StringBuilder records = new StringBuilder();
        if (nameBytes.length > 100) {
          records.append(paxRecord("path", name));
        }
        if (linkBytes.length > 100) {
          records.append(paxRecord("linkpath", link));
        }
        byte[] pax = records.toString().getBytes(StandardCharsets.UTF_8);
        block("PaxHeaders.0/" + truncate(name, 80), 0644, uid, gid, pax.length, mtime, 'x', "");
        out.write(pax);
        pad(pax.length);
        name = truncate(name, 100);
        link = truncate(link, 100);
      }
      block(name, mode, uid, gid, size, mtime, type, link);
    }

    private static String truncate(String s, int bytes) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      return b.length <= bytes ? s : new String(b, 0, bytes, StandardCharsets.UTF_8);
    }

    private void block(
        String name, long mode, long uid, long gid, long size, long mtime, char type, String link)
        throws IOException {
      byte[] h = new byte[BLOCK];
      put(h, 0, 100, name);
      octal(h, 100, 8, mode);
      octal(h, 108, 8, uid);
      octal(h, 116, 8, gid);
      octal(h, 124, 12, size);
      octal(h, 136, 12, mtime);
      h[156] = (byte) type;
      put(h, 157, 100, link);
      put(h, 257, 6, "ustar");
      h[263] = '0';
      h[264] = '0';
      put(h, 265, 32, uid == 0 ? "root" : "");
      put(h, 297, 32, gid == 0 ? "root" : "");
      octal(h, 329, 8, 0);
      octal(h, 337, 8, 0);
      for (int i = 148; i < 156; i++) {
        h[i] = ' ';
      }
      long sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      octal(h, 148, 7, sum);
      h[155] = ' ';
      out.write(h);
    }

    private void pad(long size) throws IOException {
      int rest = (int) (size % BLOCK);
      if (rest != 0) {
        out.write(new byte[BLOCK - rest]);
      }
    }

    /** Data of an entry whose header was written with {@link #header}. */
    public void data(InputStream in, long size) throws IOException {
      long copied = copy(in, out, size);
      if (copied < size) {
        out.write(new byte[(int) (size - copied)]);
      }
      pad(size);
    }

    /** The two zero blocks that end an archive. */
    public void finish() throws IOException {
      out.write(new byte[2 * BLOCK]);
      out.flush();
    }
  }

  private static String paxRecord(String key, String value) {
    String body = " " + key + "=" + value + "\n";
    int len = body.getBytes(StandardCharsets.UTF_8).length;
    int total = len + Integer.toString(len).length();
    if (Integer.toString(total).length() != Integer.toString(len).length()) {
      total = len + Integer.toString(total).length();
    }
    return total + body;
  }

  private static void put(byte[] h, int at, int width, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(b, 0, h, at, Math.min(width, b.length));
  }

  /** Go's formatOctal: width-1 digits with leading zeros, then NUL. */
  private static void octal(byte[] h, int at, int width, long value) {
    String s = Long.toOctalString(value);
    while (s.length() < width - 1) {
      s = "0" + s;
    }
    put(h, at, width - 1, s);
    h[at + width - 1] = 0;
  }

  private static long permissions(Set<PosixFilePermission> p) {
    long m = 0;
    for (PosixFilePermission x : p) {
      m |=
          switch (x) {
            case OWNER_READ -> 0400;
            case OWNER_WRITE -> 0200;
            case OWNER_EXECUTE -> 0100;
            case GROUP_READ -> 040;
            case GROUP_WRITE -> 020;
            case GROUP_EXECUTE -> 010;
            case OTHERS_READ -> 04;
            case OTHERS_WRITE -> 02;
            case OTHERS_EXECUTE -> 01;
          };
    }
    return m;
  }

  private static Set<PosixFilePermission> permissionSet(long mode) {
    Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE
    };
    for (int i = 0; i < 9; i++) {
      if ((mode & (0400 >> i)) != 0) {
        s.add(order[i]);
      }
    }
    return s;
  }

  private static long copy(InputStream in, OutputStream out, long size) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long left = size;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        break;
      }
      out.write(buf, 0, n);
      left -= n;
    }
    return size - left;
  }

  // ---------------------------------------------------------------- reading

  /** One entry of an archive being read. */
  public record Entry(
      String name, long mode, long uid, long gid, long size, long mtime, char type, String link) {
    public boolean directory() {
      return type == '5';
    }
  }

  /** Reads entries one after another; {@link #data} is the current entry's content. */
  public static final class Reader {
    private final InputStream in;
    private long left;
    private long padding;

    public Reader(InputStream in) {
      this.in = in;
    }

    /** The next entry, or null at the archive's end. */
    public Entry next() throws IOException {
      skip(left + padding);
      left = 0;
      padding = 0;
      Map<String, String> pax = new LinkedHashMap<>();
      String longName = null;
      String longLink = null;
      while (true) {
        byte[] h = in.readNBytes(BLOCK);
        if (h.length < BLOCK) {
          if (h.length == 0) {
            return null;
          }
          throw new TarException("unexpected end of the archive");
        }
        if (allZero(h)) {
          return null;
        }
        if (!checksumOk(h)) {
          throw new TarException("archive/tar: invalid tar header");
        }
        char type = (char) (h[156] == 0 ? '0' : h[156]);
        long size = number(h, 124, 12);
        if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
          if (size > 1 << 20) {
            throw new TarException("archive/tar: header of " + size + " bytes is too large");
          }
          byte[] body = in.readNBytes((int) size);
          skip(padFor(size));
          String text = new String(body, StandardCharsets.UTF_8);
          if (type == 'x') {
            pax.putAll(paxRecords(text));
          } else if (type == 'L') {
            longName = text.replace("\0", "");
          } else if (type == 'K') {
            longLink = text.replace("\0", "");
          }
          continue;
        }
        String name = string(h, 0, 100);
        String prefix = string(h, 345, 155);
        if (!prefix.isEmpty() && h[257] == 'u' && h[262] == 0) {
          name = prefix + "/" + name;
        }
        if (longName != null) {
          name = longName;
        }
        String link = longLink != null ? longLink : string(h, 157, 100);
        name = pax.getOrDefault("path", name);
        link = pax.getOrDefault("linkpath", link);
        if (pax.containsKey("size")) {
          size = Long.parseLong(pax.get("size"));
        }
        long mtime = number(h, 136, 12);
        if (pax.containsKey("mtime")) {
          mtime = (long) Double.parseDouble(pax.get("mtime"));
        }
        Entry e =
            new Entry(
                name,
                number(h, 100, 8),
                number(h, 108, 8),
                number(h, 116, 8),
                size,
                mtime,
                type,
                link);
        // Links and directories carry no data whatever their size field says.
        left = type == '1' || type == '2' || type == '5' ? 0 : size;
        padding = padFor(left);
        return e;
      }
    }

    /** The current entry's content. */
    public InputStream data() {
      return new InputStream() {
        @Override
        public int read() throws IOException {
          if (left <= 0) {
            return -1;
          }
          int c = in.read();
          if (c >= 0) {
            left--;
          }
          return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (left <= 0) {
            return -1;
          }
          int n = in.read(b, off, (int) Math.min(len, left));
          if (n > 0) {
            left -= n;
          }
          return n;
        }
      };
    }

    private void skip(long n) throws IOException {
      while (n > 0) {
        long s = in.skip(n);
        if (s <= 0) {
          if (in.read() < 0) {
            return;
          }
          s = 1;
        }
        n -= s;
      }
    }
  }

  private static long padFor(long size) {
    long rest = size % BLOCK;
    return rest == 0 ? 0 : BLOCK - rest;
  }

  private static boolean allZero(byte[] h) {
    for (byte b : h) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean checksumOk(byte[] h) {
    long want = number(h, 148, 8);
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += i >= 148 && i < 156 ? ' ' : h[i] & 0xff;
    }
    return sum == want;
  }

  private static String string(byte[] h, int at, int width) {
    int end = at;
    while (end < at + width && h[end] != 0) {
      end++;
    }
    return new String(h, at, end - at, StandardCharsets.UTF_8);
  }

  private static long number(byte[] h, int at, int width) {
    if ((h[at] & 0x80) != 0) {
      long v = h[at] & 0x7f;
      for (int i = at + 1; i < at + width; i++) {
        v = v << 8 | (h[i] & 0xff);
      }
      return v;
    }
    String s = string(h, at, width).strip();
    return s.isEmpty() ? 0 : Long.parseLong(s, 8);
  }

  private static Map<String, String> paxRecords(String text) throws TarException {
    Map<String, String> m = new LinkedHashMap<>();
    int at = 0;
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    while (at < bytes.length) {
      int space = at;
      while (space < bytes.length && bytes[space] != ' ') {
        space++;
      }
      int len;
      try {
        len = Integer.parseInt(new String(bytes, at, space - at, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new TarException("archive/tar: invalid PAX record");
      }
      if (len <= 0 || at + len > bytes.length) {
        throw new TarException("archive/tar: invalid PAX record");
      }
      String record = new String(bytes, space + 1, at + len - space - 2, StandardCharsets.UTF_8);
      int eq = record.indexOf('=');
      if (eq > 0) {
        m.put(record.substring(0, eq), record.substring(eq + 1));
      }
      at += len;
    }
    return m;
  }

  // ---------------------------------------------------------------- extracting

  /**
   * The archive's entries under {@code into}; with {@code rename} non-null, the first component
   * {@code name} of each entry is replaced by it (an empty {@code rename} drops it: the contents).
   * Owners are kept only when {@code keepOwners}.
   */
  public static void extract(InputStream in, Path into, String name, String rename)
      throws IOException {
    extract(in, into, name, rename, false, (entry, directory) -> {});
  }

  /** Looks at each entry before it is written; refuses it with a {@link TarException}. */
  public interface Check {
    void entry(String path, boolean directory) throws IOException;
  }

  /** The same, keeping the archive's owners if asked, with {@code check} before each entry. */
  public static void extract(
      InputStream in, Path into, String name, String rename, boolean keepOwners, Check check)
      throws IOException {
    Reader r = new Reader(in);
    List<Object[]> dirTimes = new ArrayList<>();
    for (Entry e = r.next(); e != null; e = r.next()) {
      String path = e.name();
      while (path.startsWith("./")) {
        path = path.substring(2);
      }
      if (path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      if (rename != null && !name.isEmpty()) {
        if (path.equals(name)) {
          path = rename;
        } else if (path.startsWith(name + "/")) {
          path =
              rename.isEmpty()
                  ? path.substring(name.length() + 1)
                  : rename + path.substring(name.length());
        }
      }
      if (path.isEmpty() || path.equals(".")) {
        continue;
      }
      check.entry(path, e.directory());
      Path target = confined(into, path);
      Path parent = target.getParent();
      if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(parent);
      }
      switch (e.type()) {
        case '5' -> {
          if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
              Files.delete(target);
            }
            Files.createDirectory(target);
          }
          dirTimes.add(new Object[] {target, e});
        }
        case '2' -> {
          Files.deleteIfExists(target);
          Files.createSymbolicLink(target, Path.of(e.link()));
        }
        case '1' -> {
          Path source = confined(into, e.link());
          Files.deleteIfExists(target);
          Files.createLink(target, source);
        }
        case '0', '7' -> {
          if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new TarException(
                "cannot overwrite directory \"" + target + "\" with non-directory");
          }
          Files.deleteIfExists(target);
          try (OutputStream out =
              Files.newOutputStream(target, java.nio.file.StandardOpenOption.CREATE_NEW)) {
            r.data().transferTo(out);
          } catch (FileAlreadyExistsException raced) {
            throw new TarException("\"" + target + "\" appeared while it was written");
          }
          finish(target, e, keepOwners);
        }
        default -> {
          // Devices and FIFOs are not made: copying them is not what cp is for.
        }
      }
    }
    for (int i = dirTimes.size() - 1; i >= 0; i--) {
      finish((Path) dirTimes.get(i)[0], (Entry) dirTimes.get(i)[1], keepOwners);
    }
  }

  private static void finish(Path target, Entry e, boolean keepOwners) throws IOException {
    Files.setPosixFilePermissions(target, permissionSet(e.mode()));
    Files.setLastModifiedTime(target, FileTime.fromMillis(e.mtime() * 1000));
    if (keepOwners) {
      Files.setAttribute(target, "unix:uid", (int) e.uid(), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(target, "unix:gid", (int) e.gid(), LinkOption.NOFOLLOW_LINKS);
    }
  }

  /**
   * {@code into/path}, refused when {@code path} is absolute, climbs out with {@code ..}, or passes
   * through a symbolic link on the way (which could lead anywhere).
   */
  public static Path confined(Path into, String path) throws TarException {
    String p = path;
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    Path current = into;
    String[] parts = p.split("/");
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw new TarException(
            "refusing the archive's entry \"" + path + "\": it climbs out of the destination");
      }
      current = current.resolve(part);
      if (i < parts.length - 1 && Files.isSymbolicLink(current)) {
        throw new TarException(
            "refusing the archive's entry \""
                + path
                + "\": it passes through the symbolic link "
                + current);
      }
    }
    return current;
  }
}
