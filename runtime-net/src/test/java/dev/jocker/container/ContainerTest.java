package dev.jocker.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ContainerTest {
  @Test
  void namesFollowDockersRules() {
    assertNull(ContainerNames.problem("test1"));
    assertNull(ContainerNames.problem("a.b_c-d"));
    for (String bad : new String[] {"a b", "../x", "-x", "x".repeat(65), ";rm -rf /", ""}) {
      assertNotNull(ContainerNames.problem(bad), bad);
    }
    assertTrue(ContainerNames.generate().matches("[a-z]+_[a-z]+"));
    assertTrue(ContainerNames.newId().matches("[0-9a-f]{64}"));
  }

  @Test
  void generatedNamesNeverRunOutWhenRetried() {
    // More containers than the 550 adjective_surname pairs: retrying must always end.
    java.util.Set<String> taken = new java.util.HashSet<>();
    for (int i = 0; i < 2000; i++) {
      String n;
      int retry = 0;
      do {
        n = ContainerNames.generate(retry++);
      } while (taken.contains(n));
      assertNull(ContainerNames.problem(n), n);
      taken.add(n);
    }
    assertEquals(2000, taken.size());
  }

  @Test
  void statusesReadAsDockerPsPrintsThem() {
    assertEquals(
        "Up Less than a second",
        HumanTime.status("running", 0, Duration.ofMillis(300), Duration.ZERO));
    assertEquals(
        "Up 33 seconds", HumanTime.status("running", 0, Duration.ofSeconds(33), Duration.ZERO));
    assertEquals(
        "Up About a minute", HumanTime.status("running", 0, Duration.ofSeconds(90), Duration.ZERO));
    assertEquals("Up 4 hours", HumanTime.status("running", 0, Duration.ofHours(4), Duration.ZERO));
    assertEquals(
        "Exited (137) 3 seconds ago",
        HumanTime.status("exited", 137, Duration.ZERO, Duration.ofSeconds(3)));
    assertEquals("Created", HumanTime.status("created", 0, Duration.ZERO, Duration.ZERO));
    assertEquals("3 days", HumanTime.duration(Duration.ofDays(3)));
  }

  @Test
  void fstabsMountWhatDockerMountsAndEscapeWhiteSpace() {
    java.nio.file.Path dir = java.nio.file.Path.of("/var/lib/my data/containers/c1");
    assertEquals(
        "proc /var/lib/my\\040data/containers/c1/rootfs/proc proc nosuid,nodev,noexec 0 0\n"
            + "sysfs /var/lib/my\\040data/containers/c1/rootfs/sys sysfs ro,nosuid,nodev,noexec 0 0\n"
            + "tmpfs /var/lib/my\\040data/containers/c1/rootfs/dev tmpfs nosuid,mode=755 0 0\n",
        ProcessRuntime.baseFstab(dir.resolve("rootfs")));
    String binds = ProcessRuntime.bindsFstab(dir);
    assertTrue(
        binds.startsWith(
            "devpts /var/lib/my\\040data/containers/c1/rootfs/dev/pts devpts"
                + " newinstance,ptmxmode=0666,mode=620,X-mount.mkdir 0 0\n"
                + "shm /var/lib/my\\040data/containers/c1/rootfs/dev/shm tmpfs"
                + " nosuid,nodev,noexec,mode=1777,size=65536k,X-mount.mkdir 0 0\n"
                + "/dev/null /var/lib/my\\040data/containers/c1/rootfs/dev/null none bind 0 0\n"),
        binds);
    assertTrue(
        binds.endsWith(
            "/var/lib/my\\040data/containers/c1/resolv.conf"
                + " /var/lib/my\\040data/containers/c1/rootfs/etc/resolv.conf none bind 0 0\n"),
        binds);
    assertEquals(11, binds.lines().count());
    assertEquals("a\\011b\\012c\\134d", ProcessRuntime.fstabEscape("a\tb\nc\\d"));
  }

  @Test
  void startTimeIsField22EvenWhenTheCommandNameHoldsSpacesAndParentheses() {
    String fields3To21 = "S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18";
    assertEquals(
        703687L, ProcessRuntime.startTimeOf("4242 (a) b (c) " + fields3To21 + " 703687 9 8 7\n"));
    assertEquals(99L, ProcessRuntime.startTimeOf("1 (sh) " + fields3To21 + " 99"));
  }

  @Test
  void etcFilesAsDockerWritesThem() {
    assertTrue(
        ContainerFiles.hosts("172.17.0.2", "4b47d6bb3da6")
            .endsWith("ff02::2\tip6-allrouters\n172.17.0.2\t4b47d6bb3da6\n"));
    assertEquals(
        "nameserver 192.0.2.53\n",
        ContainerFiles.resolvConf("nameserver 127.0.0.53\nnameserver 192.0.2.53\n"));
    assertEquals(
        "nameserver 192.0.2.53\n",
        ContainerFiles.resolvConf("nameserver 2001:db8::53\nnameserver 192.0.2.53\n"));
    assertEquals(
        "options edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n",
        ContainerFiles.resolvConf("nameserver 127.0.0.53\noptions edns0\n"));
  }
}
