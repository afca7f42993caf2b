package dev.jocker.netlink;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The attributes after a fixed header, in the order the kernel sent them. Unknown types are kept,
 * so newer kernels never break decoding.
 */
public final class Attributes {
  private final List<Attribute> list;

  private Attributes(List<Attribute> list) {
    this.list = List.copyOf(list);
  }

  /** Reads attributes from the buffer's position to its limit. */
  public static Attributes parse(ByteBuffer buf) {
    List<Attribute> out = new ArrayList<>();
    ByteBuffer view = buf.duplicate().order(buf.order());
    while (view.hasRemaining()) {
      out.add(Attribute.read(view));
    }
    return new Attributes(out);
  }

  /** All attributes, unknown ones included. */
  public List<Attribute> all() {
    return list;
  }

  /** The first attribute of {@code type}. */
  public Optional<Attribute> get(int type) {
    for (Attribute a : list) {
      if (a.type() == type) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }

  /** The string value of {@code type}, or null. */
  public String string(int type) {
    return get(type).map(Attribute::asString).orElse(null);
  }

  /** The u32 value of {@code type}, or {@code fallback}. */
  public int integer(int type, int fallback) {
    return get(type).map(Attribute::asInt).orElse(fallback);
  }

  /** The nested attributes of {@code type}, or an empty set. */
  public Attributes nested(int type) {
    return get(type).map(Attribute::nested).orElse(new Attributes(List.of()));
  }
}
