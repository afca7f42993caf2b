package dev.jocker.cni;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jocker.ipam.Ipv4;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Phase 1's state of {@link DirectBackend}, in files under the data directory, one directory per
 * network, written so that a process killed at any point leaves what the next call needs to finish
 * or undo its work (the network controller's journal in jocker's store replaces this):
 *
 * <pre>
 * networks/NAME/lock                          flock(2): one operation per network at a time
 * networks/NAME/network.json                  the bridge, subnet and rules the network got
 * networks/NAME/leases/A.B.C.D                the owner, CONTAINERID@IFNAME
 * networks/NAME/attachments/CONTAINERID@IFNAME.json   veth, address, routes, state
 * </pre>
 *
 * Every file is written whole to a temporary name and renamed into place. A container ID cannot
 * hold '@', so the first '@' of a key separates it from the interface name.
 */
final class CniState {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

  /**
   * An attachment as it was recorded.
   *
   * @param containerId CNI_CONTAINERID
   * @param ifname CNI_IFNAME
   * @param netns CNI_NETNS of the ADD
   * @param hostVeth the veth's host end
   * @param address the container's address, dotted
   * @param prefixLength its prefix length
   * @param gateway the gateway, dotted, or null
   * @param leased whether the address is a lease of jocker's (not a delegated plugin's)
   * @param routes the routes installed, as {@code DST[ via GW]}
   * @param state {@code adding} until the ADD finished, then {@code added}
   */
  record Record(
      String containerId,
      String ifname,
      String netns,
      String hostVeth,
      String address,
      int prefixLength,
      String gateway,
      boolean leased,
      List<String> routes,
      String state) {
    String key() {
      return containerId + "@" + ifname;
    }

    Record added() {
      return new Record(
          containerId,
          ifname,
          netns,
          hostVeth,
          address,
          prefixLength,
          gateway,
          leased,
          routes,
          "added");
    }
  }

  /**
   * What a network got with its first attachment.
   *
   * @param bridge the Linux bridge
   * @param subnet its subnet, CIDR
   * @param gateway the bridge's address, dotted, or null when it holds none
   * @param ipMasq whether the MASQUERADE rule is part of its rules
   * @param bridgeCreated whether jocker created the bridge (and so deletes it with the network)
   */
  record Meta(
      String bridge, String subnet, String gateway, boolean ipMasq, boolean bridgeCreated) {}

  private final Path root;

  CniState(Path dataDir) {
    this.root = dataDir.resolve("networks");
  }

  Path dir(String network) {
    return root.resolve(network);
  }

  /**
   * Runs {@code work} holding the network's lock (a lock within this process, then flock(2) on the
   * network's lock file for other processes); waits up to {@code seconds}, else error 11.
   */
  <T> T locked(String network, int seconds, Supplier<T> work) {
    Path dir = dir(network);
    try {
      Files.createDirectories(dir.resolve("leases"));
      Files.createDirectories(dir.resolve("attachments"));
    } catch (IOException e) {
      throw ioFailure("create " + dir, e);
    }
    Path file = dir.resolve("lock");
    ReentrantLock local = IN_PROCESS.computeIfAbsent(file, f -> new ReentrantLock());
    try {
      if (!local.tryLock(seconds, TimeUnit.SECONDS)) {
        throw busy(network, seconds);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw busy(network, seconds);
    }
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (channel.tryLock() == null) {
        if (System.nanoTime() > deadline) {
          throw busy(network, seconds);
        }
        Thread.sleep(2);
      }
      // Closing the channel releases the lock.
      return work.get();
    } catch (IOException e) {
      throw ioFailure("lock " + file, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw busy(network, seconds);
    } finally {
      local.unlock();
    }
  }

  Optional<Meta> meta(String network) {
    return read(dir(network).resolve("network.json"), Meta.class);
  }

  void writeMeta(String network, Meta meta) {
    write(dir(network).resolve("network.json"), meta);
  }

  void deleteMeta(String network) {
    delete(dir(network).resolve("network.json"));
  }

  /** Every network that has a record of its own, by name. */
  List<String> networks() {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
      for (Path d : dirs) {
        if (Files.exists(d.resolve("network.json"))) {
          out.add(d.getFileName().toString());
        }
      }
    } catch (IOException e) {
      throw ioFailure("list " + root, e);
    }
    return out;
  }

