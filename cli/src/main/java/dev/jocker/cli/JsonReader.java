package dev.jocker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * A strict JSON (RFC 8259) reader over one UTF-8 document, for the CLI: into Jackson's tree nodes,
 * or value by value for {@code ps}. Jackson's own parser is not used on the CLI's path because its
 * base class holds BigDecimal constants, and on JDK 25 BigDecimal's initialisation squares its way
 * to 5^65536: 15 to 60 ms of a CLI process (0.3 ms on 17) that no AOT cache can hold, as a cache
 * keeps classes, not their initialised state. Numbers are read as Jackson reads them: an integer
 * into an int, long or BigInteger node by its size, anything with a fraction or exponent into a
 * double.
 */
final class JsonReader {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Nesting deeper than this is refused, as Jackson's default read constraints refuse it. */
  private static final int MAX_DEPTH = 1000;

  private final byte[] in;
  private int pos;
  private int depth;

  JsonReader(byte[] in) {
    this.in = in;
  }

  /** The document's one value; anything but whitespace after it is an error. */
  JsonNode document() throws IOException {
    JsonNode value = value();
    end();
    return value;
  }

  /** Fails unless only whitespace is left. */
  void end() throws IOException {
    if (peek() != -1) {
      throw error("unexpected data after the JSON value");
    }
  }

