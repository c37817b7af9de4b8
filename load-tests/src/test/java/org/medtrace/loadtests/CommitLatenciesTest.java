package org.medtrace.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;
import org.medtrace.ingest.IngestMetrics;

/**
 * The commit latency read from the node's histogram: percentiles at most one bucket (4.4 %) above
 * the exact ones, and only what was observed after a starting point.
 */
class CommitLatenciesTest {

  @Test
  void percentilesAreTheUpperBoundsOfTheBucketsTheExactValuesFallIn() {
    PrometheusRegistry registry = new PrometheusRegistry();
    IngestMetrics metrics = new IngestMetrics(registry);
    NodeCounters node = new NodeCounters(registry, "sensor-readings");
    metrics.committed("sensor-readings", 30.0);
    metrics.committed("lab-results", 0.5);
    CommitLatencies before = node.commitLatencies();
    Latencies exact = new Latencies();
    for (int i = 1; i <= 1000; i++) {
      double seconds = i / 1000.0; // 1 ms .. 1 s
      metrics.committed("sensor-readings", seconds);
      exact.add(i * 1000L);
    }

    Latencies.Summary read = node.commitLatencies().since(before).summary();
    Latencies.Summary truth = exact.summary();

    assertEquals(1000, read.count(), "the observation before the start and the other pipeline's are left out");
    assertWithinOneBucket(truth.p50(), read.p50());
    assertWithinOneBucket(truth.p95(), read.p95());
    assertWithinOneBucket(truth.p99(), read.p99());
    assertWithinOneBucket(truth.max(), read.max());
  }

  @Test
  void countsOfTwoSchemasAreComparedAtTheCoarserOne() {
    // Schema 1: base √2; schema 0: base 2. Buckets 3 and 4 of schema 1, (2^1, 2^2] together, are
    // bucket 2 of schema 0.
    CommitLatencies fine = new CommitLatencies(1, 0, new java.util.TreeMap<>(java.util.Map.of(3, 5L, 4, 7L, 5, 1L)));
    CommitLatencies coarse = new CommitLatencies(0, 0, new java.util.TreeMap<>(java.util.Map.of(2, 10L)));

    CommitLatencies difference = fine.since(coarse);

    assertEquals(0, difference.schema());
    assertEquals(java.util.Map.of(2, 2L, 3, 1L), difference.buckets());
  }

  private static void assertWithinOneBucket(long exactMicros, long readMicros) {
    assertTrue(
        readMicros >= exactMicros && readMicros <= exactMicros * 1.045,
        "read " + readMicros + " µs for an exact " + exactMicros + " µs");
  }
}
