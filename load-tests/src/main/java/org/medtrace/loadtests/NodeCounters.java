package org.medtrace.loadtests;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.NativeHistogramBuckets;
import java.util.SortedMap;
import java.util.TreeMap;
import org.medtrace.ingest.IngestMetrics;

/** Reads the node's ingest counters and commit latencies as its {@code /metrics} endpoint shows them. */
final class NodeCounters {

  private final PrometheusRegistry registry;
  private final String pipeline;

  NodeCounters(PrometheusRegistry registry, String pipeline) {
    this.registry = registry;
    this.pipeline = pipeline;
  }

  /** {@code medtrace_ingest_messages_stored_total} of the pipeline. */
  long stored() {
    return sum("medtrace_ingest_messages_stored");
  }

  /** {@code medtrace_ingest_dead_letters_total} of the pipeline, every reason. */
  long deadLettered() {
    return sum("medtrace_ingest_dead_letters");
  }

  /** {@code medtrace_ingest_duplicates_total} of the pipeline. */
  long duplicates() {
    return sum("medtrace_ingest_duplicates");
  }

  /** The pipeline's {@value IngestMetrics#COMMIT_LATENCY} so far, by its native buckets. */
  CommitLatencies commitLatencies() {
    for (MetricSnapshot snapshot : registry.scrape(name -> name.equals(IngestMetrics.COMMIT_LATENCY))) {
      if (snapshot instanceof HistogramSnapshot histogram) {
        for (HistogramSnapshot.HistogramDataPointSnapshot point : histogram.getDataPoints()) {
          if (pipeline.equals(point.getLabels().get("pipeline")) && point.hasNativeHistogramData()) {
            SortedMap<Integer, Long> buckets = new TreeMap<>();
            NativeHistogramBuckets positive = point.getNativeBucketsForPositiveValues();
            for (int i = 0; i < positive.size(); i++) {
              buckets.put(positive.getBucketIndex(i), positive.getCount(i));
            }
            return new CommitLatencies(point.getNativeSchema(), point.getNativeZeroCount(), buckets);
          }
        }
      }
    }
    return new CommitLatencies(0, 0, new TreeMap<>());
  }

  private long sum(String counter) {
    double total = 0;
    // Counter names are registered with "_total"; the snapshot's name may or may not carry it.
    for (MetricSnapshot snapshot : registry.scrape(name -> name.equals(counter) || name.equals(counter + "_total"))) {
      if (snapshot instanceof CounterSnapshot counters) {
        for (CounterSnapshot.CounterDataPointSnapshot point : counters.getDataPoints()) {
          if (pipeline.equals(point.getLabels().get("pipeline"))) {
            total += point.getValue();
          }
        }
      }
    }
    return Math.round(total);
  }
}
