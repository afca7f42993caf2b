package dev.jocker.store;

import dev.jocker.ipam.Ipam;
import dev.jocker.ipam.Pool;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The child process of {@link CrashTest}: allocates and releases leases in a loop, printing each
 * committed change, until it is killed.
 */
public final class LeaseChurn {
  private LeaseChurn() {}

  public static void main(String[] args) {
    Ipam ipam = new Ipam();
    try (Store store = Store.open(Path.of(args[0]))) {
      store.inTransaction(
          tx -> {
            ipam.register(tx, "n1", "bridge", Pool.of("172.17.0.0/24", null, null));
            return null;
          });
      Deque<Integer> mine = new ArrayDeque<>(store.inTransaction(tx -> tx.leases("n1")).keySet());
      for (long i = 0; ; i++) {
        if (mine.size() > 100 || (i % 3 == 2 && !mine.isEmpty())) {
          int a = mine.removeFirst();
          store.inTransaction(
              tx -> {
                ipam.release(tx, "n1", a);
                return null;
              });
          System.out.println("released " + a);
        } else {
          int a = store.inTransaction(tx -> ipam.allocate(tx, "n1", null, "churn"));
          mine.addLast(a);
          System.out.println("leased " + a);
        }
        System.out.flush();
      }
    }
  }
}
