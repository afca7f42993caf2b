package dev.jocker.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jocker.ipam.Subnet;
import org.junit.jupiter.api.Test;

/** The rules of a CNI bridge network, as iptables-save prints them. */
class CniRulesTest {
  @Test
  void forwardAcceptsAsForDocker0AndMasqueradeOnlyWithIpMasq() {
    assertEquals(
        """
        -t nat -A POSTROUTING -s 10.88.0.0/16 ! -o jk0 -j MASQUERADE
        -t filter -A FORWARD -o jk0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
        -t filter -A FORWARD -i jk0 ! -o jk0 -j ACCEPT
        -t filter -A FORWARD -i jk0 -o jk0 -j ACCEPT
        """,
        text(true));
    assertEquals(3, CniRules.of("jk0", Subnet.parse("10.88.0.0/16"), false).rules().size());
  }

  private static String text(boolean masq) {
    StringBuilder out = new StringBuilder();
    for (Rule r : CniRules.of("jk0", Subnet.parse("10.88.0.0/16"), masq).rules()) {
      out.append("-t ").append(r.table()).append(' ').append(r.saveText()).append('\n');
    }
    return out.toString();
  }
}
