package dev.jocker.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

@Privileged
class SandboxIT {
  @Test
  void hostReachesTheInternetNamespace(Sandbox sandbox) {
    sandbox.internet();
    String ping = sandbox.host().run("ping", "-c", "1", "-W", "2", Sandbox.INTERNET_ADDRESS);
    assertTrue(ping.contains(" 0% packet loss"), ping);
  }
}
