package dev.jocker.cli;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/** Sizes worded as Docker's go-units words them. */
final class Units {
  private static final String[] DECIMAL = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  private static final String[] BINARY = {
    "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"
  };

  private Units() {}

  /** {@code HumanSizeWithPrecision}: decimal units, {@code precision} significant digits. */
  static String humanSize(double size, int precision) {
    return scaled(size, 1000, DECIMAL, precision);
  }

  /** {@code HumanSize}: four significant digits ({@code 1.987MB}). */
  static String humanSize(double size) {
    return humanSize(size, 4);
  }

  /** {@code BytesSize}: binary units ({@code 1.5MiB}), as stats shows memory. */
  static String bytesSize(double size) {
    return scaled(size, 1024, BINARY, 4);
  }

  private static String scaled(double size, double base, String[] units, int precision) {
    int i = 0;
    while (size >= base && i < units.length - 1) {
      size /= base;
      i++;
    }
    return goG(size, precision) + units[i];
  }

  /** Go's {@code %.Ng}: N significant digits, trailing zeros dropped, no exponent for sizes. */
  static String goG(double v, int precision) {
    if (v == 0) {
      return "0";
    }
    BigDecimal d = new BigDecimal(v).round(new MathContext(precision, RoundingMode.HALF_EVEN));
    int exponent = d.precision() - d.scale() - 1;
    if (exponent < -4 || exponent >= precision) {
      String mantissa = d.movePointLeft(exponent).stripTrailingZeros().toPlainString();
      return mantissa
          + "e"
          + (exponent < 0 ? "-" : "+")
          + String.format("%02d", Math.abs(exponent));
    }
    String s = d.stripTrailingZeros().toPlainString();
    return s;
  }
}
