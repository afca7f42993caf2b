package dev.jocker.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which CNI_ variables each command needs, and what they may hold. */
class CniEnvironmentTest {
  private static String refused(Map<String, String> env) {
    CniException e = assertThrows(CniException.class, () -> CniEnvironment.of(env));
    assertEquals(CniException.INVALID_ENVIRONMENT, e.code());
    return e.details();
  }

  @Test
  void addNeedsContainerNamespaceAndInterface() {
    CniEnvironment env =
        CniEnvironment.of(
            Map.of(
                "CNI_COMMAND", "ADD",
                "CNI_CONTAINERID", "c1",
                "CNI_NETNS", "/run/netns/c1",
                "CNI_IFNAME", "eth0",
                "CNI_PATH", "/opt/cni/bin::/usr/lib/cni",
                "PATH", "/bin"));
    assertEquals(List.of("/opt/cni/bin", "/usr/lib/cni"), env.path());
    assertEquals(5, env.variables().size());
    assertEquals(
        "CNI_NETNS is not set; ADD needs it",
        refused(Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c1", "CNI_IFNAME", "eth0")));
    assertEquals(
        "CNI_IFNAME is not set; CHECK needs it",
        refused(Map.of("CNI_COMMAND", "CHECK", "CNI_CONTAINERID", "c1", "CNI_NETNS", "/x")));
  }

  @Test
  void delMayComeWithoutANamespace() {
    CniEnvironment env =
        CniEnvironment.of(
            Map.of("CNI_COMMAND", "DEL", "CNI_CONTAINERID", "c1", "CNI_IFNAME", "eth0"));
    assertNull(env.netns());
  }

  @Test
  void badValuesAreNamed() {
    assertEquals(
        "CNI_COMMAND is not set; expected one of ADD, DEL, CHECK, GC, STATUS, VERSION",
        refused(Map.of()));
    assertEquals(
        "CNI_COMMAND=MOVE is not a CNI command; expected one of [ADD, DEL, CHECK, GC, STATUS, VERSION]",
        refused(Map.of("CNI_COMMAND", "MOVE")));
    assertEquals(
        "CNI_CONTAINERID=-x is not a container ID: it must start with a letter or digit, followed"
            + " by letters, digits, _, . or -",
        refused(Map.of("CNI_COMMAND", "DEL", "CNI_CONTAINERID", "-x", "CNI_IFNAME", "eth0")));
    assertEquals(
        "CNI_IFNAME=eth0/1 is not a valid interface name: it contains '/'",
        refused(Map.of("CNI_COMMAND", "DEL", "CNI_CONTAINERID", "c1", "CNI_IFNAME", "eth0/1")));
    assertEquals(
        "CNI_IFNAME=abcdefghijklmnop is not a valid interface name: it must be 1 to 15 characters long",
        refused(
            Map.of(
                "CNI_COMMAND", "DEL", "CNI_CONTAINERID", "c1", "CNI_IFNAME", "abcdefghijklmnop")));
  }
}
