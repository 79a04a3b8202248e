package io.raftd.ctl;

import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --timeout} values: a number with ms, s or m (a bare number is seconds). */
final class Durations implements ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    String v = value.trim();
    try {
      Duration d;
      if (v.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      } else if (v.endsWith("s")) {
        d = Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
      } else if (v.endsWith("m")) {
        d = Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 60_000));
      } else {
        d = Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
      }
      if (d.isNegative() || d.isZero()) {
        throw new TypeConversionException("'" + value + "' is not a positive duration (e.g. 500ms, 10s, 1m)");
      }
      return d;
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + value + "' is not a duration (e.g. 500ms, 10s, 1m)");
    }
  }
}
