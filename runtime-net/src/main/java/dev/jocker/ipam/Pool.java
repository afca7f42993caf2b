package dev.jocker.ipam;

/**
 * The addresses one network may hand out: its subnet, an optional range inside it, and the gateway.
 * The network address, the broadcast address and the gateway are never handed out. Without a given
 * gateway, the gateway is the range's first address that is not the subnet's network address, as
 * Docker's IPAM makes it.
 *
 * @param subnet the network's subnet
 * @param range where dynamic and static addresses must come from (the subnet when none is given)
 * @param gateway the gateway address
 */
public record Pool(Subnet subnet, Subnet range, int gateway) {
  /** Checks the rules of a bridge network and builds the pool; messages name the failing rule. */
  public static Pool of(String subnetText, String rangeText, String gatewayText) {
    Subnet subnet = Subnet.parse(subnetText);
    if (subnet.prefixLength() > 30) {
      throw new IpamException(
          "subnet " + subnet + " has no room for a gateway and containers; use a /30 or larger");
    }
    if (subnet.prefixLength() < 8) {
      throw new IpamException(
          "subnet " + subnet + " is too large for one bridge network; use a /8 or smaller");
    }
    Subnet range = subnet;
    if (rangeText != null && !rangeText.isEmpty()) {
      range = Subnet.parse(rangeText);
      if (!subnet.encloses(range)) {
        throw new IpamException("ip-range " + range + " is not inside subnet " + subnet);
      }
    }
    // Docker's IPAM hands the gateway the first free address of the range: the range's own
    // network address unless that is the subnet's (10.30.5.0 of --ip-range 10.30.5.0/24 in
    // 10.30.0.0/16), so containers start at the one after it.
    int gateway = range.network() == subnet.network() ? subnet.firstHost() : range.network();
    if (gatewayText != null && !gatewayText.isEmpty()) {
      gateway = Ipv4.parse(gatewayText);
      if (!subnet.contains(gateway)
          || gateway == subnet.network()
          || gateway == subnet.broadcast()) {
        throw new IpamException(
            "gateway " + gatewayText + " is not a host address of subnet " + subnet);
      }
    }
    return new Pool(subnet, range, gateway);
  }

  /** Whether the address is the network, broadcast or gateway address. */
  public boolean reserved(int address) {
    return address == subnet.network() || address == subnet.broadcast() || address == gateway;
  }

  /** How many addresses can be leased. */
  public long capacity() {
    long n = range.size();
    for (int a : new int[] {subnet.network(), subnet.broadcast(), gateway}) {
      if (range.contains(a)) {
        n--;
      }
    }
    return n;
  }
}
