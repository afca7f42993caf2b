package dev.jocker.cluster;

import dev.jocker.ipam.IpamException;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Pool;
import dev.jocker.ipam.Subnet;
import io.etcd.jetcd.kv.TxnResponse;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Overlay networks in the cluster store. A network is created in one transaction that also claims
 * its name, its VNI and its subnet, each a key that must not exist yet: two hosts creating at once
 * never get one VNI, one name or one subnet, whoever loses retries with the next free VNI or is
 * told which network has the name or subnet.
 */
public final class OverlayNetworks {
  /** The first VNI Docker's overlay hands out. */
  public static final int FIRST_VNI = 256;

  /** The last VNI (24 bits). */
  public static final int LAST_VNI = (1 << 24) - 1;

  /** Docker's default pool for overlay networks: 10.0.0.0/8 in /24s. */
  private static final int DEFAULT_POOL = Ipv4.parse("10.0.0.0");

  private static final int ATTEMPTS = 20;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Cluster cluster;

  OverlayNetworks(Cluster cluster) {
    this.cluster = cluster;
  }

  /**
   * Creates a network: {@code docker network create -d overlay [--subnet S] [--gateway G] [-o
   * com.docker.network.driver.overlay.vxlanid_list=VNI] NAME}. Without a subnet, the first /24 of
   * 10.0.0.0/8 no other overlay network overlaps; without a VNI, the lowest free from 256.
   */
  public OverlayNetwork create(String name, String subnet, String gateway, Integer vni) {
    validateName(name);
    if (vni != null && (vni < 1 || vni > LAST_VNI)) {
      throw new ClusterException("network " + name + ": VNI " + vni + " is outside 1.." + LAST_VNI);
    }
    cluster.requireJoined();
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      List<OverlayNetwork> existing = list();
      for (OverlayNetwork n : existing) {
        if (n.name().equals(name)) {
          throw new ClusterConflictException("network with name " + name + " already exists");
        }
      }
      Pool pool = pool(name, subnet, gateway, existing);
      int chosenVni = vni != null ? vni : lowestFreeVni(existing);
      OverlayNetwork net =
          new OverlayNetwork(
              newId(),
              name,
              pool.subnet().toString(),
              Ipv4.format(pool.gateway()),
              chosenVni,
              blockPrefix(pool.subnet()),
              cluster.hostname(),
              System.currentTimeMillis(),
              false);
      String nameKey = Keys.name(name);
      String vniKey = Keys.vni(chosenVni);
      String subnetKey = Keys.subnet(pool.subnet());
      TxnResponse r =
          cluster
              .etcd()
              .txn(
                  "network create " + name,
                  List.of(Etcd.absent(nameKey), Etcd.absent(vniKey), Etcd.absent(subnetKey)),
                  List.of(
                      Etcd.put(Keys.network(net.id()), Etcd.json(net), 0),
                      Etcd.put(nameKey, net.id(), 0),
                      Etcd.put(vniKey, net.id(), 0),
                      Etcd.put(subnetKey, net.id(), 0)),
                  List.of(Etcd.getOp(nameKey), Etcd.getOp(vniKey), Etcd.getOp(subnetKey)));
      if (r.isSucceeded()) {
        return net;
      }
      if (!r.getGetResponses().get(0).getKvs().isEmpty()) {
        throw new ClusterConflictException("network with name " + name + " already exists");
      }
      if (!r.getGetResponses().get(1).getKvs().isEmpty() && vni != null) {
        String owner = Etcd.kv(r.getGetResponses().get(1).getKvs().get(0)).value();
        throw new ClusterConflictException(
            "network "
                + name
                + ": VNI "
                + vni
                + " is already used by network "
                + describe(owner)
                + "; choose another or leave it out");
      }
      if (!r.getGetResponses().get(2).getKvs().isEmpty() && subnet != null) {
        String owner = Etcd.kv(r.getGetResponses().get(2).getKvs().get(0)).value();
        throw new ClusterConflictException(
            "network "
                + name
                + ": subnet "
                + pool.subnet()
                + " is already used by network "
                + describe(owner));
      }
      // Another host took the VNI or the default subnet between the read and the write: again,
      // with what it wrote now visible.
    }
    throw new ClusterException(
        "network create "
            + name
            + ": "
            + ATTEMPTS
            + " attempts lost a race for a VNI or subnet to other hosts; try again");
  }

  /** Every overlay network, in creation order. */
  public List<OverlayNetwork> list() {
    cluster.requireJoined();
    return cluster.etcd().list(Keys.NETWORKS).kvs().stream()
        .map(kv -> Etcd.parse(kv, OverlayNetwork.class))
        .sorted((a, b) -> Long.compare(a.createdAtMillis(), b.createdAtMillis()))
        .toList();
  }

  /** The network with this name, full ID or unambiguous ID prefix, as Docker looks one up. */
  public Optional<OverlayNetwork> find(String nameOrId) {
    List<OverlayNetwork> all = list();
    for (OverlayNetwork n : all) {
      if (n.name().equals(nameOrId) || n.id().equals(nameOrId)) {
        return Optional.of(n);
      }
    }
    List<OverlayNetwork> byPrefix = all.stream().filter(n -> n.id().startsWith(nameOrId)).toList();
    if (byPrefix.size() > 1) {
      throw new ClusterException(
          "network " + nameOrId + " is ambiguous: " + byPrefix.size() + " networks match");
    }
    return byPrefix.stream().findFirst();
  }

  /** As {@link #find}, failing when there is none. */
  public OverlayNetwork get(String nameOrId) {
    return find(nameOrId)
        .orElseThrow(() -> new ClusterException("network " + nameOrId + " not found"));
  }

  /**
   * The network as stored now with the revision of its key: an endpoint joins only while the key is
   * unchanged, so a removal in between is never missed.
   */
  Etcd.Kv current(String networkId) {
    Etcd.Kv kv =
        cluster
            .etcd()
            .get(Keys.network(networkId))
            .orElseThrow(() -> new ClusterException("network " + networkId + " not found"));
    if (Etcd.parse(kv, OverlayNetwork.class).removing()) {
      throw new ClusterException(
          "network " + Etcd.parse(kv, OverlayNetwork.class).name() + " is being removed");
    }
    return kv;
  }

  /**
   * Removes a network unless an endpoint is left on any host, as Docker refuses. First the network
   * is marked as being removed (no endpoint can join it from then on: each join checks the key did
   * not change), then the endpoints are counted, then the network, its name, VNI, subnet and blocks
   * go in one transaction, or the mark is taken back.
   */
  public void remove(String nameOrId) {
    OverlayNetwork net = get(nameOrId);
    Etcd etcd = cluster.etcd();
    String key = Keys.network(net.id());
    Etcd.Kv before = current(net.id());
    TxnResponse marked =
        etcd.txn(
            "network rm " + net.name(),
            List.of(Etcd.unchanged(key, before.modRevision())),
            List.of(Etcd.put(key, Etcd.json(net.withRemoving(true)), 0)),
            List.of());
    if (!marked.isSucceeded()) {
      throw new ClusterException(
          "network rm " + net.name() + ": the network changed meanwhile; try again");
    }
    long markRevision = marked.getHeader().getRevision();
    List<EndpointRecord> left = cluster.endpoints().list(net.id());
    if (!left.isEmpty()) {
      etcd.txn(
          "network rm " + net.name() + " (undo)",
          List.of(Etcd.unchanged(key, markRevision)),
          List.of(Etcd.put(key, Etcd.json(net.withRemoving(false)), 0)),
          List.of());
      Set<String> hosts = new TreeSet<>();
      left.forEach(e -> hosts.add(e.host()));
      throw new ClusterConflictException(
          "error while removing network: network "
              + net.name()
              + " id "
              + net.id()
              + " has active endpoints (on "
              + String.join(", ", hosts)
              + ")");
    }
    etcd.txn(
        "network rm " + net.name(),
        List.of(Etcd.unchanged(key, markRevision)),
        List.of(
            Etcd.delete(key),
            Etcd.delete(Keys.name(net.name())),
            Etcd.delete(Keys.vni(net.vni())),
            Etcd.delete(Keys.subnet(net.parsedSubnet())),
            Etcd.deletePrefix(Keys.blocks(net.id()))),
        List.of());
  }

  /**
   * The size of the address blocks hosts claim in a subnet: /26 in large subnets (Calico's), and
   * smaller ones in small subnets so that at least 16 hosts fit: a /24 has 16 blocks of /28.
   */
  static int blockPrefix(Subnet subnet) {
    return Math.max(subnet.prefixLength(), Math.min(29, Math.max(26, subnet.prefixLength() + 4)));
  }

  private Pool pool(String name, String subnet, String gateway, List<OverlayNetwork> existing) {
    if (subnet == null || subnet.isEmpty()) {
      if (gateway != null && !gateway.isEmpty()) {
        throw new ClusterException("network " + name + ": --gateway needs --subnet");
      }
      for (int i = 0; i < 256; i++) {
        Subnet candidate = new Subnet(DEFAULT_POOL + (i << 8), 24);
        if (existing.stream().noneMatch(n -> n.parsedSubnet().overlaps(candidate))) {
          return new Pool(candidate, candidate, candidate.firstHost());
        }
      }
      throw new ClusterException(
          "network " + name + ": every /24 of 10.0.0.0/8 is used; give --subnet");
    }
    Pool pool;
    try {
      pool = Pool.of(subnet, null, gateway);
    } catch (IpamException e) {
      throw new ClusterException("network " + name + ": " + e.getMessage(), e);
    }
    for (OverlayNetwork n : existing) {
      if (n.parsedSubnet().overlaps(pool.subnet())) {
        throw new ClusterConflictException(
            "network "
                + name
                + ": subnet "
                + pool.subnet()
                + " overlaps network "
                + n.name()
                + " ("
                + n.subnet()
                + "); choose another --subnet");
      }
    }
    return pool;
  }

  private static int lowestFreeVni(List<OverlayNetwork> existing) {
    Set<Integer> used = new TreeSet<>();
    existing.forEach(n -> used.add(n.vni()));
    int vni = FIRST_VNI;
    while (used.contains(vni)) {
      vni++;
    }
    return vni;
  }

  private String describe(String networkId) {
    return cluster
        .etcd()
        .get(Keys.network(networkId))
        .map(kv -> Etcd.parse(kv, OverlayNetwork.class).name())
        .orElse(networkId.substring(0, Math.min(12, networkId.length())));
  }

  private static void validateName(String name) {
    if (name == null || !name.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
      throw new ClusterException(
          "invalid network name \"" + name + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
    }
  }

  private static String newId() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
