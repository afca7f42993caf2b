package dev.jocker.dns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;

/**
 * One thread and one selector serving the resolvers of many containers: their listening sockets,
 * the TCP connections of their clients, and what they forward. Every socket was opened inside its
 * container's namespace (or the host's) before it came here; the selector does not care which
 * namespace a descriptor belongs to. State is touched by this thread only; other threads hand work
 * in through {@link #execute}.
 */
final class DnsLoop implements Runnable {
  private static final Logger LOG = LogManager.getLogger(DnsLoop.class);

  /** Forwarded queries one container may have in flight, as Docker's maxConcurrent. */
  static final int MAX_FORWARDS = 1024;

  /** TCP connections one container may hold open to its resolver at once. */
  static final int MAX_TCP_CLIENTS = 64;

  /** How long an idle client TCP connection stays open (miekg/dns's server default). */
  static final long TCP_IDLE_NANOS = 8_000_000_000L;

  /** Datagrams read from one socket before the loop looks at the others. */
  private static final int BATCH = 64;

  /** How a forwarded query gets a TCP socket in the right namespace without blocking the loop. */
  interface TcpOpener {
    /** A new unconnected TCP socket in {@code target}'s namespace, or the host's when null. */
    CompletableFuture<SocketChannel> open(Attached target);
  }

  private final NameTable table;
  private final long timeoutNanos;
  private final TcpOpener tcpOpener;
  private final Selector selector;
  private final Supplier<DatagramChannel> hostUdpOpener;
  // Opened at the first query for a loopback upstream, so that no socket sits in the host's
  // namespace for hosts (most) whose resolvers are not on loopback.
  private UpstreamSocket hostUdp;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final Set<ClientConn> clients = new HashSet<>();
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(2 + 65535);
  private final Thread thread;
  private volatile boolean running = true;
  private long nextIdleCheck;
  // Forwards waiting for an upstream, oldest deadline first: every attempt waits the same time, so
  // appending keeps the order, and a forward that ends leaves the list at once.
  private Forward oldest;
  private Forward newest;

  DnsLoop(
      String name,
      NameTable table,
      long timeoutNanos,
      Supplier<DatagramChannel> hostUdpOpener,
      TcpOpener tcpOpener) {
    this.table = table;
    this.timeoutNanos = timeoutNanos;
    this.hostUdpOpener = hostUdpOpener;
    this.tcpOpener = tcpOpener;
    try {
      this.selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("embedded DNS: cannot open its selector", e);
    }
    this.thread = new Thread(this, name);
    thread.setDaemon(true);
    thread.start();
  }

  Thread thread() {
    return thread;
  }

  /** Runs {@code task} on the loop's thread. */
  void execute(Runnable task) {
    tasks.add(task);
    selector.wakeup();
  }

  /** Runs {@code task} on the loop's thread and waits for it. */
  void call(Runnable task) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    execute(
        () -> {
          try {
            task.run();
            done.complete(null);
          } catch (RuntimeException e) {
            done.completeExceptionally(e);
          }
        });
    try {
      done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the embedded DNS", e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Starts serving {@code a}: its sockets join the selector. */
  void register(Attached a) {
    try {
      a.udp.configureBlocking(false);
      a.tcp.configureBlocking(false);
      a.upstreamUdp.configureBlocking(false);
      a.udp.register(selector, SelectionKey.OP_READ, new UdpListener(a));
      a.tcp.register(selector, SelectionKey.OP_ACCEPT, new TcpListener(a));
      a.upstream = new UpstreamSocket(a.upstreamUdp, a);
      a.upstreamUdp.register(selector, SelectionKey.OP_READ, a.upstream);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "embedded DNS of " + a.containerId + ": cannot watch its sockets", e);
    }
  }

  /** Stops serving {@code a}: its sockets close, its clients' connections and forwards end. */
  void unregister(Attached a) {
    a.closeAll();
    for (Iterator<ClientConn> it = clients.iterator(); it.hasNext(); ) {
      ClientConn c = it.next();
      if (c.owner == a) {
        c.closeQuietly();
        it.remove();
      }
    }
    // Forwards of a closed resolver find it closed when they end and answer nobody.
  }

