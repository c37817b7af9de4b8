package org.medtrace.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TextChartTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void aBarPerSecondScaledToThePartsLargestValueWithTheMeasuredWindowMarked() {
    Timeline timeline = new Timeline(0);
    for (int i = 0; i < 8; i++) {
      timeline.completed(1 * SECOND, 2_000);
    }
    timeline.completed(2 * SECOND, 50_000);
    for (int i = 0; i < 4; i++) {
      timeline.completed(3 * SECOND, 10_000);
    }
    PartResult part =
        new PartResult("(c) full", 13, 4, 0, new Latencies().summary(), "produced → stored", timeline, 2);
    PartResult withoutTimeline = new PartResult("(x) none", 0, 1, 0, new Latencies().summary(), "");

    String chart = TextChart.of(List.of(part, withoutTimeline));

    List<String> lines = chart.lines().toList();
    assertEquals(3, lines.size(), chart);
    assertEquals("(c) full, per second (2 s warm-up | measured):", lines.get(0));
    // Second 0 had nothing, second 1 the most completions; the bar | opens the measured window at second 2.
    assertEquals("  events/s ▁█|▂▅  max 8", lines.get(1));
    // No latency in second 0: a space; the largest p99 (50 ms) is the full bar.
    assertEquals("  p99 ms    ▁|█▂  max 50.0", lines.get(2));
  }

  @Test
  void zeroIsTheLowestBarAndNoValueIsBlank() {
    assertEquals('▁', TextChart.bar(0, 10));
    assertEquals('█', TextChart.bar(10, 10));
    assertEquals('▁', TextChart.bar(0, 0));
    assertEquals(' ', TextChart.bar(Double.NaN, 10));
  }
}
