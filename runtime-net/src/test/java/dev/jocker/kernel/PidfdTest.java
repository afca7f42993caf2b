package dev.jocker.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PidfdTest {
  @Test
  void startTimeIsField22EvenWhenTheCommandNameHoldsSpacesAndParentheses() {
    String fields3To21 = "S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18";
    assertEquals(703687L, Pidfd.startTimeOf("4242 (a) b (c) " + fields3To21 + " 703687 9 8 7\n"));
    assertEquals(99L, Pidfd.startTimeOf("1 (sh) " + fields3To21 + " 99"));
  }
}
