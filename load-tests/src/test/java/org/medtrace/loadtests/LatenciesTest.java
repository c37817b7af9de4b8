package org.medtrace.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LatenciesTest {

  @Test
  void percentilesAreNearestRank() {
    Latencies latencies = new Latencies();
    for (long value = 100; value >= 1; value--) {
      latencies.add(value);
    }
    Latencies.Summary summary = latencies.summary();
    assertEquals(100, summary.count());
    assertEquals(50, summary.p50());
    assertEquals(95, summary.p95());
    assertEquals(99, summary.p99());
    assertEquals(100, summary.max());
  }

  @Test
  void aSingleValueIsEveryPercentile() {
    assertEquals(7, Latencies.percentile(new long[] {7}, 50));
    assertEquals(7, Latencies.percentile(new long[] {7}, 99));
  }

  @Test
  void noValuesGiveZeroes() {
    assertEquals(new Latencies.Summary(0, 0, 0, 0, 0), new Latencies().summary());
  }

  @Test
  void growsPastItsInitialCapacity() {
    Latencies latencies = new Latencies();
    for (int i = 0; i < 200_000; i++) {
      latencies.add(i);
    }
    assertEquals(200_000, latencies.count());
    assertEquals(199_999, latencies.summary().max());
  }

  @Test
  void ratiosOfThroughput() {
    Latencies.Summary none = new Latencies.Summary(0, 0, 0, 0, 0);
    PartResult fast = new PartResult("a", 1000, 10, 0, none, "");
    PartResult slow = new PartResult("c", 250, 10, 0, none, "");
    assertEquals("0.250", BenchmarkReport.ratio(slow, fast));
    assertEquals("n/a", BenchmarkReport.ratio(slow, new PartResult("b", 0, 10, 0, none, "")));
  }
}
