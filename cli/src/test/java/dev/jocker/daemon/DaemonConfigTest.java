package dev.jocker.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jocker.engine.ClusterOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jockerd's cluster options, as flags and in daemon.json, named and refused as dockerd's. */
class DaemonConfigTest {
  @TempDir Path dir;

  private DaemonConfig parse(String json, String... flags) throws Exception {
    Path file = dir.resolve("daemon.json");
    Files.writeString(file, json);
    List<String> args = new ArrayList<>(List.of("--config-file", file.toString()));
    args.addAll(List.of(flags));
    return DaemonConfig.parse(args.toArray(String[]::new));
  }

  private String refused(String json, String... flags) {
    return assertThrows(IllegalArgumentException.class, () -> parse(json, flags)).getMessage();
  }

  @Test
  void noClusterByDefault() throws Exception {
    assertNull(parse("{}").cluster());
  }

  @Test
  void flagsNameTheStoreTheAdvertisedAddressAndTheTtl() throws Exception {
    assertEquals(
        new ClusterOptions(
            "etcd://10.0.0.1:2379,10.0.0.2:2379", "eth1:2376", Duration.ofSeconds(20)),
        parse(
                "{}",
                "--cluster-store",
                "etcd://10.0.0.1:2379,10.0.0.2:2379",
                "--cluster-advertise",
                "eth1:2376",
                "--cluster-store-opt",
                "discovery.ttl=20")
            .cluster());
  }

  @Test
  void daemonJsonAsDockersAndFlagsOverIt() throws Exception {
    String json =
        "{\"cluster-store\": \"etcd://10.0.0.1:2379\", \"cluster-advertise\": \"10.0.0.5:2376\","
            + " \"cluster-store-opts\": {\"discovery.ttl\": \"30\"}}";
    assertEquals(
        new ClusterOptions("etcd://10.0.0.1:2379", "10.0.0.5:2376", Duration.ofSeconds(30)),
        parse(json).cluster());
    assertEquals(
        new ClusterOptions("etcd://10.0.0.1:2379", "eth1:2376", Duration.ofSeconds(30)),
        parse(json, "--cluster-advertise", "eth1:2376").cluster());
  }

  @Test
  void halvesAndUnknownOptionsAreRefusedWithTheirFix() {
    assertEquals(
        "--cluster-store etcd://10.0.0.1:2379 needs --cluster-advertise IFACE:PORT or ADDR:PORT:"
            + " the address other hosts reach this one on",
        refused("{}", "--cluster-store", "etcd://10.0.0.1:2379"));
    assertEquals(
        "--cluster-advertise eth1:2376 needs --cluster-store etcd://HOST:PORT",
        refused("{}", "--cluster-advertise", "eth1:2376"));
    assertEquals(
        "--cluster-store-opt needs --cluster-store",
        refused("{}", "--cluster-store-opt", "discovery.ttl=20"));
    String[] both = {"--cluster-store", "etcd://h:2379", "--cluster-advertise", "eth1:2376"};
    List<String> tls = new ArrayList<>(List.of(both));
    tls.addAll(List.of("--cluster-store-opt", "kv.cacertfile=/etc/ca.pem"));
    assertEquals(
        "--cluster-store-opt kv.cacertfile is not supported by jocker (only discovery.ttl: TLS and"
            + " Docker's other discovery options are not)",
        refused("{}", tls.toArray(String[]::new)));
    List<String> ttl = new ArrayList<>(List.of(both));
    ttl.addAll(List.of("--cluster-store-opt", "discovery.ttl=1"));
    assertEquals(
        "--cluster-store-opt discovery.ttl=1: at least 2 seconds",
        refused("{}", ttl.toArray(String[]::new)));
    List<String> bare = new ArrayList<>(List.of(both));
    bare.addAll(List.of("--cluster-store-opt", "discovery.ttl"));
    assertEquals(
        "--cluster-store-opt discovery.ttl: expected NAME=VALUE, e.g. discovery.ttl=15",
        refused("{}", bare.toArray(String[]::new)));
  }
}
