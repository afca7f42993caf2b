package dev.jocker.it;

import dev.jocker.ipam.Ipv4;
import dev.jocker.network.ExternalSandboxes;
import dev.jocker.store.EndpointRecord;
import dev.jocker.store.JournalEntry;
import dev.jocker.store.NetworkRecord;
import dev.jocker.store.SandboxRecord;
import dev.jocker.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What jocker's store under a data root holds of CNI networks (their rows, leases, external
 * sandboxes and endpoints) and every unfinished journal entry, read as any second process reads the
 * store (SQLite in WAL mode): the oracle of "nothing leaked" beside the kernel's state.
 */
final class CniRecords {
  private CniRecords() {}

  /** One line per record, sorted; empty when the data root has no store yet. */
  static String of(Path dataRoot) {
    Path db = dataRoot.resolve("jocker.db");
    if (!Files.exists(db)) {
      return "";
    }
    try (Store store = Store.open(db)) {
      return store.inTransaction(
          tx -> {
            List<String> lines = new ArrayList<>();
            Set<String> cni = new HashSet<>();
            for (NetworkRecord n : tx.networks()) {
              if (ExternalSandboxes.DRIVER.equals(n.driver())) {
                cni.add(n.id());
                lines.add("network " + n.name() + " " + n.bridge() + " " + n.subnet());
                for (Map.Entry<Integer, String> l : new TreeMap<>(tx.leases(n.id())).entrySet()) {
                  lines.add(
                      "lease " + n.name() + " " + Ipv4.format(l.getKey()) + " " + l.getValue());
                }
              }
            }
            for (SandboxRecord s : tx.sandboxes()) {
              if (s.options().containsKey("external")) {
                lines.add("sandbox " + s.containerId() + " " + s.netns());
              }
            }
            for (EndpointRecord e : tx.endpoints()) {
              if (cni.contains(e.networkId())) {
                lines.add("endpoint " + e.containerId() + " " + e.ifname() + " " + e.address());
              }
            }
            for (JournalEntry j : tx.journal()) {
              lines.add("journal " + j.kind() + " " + j.subject());
            }
            lines.sort(null);
            return String.join("\n", lines) + (lines.isEmpty() ? "" : "\n");
          });
    }
  }

  /** The addresses leased on CNI network {@code network}, lowest first. */
  static List<String> leases(Path dataRoot, String network) {
    return of(dataRoot)
        .lines()
        .filter(l -> l.startsWith("lease " + network + " "))
        .map(l -> l.split(" ")[2])
        .toList();
  }
}
