package org.medtrace.loadtests;

import java.util.Arrays;

/**
 * Latencies of one benchmark part, in microseconds, kept whole (a run of a few hundred thousand
 * operations fits easily) so that percentiles are exact rather than bucketed. Thread-safe.
 */
final class Latencies {

  private long[] micros;
  private int count;

  Latencies() {
    this(1 << 16);
  }

  Latencies(int initialCapacity) {
    micros = new long[Math.max(1, initialCapacity)];
  }

  synchronized void add(long latencyMicros) {
    if (count == micros.length) {
      micros = Arrays.copyOf(micros, micros.length * 2);
    }
    micros[count++] = latencyMicros;
  }

  synchronized int count() {
    return count;
  }

  /** The distribution so far. */
  synchronized Summary summary() {
    long[] sorted = Arrays.copyOf(micros, count);
    Arrays.sort(sorted);
    return new Summary(
        sorted.length, percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99), sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
  }

  /** Nearest-rank percentile: the smallest value at or below which {@code p} % of the values lie. */
  static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
  }

  /** Count and percentiles in microseconds. */
  record Summary(long count, long p50, long p95, long p99, long max) {}
}
