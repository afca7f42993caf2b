package dev.jocker.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Hairpin mode on a bridge port, byte for byte as iproute2 asks for it: {@code strace -xx bridge
 * link set dev v1 hairpin on} shows a 44-byte RTM_SETLINK (REQUEST|ACK) with an AF_BRIDGE ifinfomsg
 * and IFLA_PROTINFO (nested) holding IFLA_BRPORT_MODE 1.
 */
class HairpinCodecTest {
  @Test
  void theRequestIsIproute2s() {
    String expected =
        // nlmsghdr: len 44, RTM_SETLINK, REQUEST|ACK, seq 1, pid 0
        "2c000000"
            + "1300"
            + "0500"
            + "01000000"
            + "00000000"
            // ifinfomsg: AF_BRIDGE, pad, type 0, index 42, flags 0, change 0
            + "07000000"
            + "2a000000"
            + "00000000"
            + "00000000"
            // IFLA_PROTINFO | NLA_F_NESTED (len 12)
            + "0c000c80"
            // IFLA_BRPORT_MODE u8 1 (len 5, padded to 8)
            + "05000400"
            + "01000000";
    assertEquals(expected, HexFormat.of().formatHex(Links.hairpinRequest(42, true).seq(1)));
    assertEquals(
        expected.substring(0, expected.length() - 8) + "00000000",
        HexFormat.of().formatHex(Links.hairpinRequest(42, false).seq(1)));
  }
}