  /** Stops the thread and closes every socket it holds. */
  void shutdown() {
    running = false;
    selector.wakeup();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void run() {
    while (running) {
      try {
        long now = System.nanoTime();
        expire(now);
        long wait = oldest == null ? 1000 : Math.max(1, (oldest.deadline - now) / 1_000_000);
        if (!clients.isEmpty()) {
          wait = Math.min(wait, 1000);
        }
        selector.select(Math.min(wait, 1000));
        Runnable task;
        while ((task = tasks.poll()) != null) {
          task.run();
        }
        Set<SelectionKey> keys = selector.selectedKeys();
        for (SelectionKey key : keys) {
          Handler h = (Handler) key.attachment();
          try {
            if (key.isValid()) {
              h.ready(key);
            }
          } catch (CancelledKeyException closed) {
            // Its socket was closed by an earlier handler in this round.
          } catch (IOException | RuntimeException e) {
            LOG.debug("embedded DNS: {} failed: {}", h, e.toString());
            h.failed();
          }
        }
        keys.clear();
      } catch (IOException | RuntimeException e) {
        LOG.warn("embedded DNS loop {}: {}", thread.getName(), e.toString(), e);
      }
    }
    for (SelectionKey key : selector.keys()) {
      try {
        key.channel().close();
      } catch (IOException ignored) {
        // Closing at shutdown: nothing left to do with a socket that will not close.
      }
    }
    try {
      selector.close();
    } catch (IOException ignored) {
      // As above.
    }
  }

  /** Something the selector reports ready. */
  private interface Handler {
    void ready(SelectionKey key) throws IOException;

    /** The handler threw: release what it holds. */
    default void failed() {}
  }

  // ---- queries from clients ----

  /** Where an answer goes: a UDP client address, or a client TCP connection. */
  private sealed interface Client permits UdpClient, TcpClient {}

  private record UdpClient(Attached owner, SocketAddress address) implements Client {}

  private record TcpClient(ClientConn conn) implements Client {}

  private final class UdpListener implements Handler {
    final Attached owner;

    UdpListener(Attached owner) {
      this.owner = owner;
    }

    @Override
    public void ready(SelectionKey key) throws IOException {
      for (int i = 0; i < BATCH; i++) {
        buffer.clear();
        SocketAddress from = owner.udp.receive(buffer);
        if (from == null) {
          return;
        }
        buffer.flip();
        byte[] packet = new byte[buffer.remaining()];
        buffer.get(packet);
        query(owner, packet, new UdpClient(owner, from));
      }
    }

    @Override
    public String toString() {
      return "UDP listener of " + owner.containerId;
    }
  }

  private final class TcpListener implements Handler {
    final Attached owner;

    TcpListener(Attached owner) {
      this.owner = owner;
    }

    @Override
    public void ready(SelectionKey key) throws IOException {
      SocketChannel ch;
      while ((ch = owner.tcp.accept()) != null) {
        if (owner.tcpClients >= MAX_TCP_CLIENTS) {
          // One container must not hold every descriptor of the daemon.
          ch.close();
          continue;
        }
        ch.configureBlocking(false);
        ClientConn conn = new ClientConn(owner, ch);
        conn.key = ch.register(selector, SelectionKey.OP_READ, conn);
        owner.tcpClients++;
        clients.add(conn);
      }
    }

    @Override
    public String toString() {
      return "TCP listener of " + owner.containerId;
    }
  }

  /** A client's TCP connection: length-prefixed queries in, length-prefixed answers out. */
  private final class ClientConn implements Handler {
    final Attached owner;
    final SocketChannel ch;
    SelectionKey key;
    ByteBuffer in = ByteBuffer.allocate(2 + 512);
    final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    long lastActive = System.nanoTime();
    int inFlight;
    boolean closed;

    ClientConn(Attached owner, SocketChannel ch) {
      this.owner = owner;
      this.ch = ch;
    }

    @Override
    public void ready(SelectionKey key) throws IOException {
      lastActive = System.nanoTime();
      if (key.isWritable()) {
        flush();
      }
      if (key.isValid() && key.isReadable()) {
        int n = ch.read(in);
        if (n < 0) {
          close();
          return;
        }
        drainFrames();
      }
    }

    private void drainFrames() {
      while (!closed) {
        in.flip();
        if (in.remaining() < 2) {
          in.compact();
          return;
        }
        int length = in.getShort(in.position()) & 0xffff;
        if (in.remaining() < 2 + length) {
          in.compact();
          if (in.capacity() < 2 + length) {
            ByteBuffer bigger = ByteBuffer.allocate(2 + length);
            in.flip();
            bigger.put(in);
            in = bigger;
          }
          return;
        }
        in.getShort();
        byte[] packet = new byte[length];
        in.get(packet);
        in.compact();
        inFlight++;
        query(owner, packet, new TcpClient(this));
      }
    }

    void send(byte[] wire) {
      inFlight--;
      if (closed) {
        return;
      }
      ByteBuffer frame = ByteBuffer.allocate(2 + wire.length);
      frame.putShort((short) wire.length).put(wire).flip();
      out.add(frame);
      try {
        flush();
      } catch (IOException e) {
        close();
      }
    }

    void answered() {
      inFlight--;
    }

    private void flush() throws IOException {
      while (!out.isEmpty()) {
        ByteBuffer head = out.peek();
        ch.write(head);
        if (head.hasRemaining()) {
          key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
          return;
        }
        out.poll();
      }
      if (key.isValid()) {
        key.interestOps(SelectionKey.OP_READ);
      }
    }

    boolean idle(long now) {
      return inFlight <= 0 && out.isEmpty() && now - lastActive > TCP_IDLE_NANOS;
    }

    void close() {
      closeQuietly();
      clients.remove(this);
    }

    void closeQuietly() {
      if (!closed) {
        closed = true;
        owner.tcpClients--;
        try {
          ch.close();
        } catch (IOException ignored) {
          // Already gone.
        }
      }
    }

    @Override
    public void failed() {
      close();
    }

    @Override
    public String toString() {
      return "TCP client of " + owner.containerId;
    }
  }

  /** One query from a client of {@code owner}: answered, forwarded or dropped. */
  private void query(Attached owner, byte[] packet, Client client) {
    boolean udp = client instanceof UdpClient;
    long generation = table.generation();
    if (udp) {
      byte[] again = owner.answers.get(packet, generation);
      if (again != null) {
        try {
          send(client, Answers.withId(again, Answers.id(packet)));
          return;
        } catch (IOException unreadable) {
          // Same bytes as a query read before but for the ID: cannot happen; go the long way.
        }
      }
    }
    Message query;
    try {
      query = new Message(packet);
    } catch (IOException malformed) {
      formatError(packet, client);
      return;
    }
    Answers.Outcome outcome = Answers.decide(table, owner.containerId, query, owner.ndotsSet);
    if (outcome instanceof Answers.Reply r) {
      byte[] wire =
          udp
              ? Answers.fit(r.message(), Answers.udpLimit(query), true)
              : Answers.fit(r.message(), 65535, false);
      if (udp && Answers.reusable(r.message())) {
        owner.answers.put(packet, generation, wire);
      }
      send(client, wire);
    } else if (outcome instanceof Answers.Forward) {
      forward(owner, query, packet, client);
    } else {
      noReply(client);
    }
  }

  /** A message whose header reads but whose body does not gets FORMERR (miekg/dns's server). */
  private void formatError(byte[] packet, Client client) {
    if (packet.length < Header.LENGTH) {
      noReply(client);
      return;
    }
    try {
      Header h = new Header(packet);
      Message error = new Message(h.getID());
      error.getHeader().setFlag(Flags.QR);
      error.getHeader().setRcode(Rcode.FORMERR);
      send(client, error.toWire());
    } catch (IOException e) {
      noReply(client);
    }
  }

  /**
   * Sends an upstream's {@code reply} ({@code wire} as it came) on with the client's ID: as it came
   * when it fits the client's limit, else cut by dnsjava to fit.
   */
  private void relay(Forward f, Message reply, byte[] wire) {
    int limit = f.udp ? Answers.udpLimit(f.query) : 65535;
    if (wire.length <= limit) {
      send(f.client, Answers.withId(wire, f.clientId));
    } else {
      reply.getHeader().setID(f.clientId);
      send(f.client, Answers.fit(reply, limit, f.udp));
    }
  }

  private void send(Client client, byte[] wire) {
    if (client instanceof UdpClient u) {
      if (u.owner.closed) {
        return;
      }
      try {
        u.owner.udp.send(ByteBuffer.wrap(wire), u.address);
      } catch (IOException e) {
        LOG.debug("embedded DNS of {}: answer to {} lost: {}", u.owner.containerId, u.address, e);
      }
    } else if (client instanceof TcpClient t) {
      t.conn.send(wire);
    }
  }

  private void noReply(Client client) {
    if (client instanceof TcpClient t) {
      t.conn.answered();
    }
  }

  // ---- forwarding ----

  /** A forwarded query, through its attempts at each upstream in turn. */
  private final class Forward {
    final Attached owner;
    final Message query;
    final byte[] packet;
    final int clientId;
    final Client client;
    final boolean udp;
    int next;
    int attempt;
    Message last;
    byte[] lastWire;
    Upstream server;
    UpstreamSocket socket;
    int id;
    UpstreamConn conn;
    boolean done;
    long deadline;
    Forward older;
    Forward newer;
    boolean waiting;

    Forward(Attached owner, Message query, byte[] packet, Client client) {
      this.owner = owner;
      this.query = query;
      this.packet = packet;
      this.clientId = query.getHeader().getID();
      this.client = client;
      this.udp = client instanceof UdpClient;
    }
  }

  private void forward(Attached owner, Message query, byte[] packet, Client client) {
    Forward f = new Forward(owner, query, packet, client);
    owner.forwards++;
    nextAttempt(f);
  }

  /** Tries the next upstream; when none is left, answers with the last reply heard, if any. */
  private void nextAttempt(Forward f) {
    releaseAttempt(f);
    while (!f.owner.closed && f.next < f.owner.upstreams.size()) {
      Upstream server = f.owner.upstreams.get(f.next++);
      if (f.owner.forwards > MAX_FORWARDS) {
        // Docker's limit of concurrent forwards: past it, every server is skipped.
        continue;
      }
      f.server = server;
      f.attempt++;
      if (f.udp ? sendUdp(f) : startTcp(f)) {
        f.deadline = System.nanoTime() + timeoutNanos;
        enqueue(f);
        return;
      }
    }
    finish(f, f.last, f.lastWire);
  }

  /** The socket loopback upstreams are asked through, opened on first use; null if it cannot be. */
  private UpstreamSocket hostUdp() {
    if (hostUdp == null) {
      try {
        DatagramChannel ch = hostUdpOpener.get();
        ch.configureBlocking(false);
        UpstreamSocket socket = new UpstreamSocket(ch, null);
        ch.register(selector, SelectionKey.OP_READ, socket);
        hostUdp = socket;
      } catch (IOException | UncheckedIOException e) {
        LOG.warn("embedded DNS: cannot open its socket for loopback upstreams: {}", e.getMessage());
      }
    }
    return hostUdp;
  }

  private boolean sendUdp(Forward f) {
    UpstreamSocket socket = f.server.hostLoopback() ? hostUdp() : f.owner.upstream;
    if (socket == null) {
      return false;
    }
    int id = socket.allocate(f);
    if (id < 0) {
      return false;
    }
    f.socket = socket;
    f.id = id;
    try {
      socket.ch.send(
          ByteBuffer.wrap(Answers.withId(f.packet, id)),
          new InetSocketAddress(f.server.address(), Upstream.PORT));
      return true;
    } catch (IOException e) {
      LOG.debug("embedded DNS of {}: send to {} failed: {}", f.owner.containerId, f.server, e);
      socket.release(id);
      f.socket = null;
      return false;
    }
  }

  private boolean startTcp(Forward f) {
    UpstreamConn conn = new UpstreamConn(f, f.attempt);
    f.conn = conn;
    Attached target = f.server.hostLoopback() ? null : f.owner;
    tcpOpener.open(target).whenComplete((ch, error) -> execute(() -> conn.opened(ch, error)));
    return true;
  }

  /**
   * An upstream answered attempt {@code attempt} of {@code f} with {@code reply}, {@code wire} on
   * the wire.
   */
  private void upstreamReply(Forward f, int attempt, Message reply, byte[] wire) {
    if (f.done || attempt != f.attempt) {
      return;
    }
    boolean last =
        reply.getRcode() == Rcode.NOERROR
            // An authoritative NXDOMAIN ends the search (RFC 8020); any other tries the next.
            || (reply.getRcode() == Rcode.NXDOMAIN && reply.getHeader().getFlag(Flags.AA));
    if (last) {
      finish(f, reply, wire);
    } else {
      f.last = reply;
      f.lastWire = wire;
      nextAttempt(f);
    }
  }

  /** Attempt {@code attempt} of {@code f} failed without an answer (timeout, refused, reset). */
  private void upstreamFailed(Forward f, int attempt) {
    if (f.done || attempt != f.attempt) {
      return;
    }
    // As Docker's: a failed read also forgets an earlier server's error answer.
    f.last = null;
    f.lastWire = null;
    nextAttempt(f);
  }

  private void enqueue(Forward f) {
    f.older = newest;
    f.newer = null;
    if (newest == null) {
      oldest = f;
    } else {
      newest.newer = f;
    }
    newest = f;
    f.waiting = true;
  }

  private void dequeue(Forward f) {
    if (!f.waiting) {
      return;
    }
    if (f.older == null) {
      oldest = f.newer;
    } else {
      f.older.newer = f.newer;
    }
    if (f.newer == null) {
      newest = f.older;
    } else {
      f.newer.older = f.older;
    }
    f.older = null;
    f.newer = null;
    f.waiting = false;
  }

  private void releaseAttempt(Forward f) {
    dequeue(f);
    if (f.socket != null) {
      f.socket.release(f.id);
      f.socket = null;
    }
    if (f.conn != null) {
      f.conn.close();
      f.conn = null;
    }
  }

  private void finish(Forward f, Message reply, byte[] wire) {
    if (f.done) {
      return;
    }
    releaseAttempt(f);
    f.done = true;
    f.owner.forwards--;
    if (reply == null || f.owner.closed) {
      noReply(f.client);
      return;
    }
    relay(f, reply, wire);
  }

  private void expire(long now) {
    while (oldest != null && oldest.deadline <= now) {
      Forward f = oldest;
      dequeue(f);
      upstreamFailed(f, f.attempt);
    }
    if (now >= nextIdleCheck) {
      nextIdleCheck = now + 1_000_000_000L;
      List<ClientConn> idle = new ArrayList<>();
      for (ClientConn c : clients) {
        if (c.idle(now)) {
          idle.add(c);
        }
      }
      idle.forEach(ClientConn::close);
    }
  }

  /** True when {@code reply} answers {@code query}'s question. */
  private static boolean answers(Message query, Message reply) {
    Record q = query.getQuestion();
    Record r = reply.getQuestion();
    return reply.getHeader().getFlag(Flags.QR)
        && r != null
        && q.getName().equals(r.getName())
        && q.getType() == r.getType()
        && q.getDClass() == r.getDClass();
  }

  /**
   * A UDP socket that forwards: a container's own (in its namespace) or the loop's host socket,
   * with the forwards waiting on it by the query ID it gave them.
   */
  final class UpstreamSocket implements Handler {
    final DatagramChannel ch;
    final Attached owner;
    final Map<Integer, Forward> waiting = new HashMap<>();

    UpstreamSocket(DatagramChannel ch, Attached owner) {
      this.ch = ch;
      this.owner = owner;
    }

    /** A random free query ID for {@code f}, or -1 when all are taken. */
    int allocate(Forward f) {
      if (waiting.size() >= 60_000) {
        return -1;
      }
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int id;
      do {
        id = random.nextInt(65536);
      } while (waiting.containsKey(id));
      waiting.put(id, f);
      return id;
    }

    void release(int id) {
      waiting.remove(id);
    }

    @Override
    public void ready(SelectionKey key) throws IOException {
      for (int i = 0; i < BATCH; i++) {
        buffer.clear();
        SocketAddress from = ch.receive(buffer);
        if (from == null) {
          return;
        }
        buffer.flip();
        byte[] wire = new byte[buffer.remaining()];
        buffer.get(wire);
        Message reply;
        try {
          reply = new Message(wire);
        } catch (IOException malformed) {
          continue;
        }
        Forward f = waiting.get(reply.getHeader().getID());
        // Only the server asked, answering the question asked, is heard.
        if (f == null
            || !(from instanceof InetSocketAddress isa)
            || !isa.getAddress().equals(f.server.address())
            || isa.getPort() != Upstream.PORT
            || !answers(f.query, reply)) {
          continue;
        }
        upstreamReply(f, f.attempt, reply, wire);
      }
    }

    @Override
    public String toString() {
      return owner == null ? "host upstream socket" : "upstream socket of " + owner.containerId;
    }
  }

  /** A forwarded query over TCP: connect, send one framed query, read one framed answer. */
  private final class UpstreamConn implements Handler {
    final Forward f;
    final int attempt;
    SocketChannel ch;
    SelectionKey key;
    ByteBuffer out;
    ByteBuffer length = ByteBuffer.allocate(2);
    ByteBuffer body;
    boolean closed;

    UpstreamConn(Forward f, int attempt) {
      this.f = f;
      this.attempt = attempt;
    }

    void opened(SocketChannel ch, Throwable error) {
      if (error != null || closed || f.done || attempt != f.attempt) {
        if (ch != null) {
          try {
            ch.close();
          } catch (IOException ignored) {
            // Never used.
          }
        }
        if (error != null) {
          LOG.debug("embedded DNS of {}: no TCP socket: {}", f.owner.containerId, error.toString());
          upstreamFailed(f, attempt);
        }
        return;
      }
      this.ch = ch;
      out = ByteBuffer.allocate(2 + f.packet.length);
      out.putShort((short) f.packet.length).put(f.packet).flip();
      try {
        ch.configureBlocking(false);
        if (ch.connect(new InetSocketAddress(f.server.address(), Upstream.PORT))) {
          key = ch.register(selector, SelectionKey.OP_WRITE, this);
        } else {
          key = ch.register(selector, SelectionKey.OP_CONNECT, this);
        }
      } catch (IOException e) {
        close();
        upstreamFailed(f, attempt);
      }
    }

    @Override
    public void ready(SelectionKey key) throws IOException {
      if (key.isConnectable()) {
        ch.finishConnect();
        key.interestOps(SelectionKey.OP_WRITE);
      }
      if (key.isValid() && key.isWritable()) {
        ch.write(out);
        if (!out.hasRemaining()) {
          key.interestOps(SelectionKey.OP_READ);
        }
        return;
      }
      if (key.isValid() && key.isReadable()) {
        if (body == null) {
          if (ch.read(length) < 0) {
            failed();
            return;
          }
          if (length.hasRemaining()) {
            return;
          }
          body = ByteBuffer.allocate(length.flip().getShort() & 0xffff);
        }
        if (ch.read(body) < 0) {
          failed();
          return;
        }
        if (body.hasRemaining()) {
          return;
        }
        close();
        Message reply;
        try {
          reply = new Message(body.array());
        } catch (IOException malformed) {
          upstreamFailed(f, attempt);
          return;
        }
        if (reply.getHeader().getID() != f.query.getHeader().getID() || !answers(f.query, reply)) {
          upstreamFailed(f, attempt);
          return;
        }
        upstreamReply(f, attempt, reply, body.array());
      }
    }

    @Override
    public void failed() {
      close();
      upstreamFailed(f, attempt);
    }

    void close() {
      closed = true;
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // Already gone.
        }
      }
    }

    @Override
    public String toString() {
      return "TCP forward of " + f.owner.containerId + " to " + f.server;
    }
  }
}
