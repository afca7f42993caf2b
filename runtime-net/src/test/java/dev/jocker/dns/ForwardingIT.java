package dev.jocker.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jocker.dns.DnsWorld.Container;
import dev.jocker.kernel.Netns;
import dev.jocker.testing.Privileged;
import dev.jocker.testing.Sandbox;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/**
 * Which upstream answer reaches the client, as libnetwork's resolver decides it: SERVFAIL, REFUSED
 * and a non-authoritative NXDOMAIN go on to the next server, an authoritative NXDOMAIN and NOERROR
 * end the search, a silent server is given up after the timeout, and when every server failed the
 * client gets the last answer heard. The upstreams are small dnsjava servers on the host's
 * loopback, which the resolver asks from the host's namespace.
 */
@Privileged
class ForwardingIT {
  @TempDir Path dir;

  private final List<Upstream> upstreams = new ArrayList<>();

  @AfterEach
  void stopUpstreams() throws IOException {
    for (Upstream u : upstreams) {
      u.close();
    }
  }

  private void serve(Sandbox sandbox, String address, Function<Message, Message> answer) {
    upstreams.add(new Upstream(sandbox.host().path(), address, answer));
  }

  /** A UDP server on {@code address}:53 in the sandbox's host answering with {@code answer}. */
  private static final class Upstream implements AutoCloseable {
    final DatagramChannel ch;
    final Thread thread;

    Upstream(Path hostNetns, String address, Function<Message, Message> answer) {
      try (Netns host = Netns.open(hostNetns)) {
        ch =
            host.call(
                () -> {
                  DatagramChannel c = DatagramChannel.open(StandardProtocolFamily.INET);
                  c.bind(new InetSocketAddress(address, 53));
                  return c;
                });
      }
      thread =
          new Thread(
              () -> {
                ByteBuffer buf = ByteBuffer.allocate(65535);
                while (ch.isOpen()) {
                  try {
                    buf.clear();
                    SocketAddress from = ch.receive(buf);
                    buf.flip();
                    Message reply = answer.apply(new Message(buf));
                    if (reply != null) {
                      ch.send(ByteBuffer.wrap(reply.toWire()), from);
                    }
                  } catch (IOException closed) {
                    return;
                  }
                }
              },
              "upstream-" + address);
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }

  private static Function<Message, Message> rcode(int rcode, boolean authoritative) {
    return q -> {
      Message r = Answers.reply(q);
      r.getHeader().setRcode(rcode);
      if (authoritative) {
        r.getHeader().setFlag(Flags.AA);
      }
      return r;
    };
  }

  private static Function<Message, Message> address(String ip) {
    return q -> {
      Message r = Answers.reply(q);
      r.addRecord(
          new ARecord(q.getQuestion().getName(), DClass.IN, 60, DnsWorld.ip(ip)), Section.ANSWER);
      return r;
    };
  }

  /** What {@code dig} in a container whose resolver forwards to {@code upstreams} prints. */
  private String ask(Sandbox sandbox, List<String> upstreams) {
    try (DnsWorld world = new DnsWorld(sandbox, dir)) {
      Container c = world.loopbackOnly("fwd");
      List<dev.jocker.dns.Upstream> servers = new ArrayList<>();
      upstreams.forEach(u -> servers.add(dev.jocker.dns.Upstream.of(u, true)));
      try (EmbeddedDns dns =
          EmbeddedDns.start(
              new NameTable(),
              EmbeddedDns.Config.defaults()
                  .withHostNetns(world.hostNetns())
                  .withUpstreamTimeout(Duration.ofMillis(500)))) {
        dns.attach(
            new EmbeddedDns.Attachment(c.id(), c.netns(), true, servers, false),
            ResolverStore.inMemory());
        return world.run(c, "", "dig", "+time=3", "+tries=1", "@127.0.0.11", "name.test").stdout();
      }
    }
  }

  @Test
  void errorsGoOnToTheNextServer(Sandbox sandbox) {
    serve(sandbox, "127.0.0.2", rcode(Rcode.SERVFAIL, false));
    serve(sandbox, "127.0.0.3", rcode(Rcode.REFUSED, false));
    serve(sandbox, "127.0.0.4", address("192.0.2.4"));
    String out = ask(sandbox, List.of("127.0.0.2", "127.0.0.3", "127.0.0.4"));
    assertTrue(out.contains("status: NOERROR"), out);
    assertTrue(out.contains("192.0.2.4"), out);
  }

  @Test
  void onlyAnAuthoritativeNxdomainEndsTheSearch(Sandbox sandbox) {
    serve(sandbox, "127.0.0.2", rcode(Rcode.NXDOMAIN, false));
    serve(sandbox, "127.0.0.3", rcode(Rcode.NXDOMAIN, true));
    serve(sandbox, "127.0.0.4", address("192.0.2.4"));
    assertTrue(ask(sandbox, List.of("127.0.0.2", "127.0.0.4")).contains("192.0.2.4"));
    String out = ask(sandbox, List.of("127.0.0.3", "127.0.0.4"));
    assertTrue(out.contains("status: NXDOMAIN"), out);
  }

  @Test
  void aSilentServerIsGivenUpAfterTheTimeout(Sandbox sandbox) {
    serve(sandbox, "127.0.0.2", q -> null);
    serve(sandbox, "127.0.0.4", address("192.0.2.4"));
    long start = System.nanoTime();
    String out = ask(sandbox, List.of("127.0.0.2", "127.0.0.4"));
    assertTrue(out.contains("192.0.2.4"), out);
    assertTrue(System.nanoTime() - start >= 500_000_000L, "waited for the silent one first");
  }

  @Test
  void whenEveryServerFailedTheLastAnswerHeardGoesBack(Sandbox sandbox) {
    serve(sandbox, "127.0.0.2", rcode(Rcode.SERVFAIL, false));
    String out = ask(sandbox, List.of("127.0.0.2"));
    assertTrue(out.contains("status: SERVFAIL"), out);
    assertEquals(1, out.lines().filter(l -> l.contains("->>HEADER<<-")).count(), out);
  }
}
