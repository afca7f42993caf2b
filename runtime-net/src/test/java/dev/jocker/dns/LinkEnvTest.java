package dev.jocker.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The variables --link adds, as Docker 20.10's links package writes them. */
class LinkEnvTest {
  @Test
  void aLinkWithoutPortsGivesNameAndEnvironment() {
    assertEquals(
        List.of("MY_DB_NAME=/web/my-db", "MY_DB_ENV_POSTGRES_DB=app"),
        LinkEnv.of(
            "web",
            "my-db",
            "172.17.0.3",
            List.of("PATH=/usr/bin", "POSTGRES_DB=app", "HOME=/root", "NOVALUE"),
            List.of()));
  }

  @Test
  void portsAreSortedTcpFirstAndRunsOfThreeGetARange() {
    List<String> env =
        LinkEnv.of(
            "web",
            "db",
            "172.17.0.3",
            List.of(),
            List.of("53/udp", "8002/tcp", "8000", "8001", "53/tcp"));
    assertEquals(
        List.of(
            "DB_PORT=tcp://172.17.0.3:53",
            "DB_PORT_8000_TCP_START=tcp://172.17.0.3:8000",
            "DB_PORT_8000_TCP_ADDR=172.17.0.3",
            "DB_PORT_8000_TCP_PROTO=tcp",
            "DB_PORT_8000_TCP_PORT_START=8000",
            "DB_PORT_8000_TCP_END=tcp://172.17.0.3:8002",
            "DB_PORT_8000_TCP_PORT_END=8002",
            "DB_PORT_53_TCP=tcp://172.17.0.3:53",
            "DB_PORT_53_TCP_ADDR=172.17.0.3",
            "DB_PORT_53_TCP_PORT=53",
            "DB_PORT_53_TCP_PROTO=tcp",
            "DB_PORT_53_UDP=udp://172.17.0.3:53",
            "DB_PORT_53_UDP_ADDR=172.17.0.3",
            "DB_PORT_53_UDP_PORT=53",
            "DB_PORT_53_UDP_PROTO=udp",
            "DB_PORT_8000_TCP=tcp://172.17.0.3:8000",
            "DB_PORT_8000_TCP_ADDR=172.17.0.3",
            "DB_PORT_8000_TCP_PORT=8000",
            "DB_PORT_8000_TCP_PROTO=tcp",
            "DB_PORT_8001_TCP=tcp://172.17.0.3:8001",
            "DB_PORT_8001_TCP_ADDR=172.17.0.3",
            "DB_PORT_8001_TCP_PORT=8001",
            "DB_PORT_8001_TCP_PROTO=tcp",
            "DB_PORT_8002_TCP=tcp://172.17.0.3:8002",
            "DB_PORT_8002_TCP_ADDR=172.17.0.3",
            "DB_PORT_8002_TCP_PORT=8002",
            "DB_PORT_8002_TCP_PROTO=tcp",
            "DB_NAME=/web/db"),
        env);
  }
}
