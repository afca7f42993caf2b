package dev.jocker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * JsonReader reads what Jackson reads, into the same nodes, and refuses what Jackson refuses when
 * it is told to read one whole document (as the CLI's parser before it did).
 */
class JsonReaderTest {
  private static final ObjectMapper JACKSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{}",
        "[]",
        " { \"a\" : [ 1 , \"b\" , true , false , null , 1.5 ] } ",
        "{\"Id\":\"4b47d6bb3da6\",\"Names\":[\"/test1\"],\"Labels\":{},\"Ports\":[],"
            + "\"NetworkSettings\":{\"Networks\":{\"bridge\":{\"IPAddress\":\"172.17.0.2\","
            + "\"Aliases\":null}}}}",
        "[0, -0, 7, -7, 2147483647, 2147483648, -2147483648, -2147483649]",
        "[9223372036854775807, -9223372036854775808, 9223372036854775808, 123456789012345678901]",
        "[1e3, 1E-3, -2.5e+10, 0.0, 6.02214076e23, 1.7976931348623157e308]",
        "\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u2026 \\ud83d\\ude00 end\"",
        "\"UTF-8 as it is: é … 😀 ☃\"",
        "{\"dup\":1,\"dup\":2}",
        "[[[[[[[[[[[]]]]]]]]]]]",
        "\"\"",
        "true",
        "null",
        "-12.75"
      })
  void readsWhatJacksonReads(String json) throws IOException {
    JsonNode expected = JACKSON.readTree(json);
    JsonNode actual = Json.parse(json);
    assertEquals(expected, actual);
    assertEquals(types(expected), types(actual));
  }

  /** Node classes, depth first: IntNode and LongNode are equal in value but not in kind. */
  private static String types(JsonNode n) {
    StringBuilder s = new StringBuilder(n.getClass().getSimpleName());
    n.elements().forEachRemaining(c -> s.append('(').append(types(c)).append(')'));
    return s.toString();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{",
        "[1,]",
        "[1 2]",
        "{\"a\" 1}",
        "{\"a\":1,}",
        "{a:1}",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "+1",
        "0x10",
        "tru",
        "truth",
        "nul",
        "\"unterminated",
        "\"bad escape \\x\"",
        "\"short \\u12\"",
        "\"tab\tinside\"",
        "{} {}",
        "[1] x",
        "'single'"
      })
  void refusesWhatJacksonRefuses(String json) {
    assertThrows(IOException.class, () -> JACKSON.readTree(json), "Jackson accepts " + json);
    IOException e = assertThrows(IOException.class, () -> Json.parse(json));
    assertTrue(e.getMessage().startsWith("invalid JSON from the daemon at byte "), e.getMessage());
  }

  @Test
  void refusesNoValueAtAll() {
    for (String json : new String[] {"", " \n\t "}) {
      IOException e = assertThrows(IOException.class, () -> Json.parse(json));
      assertEquals(
          "invalid JSON from the daemon at byte " + json.length() + ": unexpected end of input",
          e.getMessage());
    }
  }

  @Test
  void refusesNestingDeeperThanJackson() {
    String deep = "[".repeat(1001) + "]".repeat(1001);
    IOException e = assertThrows(IOException.class, () -> Json.parse(deep));
    assertTrue(e.getMessage().endsWith("nesting deeper than 1000"), e.getMessage());
    String allowed = "[".repeat(1000) + "]".repeat(1000);
    assertDoesNotThrowIo(allowed);
  }

  private static void assertDoesNotThrowIo(String json) {
    try {
      Json.parse(json);
    } catch (IOException e) {
      throw new AssertionError(json.length() + " bytes: " + e.getMessage(), e);
    }
  }

  @Test
  void psReadsOnlyWhatItPrintsAndSkipsTheRest() throws IOException {
    String list =
        "[{\"Id\":\"a1\",\"Names\":[\"/one\",\"/link/one\"],\"Image\":\"busybox\",\"Command\":\"sh\","
            + "\"Created\":1700000000,\"Status\":\"Up 2 seconds\",\"Labels\":{\"x\":[1,{\"y\":null}]},"
            + "\"Mounts\":[],\"HostConfig\":{\"NetworkMode\":\"default\"}},"
            + "{\"Names\":null,\"Id\":\"b2\",\"Created\":1,\"Status\":\"Exited (0) 1 second ago\","
            + "\"Image\":\"busybox\",\"Command\":\"true\"}]";
    List<Json.Container> got =
        Json.containers(new ByteArrayInputStream(list.getBytes(StandardCharsets.UTF_8)));
    assertEquals(
        List.of(
            new Json.Container("a1", "busybox", "sh", 1700000000, "Up 2 seconds", "one"),
            new Json.Container("b2", "busybox", "true", 1, "Exited (0) 1 second ago", "")),
        got);
    assertEquals(
        List.of(),
        Json.containers(new ByteArrayInputStream("[]".getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void psRefusesWhatIsNotAList() {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                Json.containers(
                    new ByteArrayInputStream(
                        "{\"message\":\"x\"}".getBytes(StandardCharsets.UTF_8))));
    assertEquals(
        "invalid JSON from the daemon at byte 0: expected a list of containers", e.getMessage());
  }
}
