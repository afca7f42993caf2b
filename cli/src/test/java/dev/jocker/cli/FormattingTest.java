package dev.jocker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CLI's texts against Docker 20.10's client, from reference/docker-20.10/cli. */
class FormattingTest {
  private static final Path CLI = Path.of("../reference/docker-20.10/cli");

  /** One recorded command's output under jocker's name. */
  private static String recorded(String file) throws Exception {
    return Files.readString(CLI.resolve(file))
        .replace("docker", "jocker")
        .replace("Docker", "jocker");
  }

  record Run(int code, String out, String err) {}

  private static Run jocker(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] argv = new String[args.length + 2];
    argv[0] = "-H";
    argv[1] = "unix:///nonexistent.sock";
    System.arraycopy(args, 0, argv, 2, args.length);
    int code =
        Main.run(
            argv,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static void assertRecorded(String name, Run run) throws Exception {
    assertEquals(
        new Run(
            Integer.parseInt(recorded(name + ".exit").strip()),
            recorded(name + ".out"),
            recorded(name + ".err")),
        run,
        name);
  }

  @Test
  void usageErrorsAndHelpAreDockers() throws Exception {
    assertRecorded("usage-run-no-image-20", jocker("run"));
    assertRecorded("usage-unknown-flag-20", jocker("ps", "--bogus"));
    assertRecorded("usage-unknown-command-20", jocker("nosuchcommand"));
    assertRecorded("usage-network-rm-no-arg-20", jocker("network", "rm"));
    assertRecorded("usage-exec-no-cmd-20", jocker("exec", "web"));
    assertRecorded("network-ls-help-20", jocker("network", "ls", "--help"));
    assertRecorded("network-rm-help-20", jocker("network", "rm", "--help"));
  }

  @Test
  void withoutADaemonVersionPrintsTheClientAndFails() {
    Run r = jocker("version");
    assertEquals(1, r.code());
    assertTrue(r.out().startsWith("Client:\n Version:           "), r.out());
    assertTrue(r.out().contains("\n API version:       1.41\n"), r.out());
    assertEquals(
        "Cannot connect to the jocker daemon at unix:///nonexistent.sock. Is the jocker daemon"
            + " running?\n",
        r.err());
    assertEquals(
        new Run(
            1,
            "",
            "Cannot connect to the jocker daemon at unix:///nonexistent.sock. Is the jocker"
                + " daemon running?\n"),
        jocker("ps"));
  }

  @Test
  void psTablesAndFormatsAsDockers() throws Exception {
    Instant now = Instant.parse("2026-11-29T14:04:42Z");
    JsonNode list =
        Json.parse(
            """
            [{"Id":"7ae2ade99a34bf2f8076af55a2f5b34544a4eef95216f2a7fbf4f505df911f4a","Names":["/onnet"],
              "Image":"busybox","Command":"sleep 3600","Created":1795961061,"Ports":[],"Labels":{},
              "State":"running","Status":"Up 20 seconds","SizeRw":0,"SizeRootFs":1987000,
              "NetworkSettings":{"Networks":{"neta":{}}},"Mounts":[]},
             {"Id":"fabbec52e82486598259b368aef9710935a2262893d46069510c86a7a384059c","Names":["/web"],
              "Image":"busybox","Command":"sleep 3600","Created":1795961058,"Ports":[],
              "Labels":{"tier":"front","app":"shop"},"State":"running","Status":"Up 23 seconds",
              "SizeRw":0,"SizeRootFs":1987000,"NetworkSettings":{"Networks":{"bridge":{}}},"Mounts":[]}]
            """);
    List<Contexts.Container> rows =
        List.of(
            new Contexts.Container(list.get(0), true, now),
            new Contexts.Container(list.get(1), true, now));
    String lines = Files.readString(CLI.resolve("ps-format-json-20.out"));
    String[] recorded = lines.split("\n");
    String json = Formatter.format("{{json .}}", rows, Contexts.CONTAINER_HEADERS);
    String[] ours = json.split("\n");
    // The recording's times are its own: compare everything else field by field.
    assertEquals(
        recorded[0]
            .replaceAll("\"CreatedAt\":\"[^\"]*\"", "")
            .replaceAll("\"RunningFor\":\"[^\"]*\"", ""),
        ours[0]
            .replaceAll("\"CreatedAt\":\"[^\"]*\"", "")
            .replaceAll("\"RunningFor\":\"[^\"]*\"", ""));
    assertEquals(
        recorded[2]
            .replaceAll("\"CreatedAt\":\"[^\"]*\"", "")
            .replaceAll("\"RunningFor\":\"[^\"]*\"", ""),
        ours[1]
            .replaceAll("\"CreatedAt\":\"[^\"]*\"", "")
            .replaceAll("\"RunningFor\":\"[^\"]*\"", ""));
    assertEquals(
        "CONTAINER ID   IMAGE     COMMAND        CREATED          STATUS          PORTS     NAMES     SIZE\n"
            + "7ae2ade99a34   busybox   \"sleep 3600\"   21 seconds ago   Up 20 seconds             onnet     0B (virtual 1.99MB)\n"
            + "fabbec52e824   busybox   \"sleep 3600\"   24 seconds ago   Up 23 seconds             web       0B (virtual 1.99MB)\n",
        Formatter.format(Contexts.PS_TABLE + "\\t{{.Size}}", rows, Contexts.CONTAINER_HEADERS));
    assertEquals(
        "NAMES     IMAGE     STATUS\nonnet     busybox   Up 20 seconds\nweb       busybox   Up 23 seconds\n",
        Formatter.format(
            "table {{.Names}}\\t{{.Image}}\\t{{.Status}}", rows, Contexts.CONTAINER_HEADERS));
    assertEquals(
        "shop\n\n",
        ""
            + Formatter.format(
                "{{.Label \"app\"}}",
                List.of(rows.get(1), rows.get(0)),
                Contexts.CONTAINER_HEADERS));
    GoTemplate.TemplateException bad =
        org.junit.jupiter.api.Assertions.assertThrows(
            GoTemplate.TemplateException.class,
            () -> GoTemplate.parse("{{.Nope}}").execute(rows.get(0)));
    assertEquals(
        recorded("ps-format-bad-20.err").strip().replace("failed to execute template: ", ""),
        bad.getMessage());
    assertEquals(
        "\"sh -c 'sleep 1; exi…\"",
        new Contexts.Container(Json.parse("{\"Command\":\"sh -c 'sleep 1; exit 6'\"}"), true, now)
            .field("Command", List.of()));
  }

  @Test
  void goTemplatesAsDockerUsersTypeThem() throws Exception {
    JsonNode inspect =
        new ObjectMapper()
            .readTree(
                """
                {"Id":"abc","Name":"/web","State":{"Status":"running","Pid":42},
                 "Config":{"Labels":{"tier":"front","app":"shop"},"Env":["A=1","B=2"]},
                 "NetworkSettings":{"IPAddress":"172.17.0.2",
                   "Networks":{"bridge":{"IPAddress":"172.17.0.2"},"neta":{"IPAddress":"172.19.0.2"}}}}
                """);
    assertEquals("/web running", GoTemplate.parse("{{.Name}} {{.State.Status}}").execute(inspect));
    assertEquals("172.17.0.2", GoTemplate.parse("{{.NetworkSettings.IPAddress}}").execute(inspect));
    assertEquals(
        "{\"tier\":\"front\",\"app\":\"shop\"}",
        GoTemplate.parse("{{json .Config.Labels}}").execute(inspect));
    assertEquals(
        "map[app:shop tier:front]", GoTemplate.parse("{{.Config.Labels}}").execute(inspect));
    assertEquals("front", GoTemplate.parse("{{index .Config.Labels \"tier\"}}").execute(inspect));
    assertEquals(
        "172.17.0.2 172.19.0.2 ",
        GoTemplate.parse("{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}")
            .execute(inspect));
    assertEquals(
        "bridge=172.17.0.2,neta=172.19.0.2,",
        GoTemplate.parse(
                "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}},{{end}}")
            .execute(inspect));
    assertEquals("A=1,B=2", GoTemplate.parse("{{join .Config.Env \",\"}}").execute(inspect));
    assertEquals(
        "up",
        GoTemplate.parse("{{if eq .State.Status \"running\"}}up{{else}}down{{end}}")
            .execute(inspect));
    assertEquals("42", GoTemplate.parse("{{.State.Pid}}").execute(inspect));
    assertEquals("abc", GoTemplate.parse("{{.ID}}").execute(inspect));
    assertEquals("<no value>", GoTemplate.parse("{{.Nope}}").execute(inspect));
    assertEquals("2", GoTemplate.parse("{{len .Config.Env}}").execute(inspect));
    assertEquals("RUNNING", GoTemplate.parse("{{.State.Status | upper}}").execute(inspect));
    assertEquals(
        "a\nb", GoTemplate.parse("a\n  {{- \"\" }}\nb").execute(inspect).replace("\n\n", "\n"));
    assertEquals("x:  42", GoTemplate.parse("{{printf \"x: %3d\" .State.Pid}}").execute(inspect));
  }

  @Test
  void tablesAreLaidOutAsGosTabwriter() {
    assertEquals(
        "NETWORK ID     NAME      DRIVER    SCOPE\n"
            + "ede859cf0082   bridge    bridge    local\n"
            + "0bc21980c235   none      null      local\n",
        TabWriter.format(
            "NETWORK ID\tNAME\tDRIVER\tSCOPE\nede859cf0082\tbridge\tbridge\tlocal\n0bc21980c235\tnone\tnull\tlocal\n"));
    assertEquals("DRIVER    VOLUME NAME\n", TabWriter.format("DRIVER\tVOLUME NAME\n"));
  }

  @Test
  void sizesAsGoUnits() {
    assertEquals("1.99MB", Units.humanSize(1987000, 3));
    assertEquals("1.987MB", Units.humanSize(1987000));
    assertEquals("0B", Units.humanSize(0));
    assertEquals("7B", Units.humanSize(7));
    assertEquals("2MB", Units.humanSize(2000000, 3));
    assertEquals("23.54GiB", Units.bytesSize(23.54 * 1024 * 1024 * 1024));
  }

  @Test
  void inspectIsIndentedLikeDockers() throws Exception {
    JsonNode n = new ObjectMapper().readTree("[{\"Name\":\"bridge\",\"Labels\":{},\"Config\":[]}]");
    assertEquals(
        "[\n    {\n        \"Name\": \"bridge\",\n        \"Labels\": {},\n        \"Config\": []\n    }\n]",
        Commands.pretty(n));
  }

  @Test
  void doctorWithoutADaemonSaysHowToStartOne() {
    Run r = jocker("doctor");
    assertEquals(1, r.code());
    assertTrue(r.out().startsWith("jocker doctor: 0 ok, 0 warnings, 1 problem\n"), r.out());
    assertTrue(r.out().contains("[FAIL] jockerd"), r.out());
    assertTrue(r.out().contains("fix: start it: sudo systemctl start jockerd"), r.out());
  }
}
