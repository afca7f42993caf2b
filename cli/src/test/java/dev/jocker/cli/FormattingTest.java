package dev.jocker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FormattingTest {
  @Test
  void psLooksLikeDockerPs() throws Exception {
    Instant now = Instant.ofEpochSecond(1_000_000);
    List<Json.Container> list =
        Json.containers(
            new ByteArrayInputStream(
                ("[{\"Id\":\"4b47d6bb3da6a03eedb72d607015e68e6a7e979b24ebbc32c26abefd94ecb991\",\"Names\":[\"/test1\"],"
                        + "\"Image\":\"busybox\",\"Command\":\"/bin/sh -c 'while true; do sleep 3600;done'\","
                        + "\"Created\":999965,\"Ports\":[],\"Labels\":{},\"State\":\"running\","
                        + "\"Status\":\"Up 33 seconds\",\"NetworkSettings\":{\"Networks\":{\"bridge\":"
                        + "{\"IPAddress\":\"172.17.0.2\",\"Aliases\":null}}},\"Mounts\":[]}]")
                    .getBytes(StandardCharsets.UTF_8)));
    assertEquals(
        "CONTAINER ID   IMAGE     COMMAND                  CREATED          STATUS          PORTS     NAMES\n"
            + "4b47d6bb3da6   busybox   \"/bin/sh -c 'while t…\"   35 seconds ago   Up 33 seconds             test1\n",
        Commands.psTable(list, true, now));
  }

  @Test
  void psShowsPublishedPortsAsDockers2010Client() throws Exception {
    Instant now = Instant.ofEpochSecond(1_000_000);
    List<Json.Container> list =
        Json.containers(
            new ByteArrayInputStream(
                ("[{\"Id\":\"e9212a6a105e1c88f87347b9a7a3e0a23d8dab60d50239a3957624e294a9b56a\","
                        + "\"Names\":[\"/p1\"],\"Image\":\"busybox\",\"Command\":\"httpd -f -p 80\","
                        + "\"Created\":999988,\"Ports\":[{\"IP\":\"0.0.0.0\",\"PrivatePort\":80,"
                        + "\"PublicPort\":8080,\"Type\":\"tcp\"},{\"IP\":\"::\",\"PrivatePort\":80,"
                        + "\"PublicPort\":8080,\"Type\":\"tcp\"},{\"PrivatePort\":7500,\"Type\":\"tcp\"}],"
                        + "\"Status\":\"Up 10 seconds\"}]")
                    .getBytes(StandardCharsets.UTF_8)));
    assertEquals(
        "CONTAINER ID   IMAGE     COMMAND            CREATED          STATUS          PORTS      "
            + "                                       NAMES\n"
            + "e9212a6a105e   busybox   \"httpd -f -p 80\"   12 seconds ago   Up 10 seconds   "
            + "7500/tcp, 0.0.0.0:8080->80/tcp, :::8080->80/tcp   p1\n",
        Commands.psTable(list, true, now));
  }

  @Test
  void networkLsColumnsMatchTheReference() {
    Table t = new Table("NETWORK ID", "NAME", "DRIVER", "SCOPE");
    t.add("ede859cf0082", "bridge", "bridge", "local");
    t.add("99fcf60f8656", "host", "host", "local");
    t.add("0bc21980c235", "none", "null", "local");
    assertEquals(
        "NETWORK ID     NAME      DRIVER    SCOPE\n"
            + "ede859cf0082   bridge    bridge    local\n"
            + "99fcf60f8656   host      host      local\n"
            + "0bc21980c235   none      null      local\n",
        t.render());
  }

  @Test
  void inspectIsIndentedLikeDockers() throws Exception {
    JsonNode n = new ObjectMapper().readTree("[{\"Name\":\"bridge\",\"Labels\":{},\"Config\":[]}]");
    assertEquals(
        "[\n    {\n        \"Name\": \"bridge\",\n        \"Labels\": {},\n        \"Config\": []\n    }\n]",
        Commands.pretty(n));
  }

  @Test
  void usageAndBadFlagsAsDocker() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(0, Main.run(new String[] {"--help"}, new PrintStream(out), new PrintStream(err)));
    String usage = out.toString(StandardCharsets.UTF_8);
    assertTrue(usage.startsWith("Usage:  jocker [OPTIONS] COMMAND"));
    assertTrue(usage.contains("Run 'jocker COMMAND --help' for more information on a command."));
    out.reset();
    assertEquals(
        0, Main.run(new String[] {"run", "--help"}, new PrintStream(out), new PrintStream(err)));
    assertTrue(
        out.toString(StandardCharsets.UTF_8).startsWith("Usage:  jocker run [OPTIONS] IMAGE"));
    assertEquals(
        125, Main.run(new String[] {"--bogus"}, new PrintStream(out), new PrintStream(err)));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("See 'jocker --help'."));
    err.reset();
    assertEquals(
        125,
        Main.run(
            new String[] {"-H", "unix:///nonexistent", "run", "--bogus", "busybox"},
            new PrintStream(out),
            new PrintStream(err)));
    assertTrue(
        err.toString(StandardCharsets.UTF_8).contains("See 'jocker run --help'."),
        err.toString(StandardCharsets.UTF_8));
    err.reset();
    assertEquals(
        1,
        Main.run(
            new String[] {"-H", "unix:///nonexistent", "ps"},
            new PrintStream(out),
            new PrintStream(err)));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("Is the jocker daemon running?"));
  }

  @Test
  void doctorWithoutADaemonSaysHowToStartOne() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(
        1,
        Main.run(
            new String[] {"-H", "unix:///nonexistent", "doctor"},
            new PrintStream(out),
            new PrintStream(err)));
    String report = out.toString(StandardCharsets.UTF_8);
    assertTrue(report.startsWith("jocker doctor: 0 ok, 0 warnings, 1 problem\n"), report);
    assertTrue(report.contains("[FAIL] jockerd"), report);
    assertTrue(report.contains("fix: start it: sudo systemctl start jockerd"), report);
  }
}
