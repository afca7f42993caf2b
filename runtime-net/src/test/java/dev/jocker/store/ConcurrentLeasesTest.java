package dev.jocker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.jocker.ipam.Ipam;
import dev.jocker.ipam.Pool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 16 threads leasing and releasing on one network never hold the same address at once. */
class ConcurrentLeasesTest {
  @TempDir Path dir;

  @Test
  void noAddressIsEverLeasedTwice() throws Exception {
    Ipam ipam = new Ipam();
    Map<Integer, String> held = new ConcurrentHashMap<>();
    try (Store store = Store.open(dir.resolve("jocker.db"))) {
      store.inTransaction(
          tx -> {
            ipam.register(tx, "n1", "bridge", Pool.of("172.17.0.0/24", null, null));
            return null;
          });
      ExecutorService pool = Executors.newFixedThreadPool(16);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        String owner = "t" + t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 1000; i++) {
                    int a = store.inTransaction(tx -> ipam.allocate(tx, "n1", null, owner));
                    assertNull(held.putIfAbsent(a, owner), "address leased twice");
                    held.remove(a);
                    store.inTransaction(
                        tx -> {
                          ipam.release(tx, "n1", a);
                          return null;
                        });
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
      assertEquals(Map.of(), store.inTransaction(tx -> tx.leases("n1")));
      assertEquals(Map.of(), held);
      // The in-memory bitmap agrees with the database: everything is free again.
      assertEquals(
          "172.17.0.2",
          dev.jocker.ipam.Ipv4.format(
              store.inTransaction(tx -> ipam.allocate(tx, "n1", null, "x"))));
    }
  }
}
