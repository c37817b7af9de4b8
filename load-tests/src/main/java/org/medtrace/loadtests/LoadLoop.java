package org.medtrace.loadtests;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an asynchronous operation on a {@link LoadSchedule} (a warm-up then a measured window), with
 * at most {@code concurrency} in flight, and prints progress. Closed loop: the next operation starts
 * as soon as one completes, and latency is call → completion. Fixed rate: each operation starts
 * when it is due (or as soon after as a slot is free), and its latency is measured from when it was
 * due, so that an operation held up by slow ones before it counts the wait: no coordinated
 * omission. Only operations due within the measured window count and only their latencies are
 * recorded; at a fixed rate, those never started count as errors.
 */
final class LoadLoop {

  /**
   * Told when a part's measured window opens and when it closes, on the thread that runs the part:
   * what it does there (reading counters) holds the load up for that long. Here it opens before the
   * first operation of the window starts and closes once the last one started in it has completed,
   * as the part counts them; (c) opens and closes it where it reads its stored count.
   */
  interface Window {
    void opened();

    void closed();

    /** Opens both (first, then second) and closes both (second, then first): the first measures around the second. */
    static Window both(Window first, Window second) {
      return new Window() {
        @Override
        public void opened() {
          first.opened();
          second.opened();
        }

        @Override
        public void closed() {
          second.closed();
          first.closed();
        }
      };
    }
  }

  private static final Logger log = LoggerFactory.getLogger(LoadLoop.class);

  private LoadLoop() {}

  static PartResult run(
      String name, int concurrency, LoadSchedule schedule, Duration progressEvery, Window window, Supplier<CompletionStage<?>> operation)
      throws InterruptedException {
    Semaphore inFlight = new Semaphore(concurrency);
    Latencies latencies = new Latencies();
    AtomicLong completed = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong firstError = new AtomicLong();
    AtomicLong lastMeasuredFinish = new AtomicLong();
    long start = schedule.startNanos();
    long measureFrom = schedule.measureFromNanos();
    Timeline timeline = new Timeline(start);
    long nextProgress = start + progressEvery.toNanos();
    long lastCompleted = 0;
    long lastProgressAt = start;
    long started = 0;
    boolean windowOpen = false;
    while (true) {
      long now = System.nanoTime();
      if (schedule.finished(started, now)) {
        break;
      }
      if (!windowOpen && now >= measureFrom) {
        window.opened();
        windowOpen = true;
        now = System.nanoTime();
      }
      if (now >= nextProgress) {
        long done = completed.get();
        log.info(
            "{}: {} {} ops/s, {} errors",
            name,
            lastProgressAt < measureFrom ? "warming up," : now > schedule.endNanos() ? "catching up," : "measuring,",
            Math.round((done - lastCompleted) / ((now - lastProgressAt) / 1e9)),
            errors.get());
        lastCompleted = done;
        lastProgressAt = now;
        nextProgress += progressEvery.toNanos();
      }
      long due = schedule.dueNanos(started, now);
      if (due > now) {
        LockSupport.parkNanos(Math.min(due, nextProgress) - now);
        continue;
      }
      if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
        continue;
      }
      // Closed loop: from the call. Fixed rate: from when it was due, however late it starts.
      long startedAt = schedule.fixedRate() ? due : System.nanoTime();
      boolean measured = startedAt >= measureFrom;
      started++;
      CompletionStage<?> stage;
      try {
        stage = operation.get();
      } catch (RuntimeException e) {
        inFlight.release();
        throw e;
      }
      stage.whenComplete(
          (ok, failure) -> {
            long finishedAt = System.nanoTime();
            inFlight.release();
            if (failure != null) {
              if (measured) {
                errors.incrementAndGet();
              }
              if (firstError.compareAndSet(0, 1)) {
                log.warn("{}: first failure: {}", name, failure.toString());
              }
              return;
            }
            completed.incrementAndGet();
            long micros = (finishedAt - startedAt) / 1_000;
            timeline.completed(finishedAt, micros);
            if (measured) {
              latencies.add(micros);
              lastMeasuredFinish.accumulateAndGet(finishedAt, Math::max);
            }
          });
    }
    // Let the operations started in the window finish, so that their latencies count.
    inFlight.acquire(concurrency);
    inFlight.release(concurrency);
    if (!windowOpen) {
      window.opened();
    }
    window.closed();
    long notSent = schedule.notSent(started);
    if (notSent > 0) {
      log.warn("{}: {} operations due in the window were not sent by the end of the catch-up time", name, notSent);
    }
    Latencies.Summary summary = latencies.summary();
    // At a fixed rate a part that fell behind finishes after its window: its throughput is what
    // completed over the time it took, not the rate it was offered.
    long windowNanos = schedule.endNanos() - measureFrom;
    double seconds = schedule.fixedRate() ? Math.max(windowNanos, lastMeasuredFinish.get() - measureFrom) / 1e9 : windowNanos / 1e9;
    return new PartResult(
        name,
        summary.count(),
        seconds,
        errors.get() + notSent,
        summary,
        schedule.fixedRate() ? "due (fixed rate) → acknowledged" : "call → acknowledged",
        timeline,
        (measureFrom - start) / 1e9);
  }
}
