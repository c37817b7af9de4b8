package org.medtrace.loadtests;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an asynchronous operation as fast as it completes with a fixed number in flight, for a
 * warm-up then a measured window, and prints progress. Only operations that start within the
 * measured window count and only their latencies are recorded.
 */
final class ClosedLoop {

  private static final Logger log = LoggerFactory.getLogger(ClosedLoop.class);

  private ClosedLoop() {}

  static PartResult run(
      String name, int concurrency, Duration warmUp, Duration duration, Duration progressEvery, Supplier<CompletionStage<?>> operation)
      throws InterruptedException {
    Semaphore inFlight = new Semaphore(concurrency);
    Latencies latencies = new Latencies();
    AtomicLong completed = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong firstError = new AtomicLong();
    long start = System.nanoTime();
    Timeline timeline = new Timeline(start);
    long measureFrom = start + warmUp.toNanos();
    long end = measureFrom + duration.toNanos();
    long nextProgress = start + progressEvery.toNanos();
    long lastCompleted = 0;
    long lastProgressAt = start;
    while (true) {
      long now = System.nanoTime();
      if (now >= end) {
        break;
      }
      if (now >= nextProgress) {
        long done = completed.get();
        log.info(
            "{}: {} {} ops/s, {} errors",
            name,
            lastProgressAt < measureFrom ? "warming up," : "measuring,",
            Math.round((done - lastCompleted) / ((now - lastProgressAt) / 1e9)),
            errors.get());
        lastCompleted = done;
        lastProgressAt = now;
        nextProgress += progressEvery.toNanos();
      }
      if (!inFlight.tryAcquire(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        continue;
      }
      long startedAt = System.nanoTime();
      boolean measured = startedAt >= measureFrom;
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
            }
          });
    }
    // Let the operations started in the window finish, so that their latencies count.
    inFlight.acquire(concurrency);
    inFlight.release(concurrency);
    Latencies.Summary summary = latencies.summary();
    return new PartResult(
        name, summary.count(), duration.toNanos() / 1e9, errors.get(), summary, "call → acknowledged", timeline, warmUp.toNanos() / 1e9);
  }
}
