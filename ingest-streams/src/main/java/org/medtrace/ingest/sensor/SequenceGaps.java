package org.medtrace.ingest.sensor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;

/**
 * Watches each sensor's sequence numbers as this node sees them and reports how many were skipped.
 * A gap is not an error (a sensor may lose readings; the ledger records what arrives), but an
 * operator wants to see it. A reading older than the highest seen (late or resent) is not a gap.
 *
 * <p>It is a metric, not a guarantee: it starts empty on every start, and a reading that arrives
 * after a later one was counted as a gap stays counted.
 */
public final class SequenceGaps {

  private final Map<String, Long> highestBySensor = new ConcurrentHashMap<>();
  private final LongConsumer onGap;

  /** @param onGap told how many sequence numbers a reading skipped, when it skipped any */
  public SequenceGaps(LongConsumer onGap) {
    this.onGap = onGap;
  }

  /** Records {@code sequenceNumber} of {@code sensorId}; returns how many numbers it skipped. */
  public long observe(String sensorId, long sequenceNumber) {
    long[] skipped = {0};
    highestBySensor.merge(
        sensorId,
        sequenceNumber,
        (highest, next) -> {
          if (next > highest + 1) {
            skipped[0] = next - highest - 1;
          }
          return Math.max(highest, next);
        });
    if (skipped[0] > 0) {
      onGap.accept(skipped[0]);
    }
    return skipped[0];
  }
}
