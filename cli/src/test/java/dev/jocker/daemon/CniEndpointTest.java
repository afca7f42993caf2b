package dev.jocker.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The request body bin/jocker-cni sends: CNI_ variables, NUL-terminated, an empty one, stdin. */
class CniEndpointTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void variablesThenStandardInput() {
    byte[] body =
        bytes("CNI_COMMAND=ADD\0CNI_ARGS=A=1;B=2\0PATH=/bin\0\0{\"cniVersion\":\"1.0.0\"}");
    Map<String, String> env = new LinkedHashMap<>();
    int stdin = CniEndpoint.environment(body, env);
    assertEquals(Map.of("CNI_COMMAND", "ADD", "CNI_ARGS", "A=1;B=2"), env);
    assertEquals(
        "{\"cniVersion\":\"1.0.0\"}",
        new String(Arrays.copyOfRange(body, stdin, body.length), StandardCharsets.UTF_8));
  }

  @Test
  void aBodyWithoutTheEmptyEntryHasNoStandardInput() {
    byte[] body = bytes("CNI_COMMAND=VERSION\0");
    Map<String, String> env = new LinkedHashMap<>();
    assertEquals(body.length, CniEndpoint.environment(body, env));
    assertEquals(Map.of("CNI_COMMAND", "VERSION"), env);
    assertEquals(1, CniEndpoint.environment(bytes("\0"), new LinkedHashMap<>()));
  }
}
