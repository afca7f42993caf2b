package dev.jocker.dns;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The environment variables {@code --link CHILD:ALIAS} gives a container on the default bridge, as
 * Docker 20.10's links package writes them: the child's address and ports ({@code ALIAS_PORT…}),
 * its link name ({@code ALIAS_NAME=/PARENT/ALIAS}) and its own environment ({@code ALIAS_ENV_…}).
 */
public final class LinkEnv {
  private LinkEnv() {}

  /** An exposed port: {@code 80/tcp}. */
  private record Port(int number, String proto) {
    static Port parse(String spec) {
      int slash = spec.indexOf('/');
      String number = slash < 0 ? spec : spec.substring(0, slash);
      String proto = slash < 0 ? "tcp" : spec.substring(slash + 1).toLowerCase(Locale.ROOT);
      try {
        return new Port(Integer.parseInt(number), proto);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("exposed port " + spec + ": not NUMBER[/PROTO]", e);
      }
    }

    String upperProto() {
      return proto.toUpperCase(Locale.ROOT);
    }
  }

  /**
   * The variables for the link of container {@code parentName} to the child at {@code childAddress}
   * under {@code alias}; {@code childEnv} is the child's configured environment ({@code K=V}) and
   * {@code exposedPorts} its exposed ports ({@code 80/tcp}).
   */
  public static List<String> of(
      String parentName,
      String alias,
      String childAddress,
      List<String> childEnv,
      List<String> exposedPorts) {
    String prefix = alias.toUpperCase(Locale.ROOT).replace('-', '_');
    // Ascending by number; at the same number tcp first.
    List<Port> ports = new ArrayList<>(exposedPorts.stream().map(Port::parse).toList());
    ports.sort(
        Comparator.comparingInt(Port::number).thenComparing(p -> p.proto().equals("tcp") ? 0 : 1));
    List<String> env = new ArrayList<>();
    if (!ports.isEmpty()) {
      Port p = ports.get(0);
      env.add(prefix + "_PORT=" + p.proto() + "://" + childAddress + ":" + p.number());
    }
    for (int i = 0; i < ports.size(); ) {
      Port p = ports.get(i);
      int j = lastContiguous(ports, i);
      if (j > i + 1) {
        Port q = ports.get(j);
        String key = prefix + "_PORT_" + p.number() + "_" + p.upperProto();
        env.add(key + "_START=" + p.proto() + "://" + childAddress + ":" + p.number());
        env.add(key + "_ADDR=" + childAddress);
        env.add(key + "_PROTO=" + p.proto());
        env.add(key + "_PORT_START=" + p.number());
        String end = prefix + "_PORT_" + p.number() + "_" + q.upperProto();
        env.add(end + "_END=" + q.proto() + "://" + childAddress + ":" + q.number());
        env.add(end + "_PORT_END=" + q.number());
        i = j + 1;
      } else {
        i++;
      }
    }
    for (Port p : ports) {
      String key = prefix + "_PORT_" + p.number() + "_" + p.upperProto();
      env.add(key + "=" + p.proto() + "://" + childAddress + ":" + p.number());
      env.add(key + "_ADDR=" + childAddress);
      env.add(key + "_PORT=" + p.number());
      env.add(key + "_PROTO=" + p.proto());
    }
    env.add(prefix + "_NAME=/" + parentName + "/" + alias);
    for (String kv : childEnv) {
      int eq = kv.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String key = kv.substring(0, eq);
      // Docker leaves out what every image has and no linked container needs.
      if (key.equals("HOME") || key.equals("PATH")) {
        continue;
      }
      env.add(prefix + "_ENV_" + key + "=" + kv.substring(eq + 1));
    }
    return env;
  }

  /** The index of the last port of the run of consecutive numbers starting at {@code i}. */
  private static int lastContiguous(List<Port> ports, int i) {
    int value = ports.get(i).number();
    for (int k = i + 1; k < ports.size(); k++) {
      if (ports.get(k).number() > value + 1) {
        return k - 1;
      }
      value++;
    }
    return ports.size() - 1;
  }
}
