package org.medtrace.loadtests;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The chart of {@link BenchmarkChart} in plain text, for the console and for notes that cannot
 * hold a picture: per part, one character per second (warm-up included, then a bar {@code |} where
 * the measured window starts), its height the second's value against the part's largest.
 */
final class TextChart {

  /** Eight heights; a second with no value (no latency measured in it) is a space. */
  private static final char[] BARS = {'▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'};

  private TextChart() {}

  /** Throughput and p99 latency per second of every part that has a timeline. */
  static String of(List<PartResult> parts) {
    StringBuilder out = new StringBuilder();
    for (PartResult part : parts) {
      if (part.timeline() == null) {
        continue;
      }
      List<Timeline.Second> seconds = part.timeline().seconds();
      int warmUp = (int) Math.round(part.warmUpSeconds());
      out.append(String.format(Locale.ROOT, "%s, per second (%d s warm-up | measured):%n", part.name(), warmUp));
      out.append(line("  events/s", seconds, warmUp, second -> second.completed(), "%.0f"));
      out.append(
          line(
              "  p99 ms  ",
              seconds,
              warmUp,
              second -> second.latency().count() == 0 ? Double.NaN : second.latency().p99() / 1000.0,
              "%.1f"));
    }
    return out.toString();
  }

  /** {@code label}, the bars of {@code value} over {@code seconds}, and the largest value. */
  static String line(String label, List<Timeline.Second> seconds, int warmUp, ToDoubleFunction<Timeline.Second> value, String format) {
    double max = 0;
    for (Timeline.Second second : seconds) {
      double v = value.applyAsDouble(second);
      if (!Double.isNaN(v)) {
        max = Math.max(max, v);
      }
    }
    StringBuilder bars = new StringBuilder();
    for (int i = 0; i < seconds.size(); i++) {
      if (i == warmUp) {
        bars.append('|');
      }
      bars.append(bar(value.applyAsDouble(seconds.get(i)), max));
    }
    return String.format(Locale.ROOT, "%s %s  max " + format + "%n", label, bars, max);
  }

  /** The bar of {@code value} on a scale whose top is {@code max}: the lowest bar for zero. */
  static char bar(double value, double max) {
    if (Double.isNaN(value)) {
      return ' ';
    }
    if (max <= 0) {
      return BARS[0];
    }
    int level = (int) Math.round(value / max * (BARS.length - 1));
    return BARS[Math.max(0, Math.min(BARS.length - 1, level))];
  }
}
