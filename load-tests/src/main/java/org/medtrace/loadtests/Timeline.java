package org.medtrace.loadtests;

import java.util.ArrayList;
import java.util.List;

/**
 * A benchmark part over time, second by second from its start (warm-up included): how many
 * operations completed in each second and their latency percentiles, for the chart. Thread-safe.
 */
final class Timeline {

  /** One second: operations completed in it and the latencies of those that were measured. */
  record Second(int second, long completed, Latencies.Summary latency) {}

  private final long startNanos;
  private final List<long[]> completedPerSecond = new ArrayList<>();
  private final List<Latencies> latencyPerSecond = new ArrayList<>();

  Timeline(long startNanos) {
    this.startNanos = startNanos;
  }

  /** An operation completed at {@code atNanos} (System.nanoTime) after {@code latencyMicros}. */
  void completed(long atNanos, long latencyMicros) {
    second(atNanos).add(latencyMicros);
    synchronized (this) {
      completedPerSecond.get(index(atNanos))[0]++;
    }
  }

  /** {@code count} operations completed by {@code atNanos} whose latencies come separately (or not at all). */
  synchronized void completedCount(long atNanos, long count) {
    second(atNanos);
    completedPerSecond.get(index(atNanos))[0] += count;
  }

  /** A latency of an operation that completed at {@code atNanos}, counted separately. */
  void latency(long atNanos, long latencyMicros) {
    second(atNanos).add(latencyMicros);
  }

  synchronized List<Second> seconds() {
    List<Second> out = new ArrayList<>(completedPerSecond.size());
    for (int i = 0; i < completedPerSecond.size(); i++) {
      out.add(new Second(i, completedPerSecond.get(i)[0], latencyPerSecond.get(i).summary()));
    }
    return out;
  }

  private int index(long atNanos) {
    return (int) Math.max(0, (atNanos - startNanos) / 1_000_000_000L);
  }

  private synchronized Latencies second(long atNanos) {
    int index = index(atNanos);
    while (completedPerSecond.size() <= index) {
      completedPerSecond.add(new long[1]);
      latencyPerSecond.add(new Latencies(1 << 8));
    }
    return latencyPerSecond.get(index);
  }
}
