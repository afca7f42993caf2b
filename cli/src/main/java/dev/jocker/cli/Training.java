package dev.jocker.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The run that bin/jocker records its start-up cache from (an AOT cache on JDK 25 and later, an
 * AppCDS archive before): the commands users run most, through {@link Main#run} as a command runs
 * them, against a stand-in daemon in this process that answers as jockerd does. A cache recorded
 * from a command that cannot reach a daemon lacks the classes of the exchange and of the answer,
 * and a real daemon cannot be asked to run and remove a container whenever jocker is installed. The
 * stand-in serves through libjocker-cli too, so the cache holds none of the JDK's server-side
 * socket classes, which every later command would load for nothing. Exits 0 only if every command
 * ended as it should, so that bin/jocker keeps no cache of a run that went wrong.
 */
final class Training {
  private static final String ID =
      "4b47d6bb3da6a03eedb72d607015e68e6a7e979b24ebbc32c26abefd94ecb991";

  /** A command and the exit status it must end with. */
  private record Step(int status, String... args) {}

  private static final List<Step> STEPS =
      List.of(
          new Step(0, "--version"),
          new Step(0, "ps"),
          new Step(0, "ps", "-a"),
          new Step(0, "run", "-d", "--name", "training", "busybox", "sleep", "1000"),
          new Step(0, "inspect", "training"),
          new Step(0, "logs", "training"),
          new Step(0, "stop", "training"),
          new Step(0, "rm", "-f", "training"),
          new Step(0, "rm", "-f", "gone"),
          new Step(1, "inspect", "gone"),
          new Step(0, "version"));

  private Training() {}

  public static void main(String[] args) throws IOException {
    Path dir = Files.createTempDirectory("jocker-training");
    Path socket = dir.resolve("jocker.sock");
    int failed = 0;
    try (UnixSocket.Server server = UnixSocket.listen(socket)) {
      Thread daemon = new Thread(() -> serve(server), "stand-in daemon");
      daemon.setDaemon(true);
      daemon.start();
      PrintStream out = new PrintStream(OutputStream.nullOutputStream(), true, UTF_8);
      PrintStream err = new PrintStream(System.err, true, UTF_8);
      for (Step step : STEPS) {
        String[] argv = new String[step.args().length + 2];
        argv[0] = "-H";
        argv[1] = "unix://" + socket;
        System.arraycopy(step.args(), 0, argv, 2, step.args().length);
        int status = Main.run(argv, out, out);
        if (status != step.status()) {
          err.println(
              "jocker training: "
                  + String.join(" ", step.args())
                  + " ended with "
                  + status
                  + ", not "
                  + step.status());
          failed++;
        }
      }
    } finally {
      Files.deleteIfExists(socket);
      Files.delete(dir);
    }
    System.out.flush();
    System.err.flush();
    Runtime.getRuntime().halt(failed == 0 ? 0 : 1);
  }

  private static void serve(UnixSocket.Server server) {
    while (true) {
      try (UnixSocket peer = server.accept()) {
        answer(new BufferedInputStream(peer.input()), peer.output());
      } catch (IOException e) {
        // The client went away mid-exchange; Main.run's status tells whether that mattered.
        continue;
      }
    }
  }

  private static void answer(InputStream in, OutputStream out) throws IOException {
    String[] request = line(in).split(" ");
    long length = 0;
    for (String h = line(in); !h.isEmpty(); h = line(in)) {
      if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Long.parseLong(h.substring(15).trim());
      }
    }
    in.skipNBytes(length);
    String method = request[0];
    String path = request[1].replaceFirst("^/v[0-9.]+", "");
    if (path.startsWith("/containers/json")) {
      chunked(out, PS);
    } else if (method.equals("POST") && path.startsWith("/containers/create")) {
      send(out, 201, "application/json", "{\"Id\":\"" + ID + "\",\"Warnings\":[]}");
    } else if (path.contains("/gone")) {
      send(out, 404, "application/json", "{\"message\":\"No such container: gone\"}");
    } else if (method.equals("POST") && path.startsWith("/containers/")) {
      send(out, 204, null, "");
    } else if (method.equals("DELETE")) {
      send(out, 204, null, "");
    } else if (path.endsWith("/json")) {
      send(out, 200, "application/json", INSPECT);
    } else if (path.contains("/logs")) {
      byte[] line = "training\n".getBytes(UTF_8);
      ByteArrayOutputStream frame = new ByteArrayOutputStream();
      frame.writeBytes(new byte[] {1, 0, 0, 0, 0, 0, 0, (byte) line.length});
      frame.writeBytes(line);
      send(out, 200, "application/vnd.docker.multiplexed-stream", frame.toByteArray());
    } else if (path.equals("/version")) {
      send(out, 200, "application/json", VERSION);
    } else {
      send(out, 404, "application/json", "{\"message\":\"page not found\"}");
    }
  }

  private static void send(OutputStream out, int status, String type, String body)
      throws IOException {
    send(out, status, type, body.getBytes(UTF_8));
  }

  private static void send(OutputStream out, int status, String type, byte[] bytes)
      throws IOException {
    String head =
        "HTTP/1.1 "
            + status
            + " X\r\nApi-Version: 1.41\r\n"
            + (type == null ? "" : "Content-Type: " + type + "\r\n")
            + "Content-Length: "
            + bytes.length
            + "\r\n\r\n";
    out.write(head.getBytes(UTF_8));
    out.write(bytes);
  }

  /** As jockerd sends a list: chunked. */
  private static void chunked(OutputStream out, String body) throws IOException {
    byte[] bytes = body.getBytes(UTF_8);
    out.write(
        ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(bytes.length)
                + "\r\n")
            .getBytes(UTF_8));
    out.write(bytes);
    out.write("\r\n0\r\n\r\n".getBytes(UTF_8));
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(UTF_8);
  }

  private static final String PS =
      """
      [{"Id":"%1$s","Names":["/training"],"Image":"busybox","ImageID":"sha256:3c7ae9723b51",\
      "Command":"sleep 1000","Created":1795961120,"Ports":[],"Labels":{},"State":"running",\
      "Status":"Up 2 seconds","HostConfig":{"NetworkMode":"default"},"NetworkSettings":\
      {"Networks":{"bridge":{"IPAMConfig":null,"Links":null,"Aliases":null,"NetworkID":"ede859cf",\
      "EndpointID":"b8a1c3","Gateway":"172.17.0.1","IPAddress":"172.17.0.2","IPPrefixLen":16,\
      "IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,\
      "MacAddress":"02:42:ac:11:00:02","DriverOpts":null}}},"Mounts":[]},\
      {"Id":"89bf86e3e5257491458fa9a65cec3a99c6e8cd0060c2500c1792eb58b4849c27","Names":["/old"],\
      "Image":"busybox","Command":"sh -c 'echo \\"done\\"'","Created":1795960000,"Ports":[],\
      "Labels":{},"State":"exited","Status":"Exited (0) 5 minutes ago","HostConfig":\
      {"NetworkMode":"default"},"NetworkSettings":{"Networks":{}},"Mounts":[]}]"""
          .formatted(ID);

  private static final String INSPECT =
      """
      {"Id":"%1$s","Created":"2026-11-22T23:42:00.991769015Z","Path":"sleep","Args":["1000"],\
      "State":{"Status":"running","Running":true,"Paused":false,"Restarting":false,\
      "OOMKilled":false,"Dead":false,"Pid":3141,"ExitCode":0,"Error":"",\
      "StartedAt":"2026-11-22T23:42:01.331115462Z","FinishedAt":"0001-01-01T00:00:00Z"},\
      "Image":"sha256:3c7ae9723b516ae964305bf4f1134c7db253ac9b91cde476052aa5387c53745b",\
      "Name":"/training","RestartCount":0,"Driver":"overlay2","ExecIDs":null,\
      "HostConfig":{"Binds":null,"LogConfig":{"Type":"json-file","Config":{}},\
      "NetworkMode":"default","PortBindings":{},"RestartPolicy":{"Name":"no",\
      "MaximumRetryCount":0},"AutoRemove":false,"ShmSize":67108864,"ConsoleSize":[0,0],\
      "MemorySwappiness":null,"MaskedPaths":["/proc/asound","/proc/kcore"]},\
      "Config":{"Hostname":"4b47d6bb3da6","Tty":false,"Env":["PATH=/usr/local/sbin:/usr/bin"],\
      "Cmd":["sleep","1000"],"Image":"busybox","Labels":{}},\
      "NetworkSettings":{"Bridge":"","Ports":{},"Gateway":"172.17.0.1",\
      "IPAddress":"172.17.0.2","IPPrefixLen":16,"MacAddress":"02:42:ac:11:00:02",\
      "Networks":{"bridge":{"IPAMConfig":null,"Links":null,"Aliases":null,\
      "Gateway":"172.17.0.1","IPAddress":"172.17.0.2","IPPrefixLen":16,\
      "MacAddress":"02:42:ac:11:00:02","DriverOpts":null}}}}"""
          .formatted(ID);

  private static final String VERSION =
      """
      {"Platform":{"Name":"jocker"},"Components":[{"Name":"Engine","Version":"20.10.24",\
      "Details":{"ApiVersion":"1.41","Arch":"amd64","BuildTime":"","Experimental":"false",\
      "GitCommit":"","GoVersion":"java17","KernelVersion":"6.1.0","MinAPIVersion":"1.12",\
      "Os":"linux"}},{"Name":"jocker","Version":"0.1.0","Details":{}}],"Version":"20.10.24",\
      "ApiVersion":"1.41","MinAPIVersion":"1.12","GitCommit":"","GoVersion":"java17","Os":"linux",\
      "Arch":"amd64","KernelVersion":"6.1.0","BuildTime":"","JockerVersion":"0.1.0"}""";
}
