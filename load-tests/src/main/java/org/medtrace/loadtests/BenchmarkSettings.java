package org.medtrace.loadtests;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** {@code medtrace.benchmark} (benchmark.conf), read once; every knob of the benchmark is here. */
record BenchmarkSettings(
    Duration warmUp,
    Duration duration,
    Duration progressEvery,
    String address,
    int cassandraCqlPort,
    int cassandraStoragePort,
    String cassandraHeap,
    int kafkaClientPort,
    int kafkaControllerPort,
    Path workDir,
    Path resultDir,
    int payloadBytes,
    int rawConcurrency,
    int rawPartitions,
    double rate,
    Duration rateCatchUp,
    int plainConcurrency,
    int plainEntities,
    int batches,
    int maxUnstored,
    int topicPartitions,
    Duration producerLinger,
    Duration fullPathDuration,
    Duration drainTimeout,
    boolean figures,
    int trailEvents,
    int trailWarmUp,
    int trailQueries,
    int chainEvents,
    int verifyRepetitions,
    List<String> parts) {

  static final String RAW_INSERTS = "raw-inserts";
  static final String PLAIN_ENTITY = "plain-entity";
  static final String FULL_PATH = "full-path";
  private static final List<String> PARTS = List.of(RAW_INSERTS, PLAIN_ENTITY, FULL_PATH);

  static BenchmarkSettings from(Config root) {
    Config c = root.getConfig("medtrace.benchmark");
    return new BenchmarkSettings(
        c.getDuration("warm-up"),
        c.getDuration("duration"),
        c.getDuration("progress-every"),
        c.getString("address"),
        c.getInt("cassandra-cql-port"),
        c.getInt("cassandra-storage-port"),
        c.getString("cassandra-heap"),
        c.getInt("kafka-client-port"),
        c.getInt("kafka-controller-port"),
        Path.of(c.getString("work-dir")).toAbsolutePath(),
        Path.of(c.getString("result-dir")).toAbsolutePath(),
        c.getInt("payload-bytes"),
        c.getInt("raw-inserts.concurrency"),
        c.getInt("raw-inserts.partitions"),
        c.getDouble("rate"),
        c.getDuration("rate-catch-up"),
        c.getInt("plain-entity.concurrency"),
        c.getInt("plain-entity.entities"),
        c.getInt("full-path.batches"),
        c.getInt("full-path.max-unstored"),
        c.getInt("full-path.topic-partitions"),
        c.getDuration("full-path.producer-linger"),
        c.getDuration("full-path.duration"),
        c.getDuration("full-path.drain-timeout"),
        c.getBoolean("figures.enabled"),
        c.getInt("figures.trail-events"),
        c.getInt("figures.trail-warm-up"),
        c.getInt("figures.trail-queries"),
        c.getInt("figures.chain-events"),
        c.getInt("figures.verify-repetitions"),
        parts(c.getString("parts")));
  }

  private static List<String> parts(String commaSeparated) {
    List<String> parts = Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(part -> !part.isEmpty()).toList();
    for (String part : parts) {
      if (!PARTS.contains(part)) {
        throw new IllegalArgumentException("medtrace.benchmark.parts: unknown part '" + part + "', known: " + PARTS);
      }
    }
    return parts;
  }

  /** Whether (a), (b) and (c) all run: only then do the throughput ratios (c)/(a) and (c)/(b) mean anything. */
  boolean runsAllParts() {
    return parts.containsAll(PARTS);
  }

  /** Whether part {@code part} ({@link #RAW_INSERTS}, {@link #PLAIN_ENTITY} or {@link #FULL_PATH}) runs. */
  boolean runs(String part) {
    return parts.contains(part);
  }

  BenchmarkSettings withPayloadBytes(int value) {
    return new BenchmarkSettings(
        warmUp, duration, progressEvery, address, cassandraCqlPort, cassandraStoragePort, cassandraHeap, kafkaClientPort,
        kafkaControllerPort, workDir, resultDir, value, rawConcurrency, rawPartitions, rate, rateCatchUp, plainConcurrency, plainEntities, batches,
        maxUnstored, topicPartitions, producerLinger, fullPathDuration, drainTimeout, figures, trailEvents, trailWarmUp, trailQueries, chainEvents, verifyRepetitions, parts);
  }

  /** Whether (b) and (c) offer their events at {@link #rate} rather than as fast as they go. */
  boolean fixedRate() {
    return rate > 0;
  }

  String cassandraContactPoint() {
    return address + ":" + cassandraCqlPort;
  }

  String kafkaBootstrapServers() {
    return address + ":" + kafkaClientPort;
  }
}
