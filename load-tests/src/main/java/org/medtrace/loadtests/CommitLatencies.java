package org.medtrace.loadtests;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.medtrace.ingest.IngestMetrics;

/**
 * The full path's commit latency — a reading's Kafka timestamp to its pipeline's decision that it
 * is durably stored — as the node's own histogram ({@value IngestMetrics#COMMIT_LATENCY}) counts it
 * ({@link NodeCounters#commitLatencies}), since the acknowledgment happens inside the node where the
 * benchmark cannot time each message. Its native buckets are at most 4.4 % wide, so a percentile
 * here is the upper bound of the bucket it falls in: at most that much above the true value.
 *
 * <p>Bucket {@code i} of schema {@code s} holds the values in (base^(i-1), base^i] seconds, base =
 * 2^(2^-s); {@code zero} counts the values of about 0.
 */
record CommitLatencies(int schema, long zero, SortedMap<Integer, Long> buckets) {

  CommitLatencies {
    buckets = Collections.unmodifiableSortedMap(new TreeMap<>(buckets));
  }

  /** What was observed after {@code earlier}, at the coarser of the two schemas. */
  CommitLatencies since(CommitLatencies earlier) {
    int schema = Math.min(this.schema, earlier.schema);
    SortedMap<Integer, Long> difference = new TreeMap<>(at(schema).buckets);
    earlier.at(schema).buckets.forEach((index, count) -> difference.merge(index, -count, Long::sum));
    return new CommitLatencies(schema, zero - earlier.zero, difference);
  }

  /** The same counts at a coarser schema: 2^(s - coarser) neighbouring buckets become one. */
  private CommitLatencies at(int coarser) {
    if (coarser == schema) {
      return this;
    }
    int shift = schema - coarser;
    SortedMap<Integer, Long> merged = new TreeMap<>();
    // Bucket i's upper bound base^i lies in the coarser bucket ceil(i / 2^shift).
    buckets.forEach((index, count) -> merged.merge(-Math.floorDiv(-index, 1 << shift), count, Long::sum));
    return new CommitLatencies(coarser, zero, merged);
  }

  /** Count, p50, p95, p99 and max in microseconds, each the upper bound of its bucket. */
  Latencies.Summary summary() {
    long total = zero + buckets.values().stream().mapToLong(Long::longValue).sum();
    if (total == 0) {
      return new Latencies.Summary(0, 0, 0, 0, 0);
    }
    long max = 0;
    for (Map.Entry<Integer, Long> bucket : buckets.entrySet()) {
      if (bucket.getValue() > 0) {
        max = upperBoundMicros(bucket.getKey());
      }
    }
    return new Latencies.Summary(total, percentile(total, 50), percentile(total, 95), percentile(total, 99), max);
  }

  /** Nearest rank, as {@link Latencies#percentile}: the bucket holding the value of that rank. */
  private long percentile(long total, double p) {
    long rank = Math.max(1, (long) Math.ceil(p / 100.0 * total));
    long seen = zero;
    if (seen >= rank) {
      return 0;
    }
    for (Map.Entry<Integer, Long> bucket : buckets.entrySet()) {
      seen += bucket.getValue();
      if (seen >= rank) {
        return upperBoundMicros(bucket.getKey());
      }
    }
    return upperBoundMicros(buckets.lastKey());
  }

  private long upperBoundMicros(int index) {
    return Math.round(Math.pow(2, index * Math.pow(2, -schema)) * 1_000_000);
  }
}
