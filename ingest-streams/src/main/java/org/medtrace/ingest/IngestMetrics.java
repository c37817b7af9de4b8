package org.medtrace.ingest;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ingest pipelines' Prometheus metrics, each labelled with the pipeline ({@code lab-results},
 * {@code sensor-readings}, {@code epcis-events}, {@code epcis-http}). Register once per registry;
 * every pipeline shares the instance.
 *
 * <p>Besides what it exports, it keeps the highest number of asks ever in flight per pipeline, so
 * that a test can show that backpressure bounds them by the configured parallelism.
 */
public final class IngestMetrics {

  /** The histogram of produced → durably stored, per pipeline. */
  public static final String COMMIT_LATENCY = "medtrace_ingest_commit_latency_seconds";

  private final Counter stored;
  private final Counter duplicates;
  private final Counter deadLetters;
  private final Histogram askSeconds;
  private final Histogram commitSeconds;
  private final Gauge inFlight;
  private final Gauge consumerLag;
  private final Counter sequenceGaps;
  private final Counter restarts;
  private final Map<String, AtomicInteger> inFlightNow = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> inFlightHighWater = new ConcurrentHashMap<>();

  public IngestMetrics(PrometheusRegistry registry) {
    stored =
        Counter.builder()
            .name("medtrace_ingest_messages_stored_total")
            .help("Source messages whose every command is durably on the ledger (offset committable)")
            .labelNames("pipeline")
            .register(registry);
    duplicates =
        Counter.builder()
            .name("medtrace_ingest_duplicates_total")
            .help("Commands answered 'already recorded': redeliveries that stored nothing new")
            .labelNames("pipeline")
            .register(registry);
    deadLetters =
        Counter.builder()
            .name("medtrace_ingest_dead_letters_total")
            .help("Source messages dead-lettered (or refused to an HTTP capture), by reason code")
            .labelNames("pipeline", "reason")
            .register(registry);
    askSeconds =
        Histogram.builder()
            .name("medtrace_ingest_ask_seconds")
            .help("Time from asking an entity to its reply (durable write, duplicate or refusal)")
            .labelNames("pipeline")
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
            .register(registry);
    commitSeconds =
        Histogram.builder()
            .name(COMMIT_LATENCY)
            .help(
                "Time from a Kafka record's timestamp (when it was produced) to every command of it being durably on the"
                    + " ledger; records stored only")
            .labelNames("pipeline")
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
            // Native buckets as well, fine enough (schema 4: at most 4.4 % wide from 1 ms to 10
            // minutes) that the side-by-side benchmark reads its percentiles from them.
            .nativeInitialSchema(4)
            .nativeMaxNumberOfBuckets(400)
            .register(registry);
    inFlight =
        Gauge.builder()
            .name("medtrace_ingest_asks_in_flight")
            .help("Entity asks awaiting a reply; bounded by the pipeline's parallelism")
            .labelNames("pipeline")
            .register(registry);
    consumerLag =
        Gauge.builder()
            .name("medtrace_ingest_consumer_lag")
            .help("Records of the topic not yet committed by the consumer group (stored or dead-lettered), over all partitions")
            .labelNames("pipeline")
            .register(registry);
    sequenceGaps =
        Counter.builder()
            .name("medtrace_ingest_sensor_sequence_gaps_total")
            .help("Sensor sequence numbers skipped (readings never received), counted as seen by this node")
            .labelNames("pipeline")
            .register(registry);
    restarts =
        Counter.builder()
            .name("medtrace_ingest_restarts_total")
            .help("Pipeline restarts after a failure (ask timeout, broker error); the messages are redelivered")
            .labelNames("pipeline")
            .register(registry);
  }

  public void stored(String pipeline) {
    stored.labelValues(pipeline).inc();
  }

  /** A Kafka record produced {@code seconds} ago is now durably on the ledger. */
  public void committed(String pipeline, double seconds) {
    commitSeconds.labelValues(pipeline).observe(Math.max(0, seconds));
  }

  public void duplicates(String pipeline, int count) {
    if (count > 0) {
      duplicates.labelValues(pipeline).inc(count);
    }
  }

  public void deadLettered(String pipeline, String reasonCode) {
    deadLetters.labelValues(pipeline, reasonCode).inc();
  }

  public void askStarted(String pipeline) {
    int now = inFlightNow.computeIfAbsent(pipeline, p -> new AtomicInteger()).incrementAndGet();
    inFlightHighWater.computeIfAbsent(pipeline, p -> new AtomicInteger()).accumulateAndGet(now, Math::max);
    inFlight.labelValues(pipeline).set(now);
  }

  public void askFinished(String pipeline, double seconds) {
    int now = inFlightNow.computeIfAbsent(pipeline, p -> new AtomicInteger()).decrementAndGet();
    inFlight.labelValues(pipeline).set(now);
    askSeconds.labelValues(pipeline).observe(seconds);
  }

  public void consumerLag(String pipeline, double records) {
    consumerLag.labelValues(pipeline).set(records);
  }

  public void sequenceGap(String pipeline, long missing) {
    if (missing > 0) {
      sequenceGaps.labelValues(pipeline).inc(missing);
    }
  }

  public void restarted(String pipeline) {
    restarts.labelValues(pipeline).inc();
  }

  /** The most asks ever in flight at once for {@code pipeline}. */
  public int asksInFlightHighWater(String pipeline) {
    AtomicInteger high = inFlightHighWater.get(pipeline);
    return high == null ? 0 : high.get();
  }

  public double storedCount(String pipeline) {
    return stored.labelValues(pipeline).get();
  }

  public double deadLetterCount(String pipeline, String reasonCode) {
    return deadLetters.labelValues(pipeline, reasonCode).get();
  }

  public double restartCount(String pipeline) {
    return restarts.labelValues(pipeline).get();
  }

  public double duplicateCount(String pipeline) {
    return duplicates.labelValues(pipeline).get();
  }

  public double sequenceGapCount(String pipeline) {
    return sequenceGaps.labelValues(pipeline).get();
  }

  public double consumerLagNow(String pipeline) {
    return consumerLag.labelValues(pipeline).get();
  }
}
