package org.medtrace.loadtests;

/**
 * What one part of the benchmark measured over its measured window.
 *
 * @param name the part's label in the table
 * @param operations operations completed (rows inserted, events stored) within the window
 * @param seconds the window's length
 * @param errors operations that failed within the window (not in {@code operations})
 * @param latency latency of the operations, in microseconds
 * @param latencyMeaning what the latency is measured from and to
 * @param timeline the part second by second from its start, warm-up included, for the chart (null: none)
 * @param warmUpSeconds where the measured window starts on the timeline
 */
record PartResult(
    String name,
    long operations,
    double seconds,
    long errors,
    Latencies.Summary latency,
    String latencyMeaning,
    Timeline timeline,
    double warmUpSeconds) {

  PartResult(String name, long operations, double seconds, long errors, Latencies.Summary latency, String latencyMeaning) {
    this(name, operations, seconds, errors, latency, latencyMeaning, null, 0);
  }

  double perSecond() {
    return seconds <= 0 ? 0 : operations / seconds;
  }
}