  JsonNode value() throws IOException {
    int c = peek();
    switch (c) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
        return NODES.textNode(string());
      case 't':
        literal("true");
        return NODES.booleanNode(true);
      case 'f':
        literal("false");
        return NODES.booleanNode(false);
      case 'n':
        literal("null");
        return NODES.nullNode();
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        throw error(c == -1 ? "unexpected end of input" : "unexpected character");
    }
  }

  private ObjectNode object() throws IOException {
    enter();
    ObjectNode object = NODES.objectNode();
    if (!nextMember('{')) {
      leave();
      return object;
    }
    do {
      String name = name();
      object.set(name, value());
    } while (moreMembers());
    leave();
    return object;
  }

  private ArrayNode array() throws IOException {
    enter();
    ArrayNode array = NODES.arrayNode();
    if (!nextElement('[')) {
      leave();
      return array;
    }
    do {
      array.add(value());
    } while (moreElements());
    leave();
    return array;
  }

  /** Consumes {@code open} ('{'); true if a member follows, false if the object is empty. */
  boolean nextMember(char open) throws IOException {
    expect(open);
    if (peek() == '}') {
      pos++;
      return false;
    }
    return true;
  }

  /** A member's name and its colon. */
  String name() throws IOException {
    if (peek() != '"') {
      throw error("expected a member name");
    }
    String name = string();
    expect(':');
    return name;
  }

  /** After a member's value: true at a comma (another member follows), false at the '}'. */
  boolean moreMembers() throws IOException {
    int c = peek();
    pos++;
    if (c == ',') {
      return true;
    }
    if (c == '}') {
      return false;
    }
    pos--;
    throw error("expected ',' or '}'");
  }

  /** Consumes {@code open} ('['); true if an element follows, false if the array is empty. */
  boolean nextElement(char open) throws IOException {
    expect(open);
    if (peek() == ']') {
      pos++;
      return false;
    }
    return true;
  }

  /** After an element: true at a comma (another element follows), false at the ']'. */
  boolean moreElements() throws IOException {
    int c = peek();
    pos++;
    if (c == ',') {
      return true;
    }
    if (c == ']') {
      return false;
    }
    pos--;
    throw error("expected ',' or ']'");
  }

  /** The next value's first character, after whitespace; -1 at the end. */
  int peek() {
    while (pos < in.length) {
      byte b = in[pos];
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
        return b & 0xff;
      }
      pos++;
    }
    return -1;
  }

  /** Skips one value of any kind, checking it as {@link #value} would. */
  void skip() throws IOException {
    int c = peek();
    if (c == '{') {
      enter();
      if (nextMember('{')) {
        do {
          name();
          skip();
        } while (moreMembers());
      }
      leave();
    } else if (c == '[') {
      enter();
      if (nextElement('[')) {
        do {
          skip();
        } while (moreElements());
      }
      leave();
    } else if (c == '"') {
      string();
    } else {
      value();
    }
  }

  /** An integer value that fits a long. */
  long longValue() throws IOException {
    JsonNode n = value();
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw error("expected an integer");
    }
    return n.longValue();
  }

  private void enter() throws IOException {
    if (++depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH);
    }
  }

  private void leave() {
    depth--;
  }

  private void expect(char c) throws IOException {
    if (peek() != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  private void literal(String word) throws IOException {
    int n = word.length();
    if (pos + n > in.length) {
      throw error("unexpected end of input");
    }
    for (int i = 0; i < n; i++) {
      if (in[pos + i] != word.charAt(i)) {
        throw error("unrecognised token");
      }
    }
    pos += n;
    if (pos < in.length && isWordByte(in[pos])) {
      throw error("unrecognised token");
    }
  }

  private static boolean isWordByte(byte b) {
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9');
  }

  private String string() throws IOException {
    int start = ++pos;
    // The common case, no escape: one decode of the bytes as they are.
    while (pos < in.length) {
      byte b = in[pos];
      if (b == '"') {
        return new String(in, start, pos++ - start, StandardCharsets.UTF_8);
      }
      if (b == '\\') {
        break;
      }
      if ((b & 0xff) < 0x20) {
        throw error("unescaped control character in a string");
      }
      pos++;
    }
    StringBuilder s = new StringBuilder(new String(in, start, pos - start, StandardCharsets.UTF_8));
    int run = pos;
    while (pos < in.length) {
      byte b = in[pos];
      if (b == '"') {
        s.append(new String(in, run, pos++ - run, StandardCharsets.UTF_8));
        return s.toString();
      }
      if ((b & 0xff) < 0x20) {
        throw error("unescaped control character in a string");
      }
      if (b != '\\') {
        pos++;
        continue;
      }
      s.append(new String(in, run, pos - run, StandardCharsets.UTF_8));
      if (++pos >= in.length) {
        break;
      }
      byte e = in[pos++];
      switch (e) {
        case '"' -> s.append('"');
        case '\\' -> s.append('\\');
        case '/' -> s.append('/');
        case 'b' -> s.append('\b');
        case 'f' -> s.append('\f');
        case 'n' -> s.append('\n');
        case 'r' -> s.append('\r');
        case 't' -> s.append('\t');
        case 'u' -> s.append(hex4());
        default -> {
          pos--;
          throw error("invalid escape in a string");
        }
      }
      run = pos;
    }
    throw error("unexpected end of input in a string");
  }

  private char hex4() throws IOException {
    if (pos + 4 > in.length) {
      throw error("unexpected end of input in a \\u escape");
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(in[pos + i], 16);
      if (d < 0) {
        throw error("invalid \\u escape");
      }
      v = v << 4 | d;
    }
    pos += 4;
    return (char) v;
  }

  private JsonNode number() throws IOException {
    int start = pos;
    if (in[pos] == '-') {
      pos++;
    }
    int intStart = pos;
    if (pos < in.length && in[pos] == '0') {
      pos++;
    } else {
      digits();
    }
    int intDigits = pos - intStart;
    boolean integral = true;
    if (pos < in.length && in[pos] == '.') {
      pos++;
      digits();
      integral = false;
    }
    if (pos < in.length && (in[pos] == 'e' || in[pos] == 'E')) {
      pos++;
      if (pos < in.length && (in[pos] == '+' || in[pos] == '-')) {
        pos++;
      }
      digits();
      integral = false;
    }
    if (pos < in.length && (isWordByte(in[pos]) || in[pos] == '.')) {
      throw error("invalid number");
    }
    String text = new String(in, start, pos - start, StandardCharsets.US_ASCII);
    if (!integral) {
      return NODES.numberNode(Double.parseDouble(text));
    }
    if (intDigits <= 9) {
      return NODES.numberNode(Integer.parseInt(text));
    }
    if (intDigits <= 18) {
      long v = Long.parseLong(text);
      return v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
    }
    BigInteger v = new BigInteger(text);
    return v.bitLength() < 64 ? NODES.numberNode(v.longValue()) : NODES.numberNode(v);
  }

  private void digits() throws IOException {
    int start = pos;
    while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') {
      pos++;
    }
    if (pos == start) {
      throw error("invalid number");
    }
  }

  IOException error(String what) {
    return new IOException("invalid JSON from the daemon at byte " + pos + ": " + what);
  }
}
