package dev.jocker.engine;

import dev.jocker.kernel.Processes;
import dev.jocker.network.NetworkController;
import dev.jocker.network.Orphans;
import dev.jocker.network.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Brings the kernel back to what the records say. {@link #heal} is the periodic check (bridges,
 * forwarding, FORWARD policy, rules, endpoints on their bridges), cheap enough to run every few
 * seconds; {@link #reconcile} adds what needs a walk of every process and link: processes in a
 * jocker namespace whose container is not running, veths and namespaces no sandbox owns, addresses
 * no endpoint holds, directories no container owns, cgroups of containers that are not running. The
 * invariant it restores: every kernel object jocker made belongs to exactly one record in a state
 * that should hold it.
 */
final class Reconciler {
  private final NetworkController network;
  private final ContainerService containers;
  private final Path netnsDir;

  Reconciler(NetworkController network, ContainerService containers, Path netnsDir) {
    this.network = network;
    this.containers = containers;
    this.netnsDir = netnsDir;
  }

  /** The periodic check; returns what it fixed. */
  List<String> heal() {
    return network.heal();
  }

  /** Everything {@link #heal} does, then every leftover removed; returns what it fixed. */
  List<String> reconcile() {
    List<String> fixed = new ArrayList<>(heal());
    for (OrphanProcess p : orphanProcesses()) {
      if (Processes.kill(p.pid())) {
        fixed.add("killed " + p);
      }
    }
    Orphans orphans = network.orphans();
    fixed.addAll(network.removeOrphans(orphans));
    fixed.addAll(network.releaseStrayLeases(containers::reserves));
    fixed.addAll(containers.removeOrphanDirectories());
    fixed.addAll(containers.removeLeftoverCgroups());
    for (String f : fixed) {
      Events.info("reconcile: " + f, null, null);
    }
    return fixed;
  }

  /**
   * A process left where no running container should have one.
   *
   * @param pid its PID
   * @param cmdline its command line
   * @param where the namespace or container it belongs to, and why that is wrong
   */
  record OrphanProcess(long pid, String cmdline, String where) {
    @Override
    public String toString() {
      return "process " + pid + " (" + cmdline + ") " + where;
    }
  }

  /**
   * Processes in a jocker namespace whose container is not running, in a namespace no sandbox owns,
   * or (found by their command line or root under the exec root) of a container that is not running
   * or in a namespace that is not its sandbox's: what a crash between a spawn and its record, or a
   * remove before its journal entry, left running.
   */
  List<OrphanProcess> orphanProcesses() {
    Map<Long, String> sandboxOf = new HashMap<>();
    Map<String, Long> inodeOf = new HashMap<>();
    for (Sandbox s : network.sandboxes()) {
      if (s.external()) {
        // An orchestrator's container: its processes are the orchestrator's to run and end.
        continue;
      }
      Optional<Long> inode = Processes.namespaceInode(network.netnsPath(s));
      inode.ifPresent(
          i -> {
            sandboxOf.put(i, s.containerId());
            inodeOf.put(s.containerId(), i);
          });
    }
    Map<Long, String> spare = new HashMap<>();
    for (String ns : network.orphans().namespaces()) {
      Processes.namespaceInode(netnsDir.resolve(ns)).ifPresent(i -> spare.put(i, ns));
    }
    String runDirs = containers.runDirs().toString() + "/";
    List<OrphanProcess> out = new ArrayList<>();
    for (Processes.Info p : Processes.list()) {
      String owner = sandboxOf.get(p.netnsInode());
      if (owner != null) {
        if (!containers.live(owner)) {
          out.add(
              new OrphanProcess(
                  p.pid(),
                  p.cmdline(),
                  "in the namespace of container "
                      + containers.nameOf(owner)
                      + ", which is not running"));
        }
        continue;
      }
      if (spare.containsKey(p.netnsInode())) {
        out.add(
            new OrphanProcess(
                p.pid(),
                p.cmdline(),
                "in namespace " + spare.get(p.netnsInode()) + ", which no container owns"));
        continue;
      }
      String id =
          containerOf(runDirs, p.cmdline()).orElse(containerOf(runDirs, p.root()).orElse(null));
      if (id == null || containers.busy(id) || containers.isShim(id, p.pid())) {
        // A container being started or stopped has launcher processes on their way in or out; a
        // running container's shim lives outside its namespaces.
        continue;
      }
      if (!containers.knows(id) && !Files.isDirectory(containers.runDirs().resolve(id))) {
        // Its root or command names an exec root path this daemon neither records nor has: another
        // jockerd's container (the path reads the same from every mount namespace on the host).
        continue;
      }
      if (!containers.live(id)) {
        out.add(
            new OrphanProcess(
                p.pid(), p.cmdline(), "of container " + containers.nameOf(id) + ", not running"));
      } else if (inodeOf.containsKey(id)) {
        out.add(
            new OrphanProcess(
                p.pid(),
                p.cmdline(),
                "of container " + containers.nameOf(id) + ", outside its sandbox's namespace"));
      }
    }
    return out;
  }

  private static Optional<String> containerOf(String runDirs, String text) {
    int at = text.indexOf(runDirs);
    if (at < 0) {
      return Optional.empty();
    }
    String rest = text.substring(at + runDirs.length());
    int slash = rest.indexOf('/');
    return Optional.of(slash < 0 ? rest : rest.substring(0, slash));
  }
}
