package dev.jocker.ipam;

/**
 * An IPv4 network in CIDR form, e.g. {@code 172.17.0.0/16}.
 *
 * @param network the network address (host bits zero)
 * @param prefixLength 0 to 32
 */
public record Subnet(int network, int prefixLength) {
  /** Docker's default bridge subnet. */
  public static final Subnet DEFAULT_BRIDGE = parse("172.17.0.0/16");

  /**
   * Parses {@code a.b.c.d/n}, refusing host bits ({@code 172.17.0.5/16}: suggests {@code
   * 172.17.0.0/16}), prefixes above 32, IPv6, and anything that is not CIDR.
   */
  public static Subnet parse(String cidr) {
    if (cidr == null || cidr.isBlank()) {
      throw new IpamException("invalid subnet: empty string");
    }
    if (cidr.contains(":")) {
      throw new IpamException("invalid subnet \"" + cidr + "\": IPv6 is not supported yet");
    }
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      throw new IpamException(
          "invalid subnet \"" + cidr + "\": expected CIDR notation like 172.17.0.0/16");
    }
    String prefixText = cidr.substring(slash + 1);
    if (prefixText.isEmpty()
        || prefixText.length() > 2
        || !prefixText.chars().allMatch(Character::isDigit)) {
      throw new IpamException(
          "invalid subnet \"" + cidr + "\": prefix length \"" + prefixText + "\" is not a number");
    }
    int prefix = Integer.parseInt(prefixText);
    if (prefix > 32) {
      throw new IpamException(
          "invalid subnet \"" + cidr + "\": prefix length " + prefix + " is larger than 32");
    }
    int address;
    try {
      address = Ipv4.parse(cidr.substring(0, slash));
    } catch (IpamException e) {
      throw new IpamException("invalid subnet \"" + cidr + "\": " + e.getMessage());
    }
    Subnet subnet = new Subnet(address & mask(prefix), prefix);
    if (subnet.network != address) {
      throw new IpamException(
          "invalid subnet \"" + cidr + "\": host bits are set; did you mean " + subnet + "?");
    }
    return subnet;
  }

  /**
   * Parses an address with its prefix, like a bridge IP {@code 172.17.0.1/16}; host bits allowed.
   */
  public static Subnet containing(String addressWithPrefix) {
    int slash = addressWithPrefix.indexOf('/');
    if (slash < 0) {
      throw new IpamException(
          "invalid address \"" + addressWithPrefix + "\": expected 172.17.0.1/16");
    }
    int address = Ipv4.parse(addressWithPrefix.substring(0, slash));
    Subnet s =
        parse(
            Ipv4.format(address & mask(prefixOf(addressWithPrefix)))
                + addressWithPrefix.substring(slash));
    return s;
  }

  private static int prefixOf(String cidr) {
    try {
      int p = Integer.parseInt(cidr.substring(cidr.indexOf('/') + 1));
      if (p < 0 || p > 32) {
        throw new IpamException("invalid prefix length in \"" + cidr + "\"");
      }
      return p;
    } catch (NumberFormatException e) {
      throw new IpamException("invalid prefix length in \"" + cidr + "\"");
    }
  }

  static int mask(int prefix) {
    return prefix == 0 ? 0 : -1 << (32 - prefix);
  }

  /** Number of addresses, network and broadcast included. */
  public long size() {
    return 1L << (32 - prefixLength);
  }

  /** The last address. */
  public int broadcast() {
    return network | ~mask(prefixLength);
  }

  /** The first host address, Docker's default gateway. */
  public int firstHost() {
    return network + 1;
  }

  /** Whether {@code address} lies inside. */
  public boolean contains(int address) {
    return (address & mask(prefixLength)) == network;
  }

  /** Whether the two networks share any address. */
  public boolean overlaps(Subnet other) {
    int p = Math.min(prefixLength, other.prefixLength);
    return (network & mask(p)) == (other.network & mask(p));
  }

  /** Whether {@code other} lies entirely inside. */
  public boolean encloses(Subnet other) {
    return other.prefixLength >= prefixLength && contains(other.network);
  }

  @Override
  public String toString() {
    return Ipv4.format(network) + "/" + prefixLength;
  }
}
