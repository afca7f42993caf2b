package dev.jocker.daemon;

import dev.jocker.engine.ContainerInfo;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Docker's event log: the last 256 events for {@code since}, and live subscribers for {@code GET
 * /events}, in the JSON shape of moby's {@code events.Message}.
 */
final class Events {
  static final int KEEP = 256;
  static final Set<String> FILTERS =
      Filters.keys(
          "container", "event", "type", "image", "label", "network", "volume", "daemon", "scope");

  /** One event; {@code time} in nanoseconds since the epoch. */
  record Event(
      String type,
      String action,
      String actorId,
      Map<String, String> attributes,
      long timeNano,
      String from) {

    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      if (type.equals("container")) {
        m.put("status", action);
        m.put("id", actorId);
        m.put("from", from);
      }
      m.put("Type", type);
      m.put("Action", action);
      m.put("Actor", Map.of("ID", actorId, "Attributes", attributes));
      m.put("scope", "local");
      m.put("time", timeNano / 1_000_000_000L);
      m.put("timeNano", timeNano);
      return m;
    }

    /**
     * Docker's event filter: {@code container} and {@code network} match any event whose actor ID
     * or name starts with the value (so a network event passes {@code container=x} only when its
     * network's name or ID does), {@code image} the image attribute exactly, {@code event} exactly
     * except the exec and health actions, which match by prefix.
     */
    boolean matches(Filters f) {
      String name = attributes.getOrDefault("name", "");
      boolean prefixEvent =
          f.any(
              "event",
              v -> v.equals("exec_create") || v.equals("exec_start") || v.equals("health_status"));
      return (prefixEvent ? f.any("event", action::startsWith) : f.exact("event", action))
          && f.exact("type", type)
          && f.any("container", v -> actorId.startsWith(v) || name.startsWith(v))
          && f.any("network", v -> actorId.startsWith(v) || name.startsWith(v))
          && f.any(
              "image",
              v -> {
                String image = attributes.getOrDefault(type.equals("image") ? "name" : "image", "");
                return v.equals(actorId) || v.equals(image) || v.equals(stripTag(image));
              })
          && f.labels("label", attributes)
          && f.exact("scope", "local");
    }

    private static String stripTag(String image) {
      int colon = image.lastIndexOf(':');
      return colon > image.lastIndexOf('/') ? image.substring(0, colon) : image;
    }
  }

  /** A live reader of events. */
  static final class Subscription implements AutoCloseable {
    final BlockingQueue<Event> queue = new LinkedBlockingQueue<>(10_000);
    private final Events owner;

    Subscription(Events owner) {
      this.owner = owner;
    }

    @Override
    public void close() {
      owner.subscribers.remove(this);
    }
  }

  private final Deque<Event> recent = new ArrayDeque<>();
  private final List<Subscription> subscribers = new CopyOnWriteArrayList<>();

  void container(String action, ContainerInfo c, Map<String, String> more) {
    Map<String, String> attributes = new LinkedHashMap<>(more);
    attributes.put("image", c.image());
    attributes.put("name", c.name());
    publish(new Event("container", action, c.id(), attributes, now(), c.image()));
  }

  void network(String action, String networkId, String name, Map<String, String> more) {
    Map<String, String> attributes = new LinkedHashMap<>(more);
    attributes.put("name", name);
    attributes.put("type", "bridge");
    publish(new Event("network", action, networkId, attributes, now(), null));
  }

  private static long now() {
    Instant t = Instant.now();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  synchronized void publish(Event e) {
    recent.addLast(e);
    if (recent.size() > KEEP) {
      recent.removeFirst();
    }
    for (Subscription s : subscribers) {
      // A reader that fell 10,000 events behind loses the newest rather than stall the daemon.
      s.queue.offer(e);
    }
  }

  /**
   * The kept events at or after {@code sinceNano} (and at or before {@code untilNano}), and a
   * subscription for the ones to come, taken together so that none falls between.
   */
  synchronized List<Event> replay(long sinceNano, long untilNano, Subscription live) {
    List<Event> out = new ArrayList<>();
    for (Event e : recent) {
      if (e.timeNano() >= sinceNano && e.timeNano() <= untilNano) {
        out.add(e);
      }
    }
    if (live != null) {
      subscribers.add(live);
    }
    return out;
  }

  Subscription subscribe() {
    return new Subscription(this);
  }
}
