package dev.jocker.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Names, aliases, short IDs and hostnames, scoped per network as libnetwork scopes them. */
class NameTableTest {
  static final String WEB = "aaaaaaaaaaaa" + "0".repeat(52);
  static final String DB = "bbbbbbbbbbbb" + "1".repeat(52);
  static final String OTHER = "cccccccccccc" + "2".repeat(52);

  static Inet4Address ip(String text) {
    try {
      return (Inet4Address) InetAddress.getByName(text);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  static DnsEndpoint user(
      String id, String name, String network, String address, String... aliases) {
    return DnsEndpoint.onUserNetwork(
        id, name, id.substring(0, 12), network, false, List.of(aliases), ip(address), Map.of());
  }

  static List<Inet4Address> resolve(NameTable t, String asker, String name) {
    return t.resolve(asker, name).map(NameTable.Resolution::addresses).orElse(List.of());
  }

  @Test
  void resolvesNamesAliasesShortIdsAndNameDotNetworkOnTheAskersNetworksOnly() {
    NameTable t = new NameTable();
    t.add(user(WEB, "web", "mynet", "172.18.0.2"));
    t.add(user(DB, "db", "mynet", "172.18.0.3", "database"));
    t.add(user(OTHER, "other", "othernet", "172.19.0.2"));

    assertEquals(List.of(ip("172.18.0.3")), resolve(t, WEB, "db"));
    assertEquals(List.of(ip("172.18.0.3")), resolve(t, WEB, "DB."));
    assertEquals(List.of(ip("172.18.0.3")), resolve(t, WEB, "database"));
    assertEquals(List.of(ip("172.18.0.3")), resolve(t, WEB, "bbbbbbbbbbbb"));
    assertEquals(List.of(ip("172.18.0.3")), resolve(t, WEB, "db.mynet"));
    assertEquals(List.of(), resolve(t, WEB, "db.othernet"));
    assertEquals(List.of(), resolve(t, WEB, DB), "the full ID is too long for a label");
    assertEquals(List.of(), resolve(t, WEB, "other"), "other lives on another network");
    assertEquals(List.of(), resolve(t, OTHER, "db"));
    assertEquals(List.of(), resolve(t, "not-a-container", "db"));
  }

  @Test
  void aSharedAliasAnswersEveryMemberAndLeavesWithThem() {
    NameTable t = new NameTable();
    t.add(user(WEB, "web", "mynet", "172.18.0.2", "app"));
    t.add(user(DB, "db", "mynet", "172.18.0.3", "app"));
    assertEquals(List.of(ip("172.18.0.2"), ip("172.18.0.3")), resolve(t, WEB, "app"));
    t.remove(DB, "mynet");
    assertEquals(List.of(ip("172.18.0.2")), resolve(t, WEB, "app"));
    assertEquals(List.of(), resolve(t, WEB, "db"));
  }

  @Test
  void anAliasBelongsToTheNetworkItWasGivenOn() {
    NameTable t = new NameTable();
    t.add(user(WEB, "web", "a", "172.18.0.2"));
    t.add(user(WEB, "web", "b", "172.19.0.2"));
    t.add(user(DB, "db", "a", "172.18.0.3", "store"));
    t.add(user(DB, "db", "b", "172.19.0.3"));
    assertEquals(List.of(ip("172.18.0.3")), resolve(t, WEB, "store"));
    assertEquals(List.of(), resolve(t, WEB, "store.b"));
    assertEquals(List.of(ip("172.19.0.3")), resolve(t, WEB, "db.b"));
    // On both networks: the first in Docker's order (by network name) answers.
    assertEquals(Optional.of("a"), t.resolve(WEB, "db").map(NameTable.Resolution::network));
    t.remove(WEB, "a");
    assertEquals(List.of(ip("172.19.0.3")), resolve(t, WEB, "db"));
    assertEquals(List.of(), resolve(t, WEB, "store"), "after disconnect from a, its alias is gone");
  }

  @Test
  void hostnameIsAnAliasWhenItDiffersFromTheName() {
    NameTable t = new NameTable();
    t.add(
        DnsEndpoint.onUserNetwork(
            DB, "db", "dbhost", "mynet", false, List.of(), ip("172.18.0.3"), Map.of()));
    t.add(user(WEB, "web", "mynet", "172.18.0.2"));
    assertEquals(List.of(ip("172.18.0.3")), resolve(t, WEB, "dbhost"));
    assertEquals(
        List.of("bbbbbbbbbbbb", "dbhost"),
        t.endpoints(DB).get(0).aliases(),
        "Docker's order: network aliases, short ID, hostname");
  }

  @Test
  void internalNetworksAreLookedAtLast() {
    NameTable t = new NameTable();
    t.add(new DnsEndpoint(WEB, "a-internal", true, "web", List.of(), ip("10.0.0.2"), Map.of()));
    t.add(new DnsEndpoint(WEB, "z-public", false, "web", List.of(), ip("10.1.0.2"), Map.of()));
    t.add(new DnsEndpoint(DB, "a-internal", true, "db", List.of(), ip("10.0.0.3"), Map.of()));
    t.add(new DnsEndpoint(DB, "z-public", false, "db", List.of(), ip("10.1.0.3"), Map.of()));
    assertEquals(List.of(ip("10.1.0.3")), resolve(t, WEB, "db"));
  }

  @Test
  void linkAliasesResolveForTheLinkingContainerOnly() {
    NameTable t = new NameTable();
    t.add(
        new DnsEndpoint(
            WEB, "mynet", false, "web", List.of(), ip("172.18.0.2"), Map.of("Store", "db")));
    t.add(user(DB, "db", "mynet", "172.18.0.3"));
    t.add(user(OTHER, "other", "mynet", "172.18.0.4"));
    assertEquals(List.of(ip("172.18.0.3")), resolve(t, WEB, "store"));
    assertEquals(List.of(), resolve(t, OTHER, "store"));
  }

  @Test
  void reverseAnswersNameDotNetworkForTheAskersNetworks() {
    NameTable t = new NameTable();
    t.add(user(WEB, "web", "mynet", "172.18.0.2"));
    t.add(user(DB, "db", "mynet", "172.18.0.3", "database"));
    t.add(user(OTHER, "other", "othernet", "172.19.0.2"));
    assertEquals(Optional.of("db.mynet"), t.reverse(WEB, ip("172.18.0.3")));
    assertEquals(Optional.empty(), t.reverse(WEB, ip("172.19.0.2")));
    t.removeContainer(DB);
    assertEquals(Optional.empty(), t.reverse(WEB, ip("172.18.0.3")));
    assertTrue(t.endpoints(DB).isEmpty());
  }

  @Test
  void aDottedNetworkNameIsFound() {
    NameTable t = new NameTable();
    t.add(user(WEB, "web", "my.net", "172.18.0.2"));
    t.add(user(DB, "db", "my.net", "172.18.0.3"));
    assertEquals(List.of(ip("172.18.0.3")), resolve(t, WEB, "db.my.net"));
  }
}
