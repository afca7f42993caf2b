package dev.jocker.cluster;

import dev.jocker.testing.Sandbox;
import java.util.List;

/**
 * The network several test "hosts" share: a bridge {@code under0} in the sandbox's lan namespace,
 * with etcd's address on it, and a leg of the test JVM's own namespace on it at 192.0.2.250, so the
 * test reaches etcd and the hosts directly.
 */
public final class Underlay {
  private Underlay() {}

  /** Builds it in {@code lan}; {@code tag} names the JVM's leg, which goes with the namespace. */
  public static void build(Sandbox.Namespace lan, String tag, String etcdAddress) {
    lan.run("ip", "link", "add", "under0", "type", "bridge");
    lan.run("ip", "addr", "add", etcdAddress + "/24", "dev", "under0");
    lan.run("ip", "link", "set", "under0", "up");
    // The test JVM's own leg into the lan: deleting the lan namespace deletes it too.
    String jvmEnd = "jk-lan-" + tag;
    Sandbox.Command.run(
        List.of(
            "ip",
            "link",
            "add",
            jvmEnd,
            "type",
            "veth",
            "peer",
            "name",
            "jvm0",
            "netns",
            lan.name()));
    Sandbox.Command.run(List.of("ip", "addr", "add", "192.0.2.250/24", "dev", jvmEnd));
    Sandbox.Command.run(List.of("ip", "link", "set", jvmEnd, "up"));
    lan.run("ip", "link", "set", "jvm0", "master", "under0", "up");
  }
}
