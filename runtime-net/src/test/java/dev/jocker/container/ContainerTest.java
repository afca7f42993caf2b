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
    // reference/docker-20.10/container-resources/paused-ps, container-restart/ps-a
    assertEquals(
        "Up 14 seconds (Paused)",
        HumanTime.status("paused", 0, Duration.ofSeconds(14), Duration.ZERO));
    assertEquals(
        "Restarting (1) 1 second ago",
        HumanTime.status("restarting", 1, Duration.ZERO, Duration.ofSeconds(1)));
    assertEquals("3 days", HumanTime.duration(Duration.ofDays(3)));
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