  Optional<Record> attachment(String network, String containerId, String ifname) {
    return read(attachmentFile(network, containerId + "@" + ifname), Record.class);
  }

  void writeAttachment(String network, Record r) {
    write(attachmentFile(network, r.key()), r);
  }

  void deleteAttachment(String network, Record r) {
    delete(attachmentFile(network, r.key()));
  }

  List<Record> attachments(String network) {
    List<Record> out = new ArrayList<>();
    for (Path f : list(dir(network).resolve("attachments"))) {
      if (f.getFileName().toString().endsWith(".json")) {
        read(f, Record.class).ifPresent(out::add);
      }
    }
    return out;
  }

  boolean hasAttachments(String network) {
    Path dir = dir(network).resolve("attachments");
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
      return files.iterator().hasNext();
    } catch (IOException e) {
      throw ioFailure("list " + dir, e);
    }
  }

  /** Leased addresses of the network; owners are left empty (reading each costs a file). */
  Map<Integer, String> leasedAddresses(String network) {
    Map<Integer, String> out = new LinkedHashMap<>();
    for (Path f : list(dir(network).resolve("leases"))) {
      String name = f.getFileName().toString();
      if (!name.startsWith(".")) {
        out.put(Ipv4.parse(name), "");
      }
    }
    return out;
  }

  /** Leases with their owners, {@code CONTAINERID@IFNAME}. */
  Map<Integer, String> leases(String network) {
    Map<Integer, String> out = new LinkedHashMap<>();
    for (Path f : list(dir(network).resolve("leases"))) {
      String name = f.getFileName().toString();
      if (!name.startsWith(".")) {
        try {
          out.put(Ipv4.parse(name), Files.readString(f).strip());
        } catch (NoSuchFileException gone) {
          continue;
        } catch (IOException e) {
          throw ioFailure("read " + f, e);
        }
      }
    }
    return out;
  }

  /** The owner of a lease, {@code CONTAINERID@IFNAME}, or empty when the address is free. */
  Optional<String> leaseOwner(String network, int address) {
    Path file = dir(network).resolve("leases").resolve(Ipv4.format(address));
    try {
      return Optional.of(Files.readString(file).strip());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw ioFailure("read " + file, e);
    }
  }

  /** When the network's leases last changed, to tell whether a cached pool is still true. */
  FileTime leasesChanged(String network) {
    try {
      return Files.getLastModifiedTime(dir(network).resolve("leases"));
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  void insertLease(String network, int address, String owner) {
    Path file = dir(network).resolve("leases").resolve(Ipv4.format(address));
    try {
      Files.writeString(file, owner + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
    } catch (FileAlreadyExistsException e) {
      throw new CniException(
          CniException.INTERNAL,
          "address already leased",
          Ipv4.format(address) + " of network " + network + " is leased already (" + file + ")");
    } catch (IOException e) {
      throw ioFailure("write " + file, e);
    }
  }

  void deleteLease(String network, int address) {
    delete(dir(network).resolve("leases").resolve(Ipv4.format(address)));
  }

  private Path attachmentFile(String network, String key) {
    return dir(network).resolve("attachments").resolve(key + ".json");
  }

  private static List<Path> list(Path dir) {
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      files.forEach(out::add);
    } catch (IOException e) {
      throw ioFailure("list " + dir, e);
    }
    return out;
  }

  private static <T> Optional<T> read(Path file, Class<T> type) {
    try {
      return Optional.of(JSON.readValue(Files.readAllBytes(file), type));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw ioFailure("read " + file, e);
    }
  }

  private static void write(Path file, Object value) {
    Path partial = file.resolveSibling("." + file.getFileName() + ".partial");
    try {
      Files.write(partial, JSON.writeValueAsBytes(value));
      Files.move(
          partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw ioFailure("write " + file, e);
    }
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw ioFailure("delete " + file, e);
    }
  }

  private static CniException ioFailure(String what, IOException e) {
    return new CniException(
        CniException.IO_FAILURE, "I/O failure", what + ": " + e.getMessage(), e);
  }

  private static CniException busy(String network, int seconds) {
    return new CniException(
        CniException.TRY_AGAIN_LATER,
        "try again later",
        "another operation on network " + network + " held it for more than " + seconds + " s");
  }
}
