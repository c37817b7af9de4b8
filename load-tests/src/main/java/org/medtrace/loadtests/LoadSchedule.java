package org.medtrace.loadtests;

import java.time.Duration;

/**
 * When the operations of a benchmark part are due, on {@link System#nanoTime} from the part's start:
 * a warm-up, then the measured window. Closed loop (rate 0): each is due when it can start, and the
 * part ends with the window. Fixed rate: operation {@code i} is due at {@code start + i / rate}
 * whatever happened before; the part goes on until every operation due within the window has
 * started, however late, but at most {@code catchUp} past the window's end (an operation due in
 * the window and not started by then is {@linkplain #notSent not sent}).
 */
final class LoadSchedule {

  private final long startNanos;
  private final long measureFromNanos;
  private final long endNanos;
  private final long catchUpNanos;
  /** Nanoseconds between two due times; 0: closed loop. */
  private final double intervalNanos;

  LoadSchedule(double ratePerSecond, long startNanos, Duration warmUp, Duration duration, Duration catchUp) {
    this.startNanos = startNanos;
    this.measureFromNanos = startNanos + warmUp.toNanos();
    this.endNanos = measureFromNanos + duration.toNanos();
    this.catchUpNanos = catchUp.toNanos();
    this.intervalNanos = ratePerSecond > 0 ? 1e9 / ratePerSecond : 0;
  }

  static LoadSchedule of(BenchmarkSettings settings, long startNanos, Duration duration) {
    return new LoadSchedule(settings.rate(), startNanos, settings.warmUp(), duration, settings.rateCatchUp());
  }

  boolean fixedRate() {
    return intervalNanos > 0;
  }

  long startNanos() {
    return startNanos;
  }

  long measureFromNanos() {
    return measureFromNanos;
  }

  long endNanos() {
    return endNanos;
  }

  /** When operation {@code index} (from 0) is due: {@code now} in a closed loop. */
  long dueNanos(long index, long nowNanos) {
    return fixedRate() ? startNanos + (long) (index * intervalNanos) : nowNanos;
  }

  /** Whether the part is over at {@code now}, {@code started} operations having started. */
  boolean finished(long started, long nowNanos) {
    return fixedRate()
        ? dueNanos(started, nowNanos) >= endNanos || nowNanos >= endNanos + catchUpNanos
        : nowNanos >= endNanos;
  }

  /** Operations due within the measured window that had not started when the part ended after {@code started}. */
  long notSent(long started) {
    if (!fixedRate()) {
      return 0;
    }
    long firstInWindow = firstIndexDueAtOrAfter(measureFromNanos);
    long firstAfterWindow = firstIndexDueAtOrAfter(endNanos);
    return Math.max(0, firstAfterWindow - Math.max(started, firstInWindow));
  }

  private long firstIndexDueAtOrAfter(long nanos) {
    long index = (long) Math.ceil((nanos - startNanos) / intervalNanos);
    // dueNanos truncates: step back while the previous index is still due at or after nanos.
    while (index > 0 && dueNanos(index - 1, 0) >= nanos) {
      index--;
    }
    while (dueNanos(index, 0) < nanos) {
      index++;
    }
    return index;
  }
}
