package org.medtrace.loadtests;

import com.google.protobuf.Timestamp;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.medtrace.actors.batch.BatchId;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Asks;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.actors.ledger.Role;
import org.medtrace.ingest.IngestPipelines;
import org.medtrace.ingest.v1.ReadingKind;
import org.medtrace.ingest.v1.SensorReading;
import org.medtrace.ingest.v1.SubjectType;
import org.medtrace.globallog.GlobalLog;
import org.medtrace.globallog.LogTables;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.merkle.LogFormat;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.TrustedKeys;
import org.medtrace.persistence.chain.VerificationResult;
import org.medtrace.persistence.journal.JournalChainVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Part (c): medtrace's full path. Temperature readings for many registered drug batches go to the
 * sensor-readings topic; the node's own ingest pipeline consumes them, asks the sharded {@link
 * DrugBatch} entities and the hash-chained journal stores them. Throughput is the node's
 * {@code medtrace_ingest_messages_stored_total} over the measured window; latency is a reading's
 * {@code measured_at} to its event's {@code recorded_at} in the journal (the entity's clock when it
 * sealed the event, just before the journal write). As fast as it goes, {@code measured_at} is the
 * moment the reading is handed to the producer; at a fixed rate ({@code medtrace.benchmark.rate})
 * reading {@code i} is due at {@code start + i / rate} and {@code measured_at} is that intended
 * time, however late it is sent, so that a stall counts for every reading due during it.
 *
 * <p>Then it checks what was stored: every produced reading is in its batch's chain exactly once,
 * and every batch's chain verifies.
 */
final class FullIngestPath {

  private static final Logger log = LoggerFactory.getLogger(FullIngestPath.class);

  /** A GS1 test GTIN; the lots make the batches. */
  static final String GTIN = "09506000134352";

  /** The longest the producer sleeps before a reading is due, so that progress and samples stay on time. */
  private static final long MAX_PARK_NANOS = 1_000_000;

  private static final ActingParty MANUFACTURER = new ActingParty("acme-pharma", "benchmark", Role.MANUFACTURER);

  private final ActorSystem<?> system;
  private final BenchmarkSettings settings;
  private final NodeCounters counters;
  private final TrustedKeys trustedKeys;
  private final String topic;
  private final List<String> batches = new ArrayList<>();

  FullIngestPath(ActorSystem<?> system, BenchmarkSettings settings, PrometheusRegistry metrics, TrustedKeys trustedKeys, String topic) {
    this.system = system;
    this.settings = settings;
    this.counters = new NodeCounters(metrics, IngestPipelines.SENSOR_READINGS);
    this.trustedKeys = trustedKeys;
    this.topic = topic;
  }

  /** The outcome: the measurement, and what the correctness check found wrong (empty: nothing). */
  record Outcome(
      PartResult result,
      PartResult commit,
      PartResult logInclusion,
      PartResult logCheckpointed,
      List<String> problems,
      long produced,
      long eventsChecked) {}

  /** One stored event of a batch: its sequence number, when it was sealed, and whether it was produced in the measured window. */
  private record StoredEvent(long sequenceNumber, long recordedAtMicros, boolean measured) {}

  /** Produces, measures and checks; tells {@code window} when (c)'s measured window opens and closes. */
  Outcome run(LoadLoop.Window window) throws Exception {
    registerBatches();
    long[] nextSequence = new long[settings.batches()];
    long produced;
    long storedAtStart;
    CommitLatencies commitsAtStart = new CommitLatencies(0, 0, new java.util.TreeMap<>());
    long storedAtEnd;
    long measureFromMillis;
    long measureToMillis;
    AtomicReference<Exception> sendFailure = new AtomicReference<>();
    // On the wall clock, as the latencies come from the events' timestamps.
    long startMillis = System.currentTimeMillis();
    Timeline timeline = new Timeline(startMillis * 1_000_000L);
    long notSent;
    // The window the latencies are taken from: by send time, or by due time at a fixed rate.
    long latencyFromMillis;
    long latencyToMillis;
    try (KafkaProducer<String, byte[]> producer = producer()) {
      Instant startInstant = Instant.now();
      LoadSchedule schedule = LoadSchedule.of(settings, System.nanoTime(), settings.fullPathDuration());
      long start = schedule.startNanos();
      // The timeline's per-second counts come from a thread of their own: the loop below can be held
      // up for more than a second (the producer's send may block), and a sample it took late would
      // put two seconds' events in one second and none in the other.
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(FullIngestPath::samplerThread);
      long[] storedAtLastSample = {counters.stored()};
      sampler.scheduleAtFixedRate(
          () -> {
            long stored = counters.stored();
            timeline.completedCount(System.currentTimeMillis() * 1_000_000L - 1, stored - storedAtLastSample[0]);
            storedAtLastSample[0] = stored;
          },
          1,
          1,
          TimeUnit.SECONDS);
      long measureFrom = schedule.measureFromNanos();
      long nextProgress = start + settings.progressEvery().toNanos();
      long lastStored = 0;
      long lastProgressAt = start;
      long storedNow = 0;
      storedAtStart = -1;
      measureFromMillis = 0;
      long count = 0;
      while (sendFailure.get() == null) {
        long now = System.nanoTime();
        if (schedule.finished(count, now)) {
          break;
        }
        if (storedAtStart < 0 && now >= measureFrom) {
          window.opened();
          storedAtStart = counters.stored();
          commitsAtStart = counters.commitLatencies();
          measureFromMillis = System.currentTimeMillis();
        }
        if (now >= nextProgress) {
          storedNow = counters.stored();
          log.info(
              "(c) medtrace full path: {} {} stored/s, {} produced, {} not yet stored, {} dead-lettered",
              lastProgressAt < measureFrom ? "warming up," : now > schedule.endNanos() ? "catching up," : "measuring,",
              Math.round((storedNow - lastStored) / ((now - lastProgressAt) / 1e9)),
              count,
              count - storedNow,
              counters.deadLettered());
          lastStored = storedNow;
          lastProgressAt = now;
          nextProgress += settings.progressEvery().toNanos();
        }
        if (count - storedNow >= settings.maxUnstored()) {
          Thread.sleep(5);
          storedNow = counters.stored();
          continue;
        }
        long due = schedule.dueNanos(count, now);
        if (due > now) {
          LockSupport.parkNanos(Math.min(due - now, MAX_PARK_NANOS));
          continue;
        }
        int batch = (int) (count % settings.batches());
        long sequence = ++nextSequence[batch];
        Instant producedAt = schedule.fixedRate() ? startInstant.plusNanos(due - start) : Instant.now();
        SensorReading reading =
            SensorReading.newBuilder()
                .setSensorId(sensorId(batch))
                .setSubjectType(SubjectType.SUBJECT_TYPE_DRUG_BATCH)
                .setSubjectId(batches.get(batch))
                .setKind(ReadingKind.READING_KIND_TEMPERATURE)
                .setValue(5.0)
                .setUnit("CEL")
                .setMeasuredAt(Timestamp.newBuilder().setSeconds(producedAt.getEpochSecond()).setNanos(producedAt.getNano()))
                .setSequenceNumber(sequence)
                .build();
        producer.send(
            // The record's timestamp is the reading's: the node's commit latency counts from it.
            new ProducerRecord<>(topic, null, producedAt.toEpochMilli(), batches.get(batch), reading.toByteArray()),
            (metadata, failure) -> {
              if (failure != null) {
                sendFailure.compareAndSet(null, failure);
              }
            });
        count++;
        if (count % 256 == 0) {
          storedNow = counters.stored();
        }
      }
      sampler.shutdownNow();
      storedAtEnd = counters.stored();
      measureToMillis = System.currentTimeMillis();
      if (storedAtStart < 0) {
        window.opened();
      }
      window.closed();
      producer.flush();
      produced = count;
      notSent = schedule.notSent(count);
      if (schedule.fixedRate()) {
        latencyFromMillis = startInstant.plusNanos(measureFrom - start).toEpochMilli();
        latencyToMillis = startInstant.plusNanos(schedule.endNanos() - start).toEpochMilli();
      } else {
        latencyFromMillis = measureFromMillis;
        latencyToMillis = measureToMillis;
      }
    }
    if (notSent > 0) {
      log.warn("(c) {} readings due in the window were not produced by the end of the catch-up time", notSent);
    }
    if (sendFailure.get() != null) {
      throw new IllegalStateException("producing readings failed", sendFailure.get());
    }
    log.info("(c) produced {} readings; waiting for the pipeline to store the rest", produced);
    awaitStored(produced);
    Latencies.Summary commits = counters.commitLatencies().since(commitsAtStart).summary();

    Latencies latencies = new Latencies();
    List<String> problems = new ArrayList<>();
    Map<String, List<StoredEvent>> stored = new HashMap<>();
    long checked =
        checkLedger(nextSequence, measureFromMillis, measureToMillis, latencyFromMillis, latencyToMillis, latencies, timeline, problems, stored);
    Latencies logDelays = new Latencies();
    Latencies checkpointDelays = new Latencies();
    checkLog(stored, logDelays, checkpointDelays, problems);
    long deadLettered = counters.deadLettered();
    if (deadLettered > 0) {
      problems.add(deadLettered + " readings were dead-lettered");
    }
    double seconds = (measureToMillis - measureFromMillis) / 1000.0;
    PartResult result =
        new PartResult(
            "(c) medtrace full path",
            storedAtEnd - storedAtStart,
            seconds,
            deadLettered + notSent,
            latencies.summary(),
            settings.fixedRate() ? "due (fixed rate) → recorded_at" : "produced → recorded_at",
            timeline,
            settings.warmUp().toNanos() / 1e9);
    PartResult commit =
        new PartResult(
            "(c) commit, from the node's histogram",
            commits.count(),
            seconds,
            0,
            commits,
            settings.fixedRate() ? "due → stored (bucket bound, ≤ 4.4 % high)" : "produced → stored (bucket bound, ≤ 4.4 % high)");
    PartResult logInclusion =
        new PartResult(
            "(c) global log: leaves of those events", logDelays.count(), seconds, 0, logDelays.summary(), "recorded_at → leaf durable");
    PartResult logCheckpointed =
        new PartResult(
            "(c) global log: in a signed checkpoint", checkpointDelays.count(), seconds, 0, checkpointDelays.summary(),
            "recorded_at → checkpoint stored");
    return new Outcome(result, commit, logInclusion, logCheckpointed, problems, produced, checked);
  }

  private static String sensorId(int batch) {
    return "bench-sensor-" + batch;
  }

  private void registerBatches() throws Exception {
    ClusterSharding sharding = ClusterSharding.get(system);
    String run = Long.toString(System.currentTimeMillis(), 36).toUpperCase();
    // A few hundred at a time, as (b) starts its entities: a thousand first writes at once on a busy
    // machine time out in the driver and stop their entities.
    List<CompletableFuture<CommandResult>> replies = new ArrayList<>();
    for (int i = 0; i < settings.batches(); i++) {
      String id = new BatchId(GTIN, "BENCH" + run + "N" + i).entityId();
      batches.add(id);
      replies.add(register(sharding, id));
      if (replies.size() == PlainEntityAsks.STARTING_AT_ONCE || i == settings.batches() - 1) {
        for (CompletableFuture<CommandResult> reply : replies) {
          CommandResult result = reply.get(120, TimeUnit.SECONDS);
          if (!(result instanceof CommandResult.Accepted)) {
            throw new IllegalStateException("registering a batch of the benchmark was not accepted: " + result);
          }
        }
        replies.clear();
      }
    }
    log.info("(c) registered {} drug batches", batches.size());
  }

  /** Registers drug batch {@code entityId} (a benchmark vaccine, cold chain) as the benchmark's manufacturer. */
  static CompletableFuture<CommandResult> register(ClusterSharding sharding, String entityId) {
    return Asks.<DrugBatch.Command, CommandResult>ask(
        sharding.entityRefFor(DrugBatch.TYPE_KEY, entityId),
        replyTo ->
            new DrugBatch.Register(
                "Benchmark vaccine",
                LocalDate.now().plusYears(2),
                1000,
                "ab".repeat(32),
                DrugBatch.TemperatureRange.COLD_CHAIN,
                List.of(),
                MANUFACTURER,
                "",
                replyTo),
        Duration.ofSeconds(60));
  }

  private void awaitStored(long produced) throws InterruptedException {
    long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
    while (counters.stored() + counters.deadLettered() < produced && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
  }

  /**
   * Reads every batch's chain: each produced reading must appear exactly once, and the chain must
   * verify. Records the latency of readings whose {@code measured_at} lies in [{@code
   * latencyFromMillis}, {@code latencyToMillis}) (produced, or due at a fixed rate, within the
   * measured window), and every reading's on the timeline (by the second it was recorded in);
   * events sealed in [{@code fromMillis}, {@code toMillis}) count for the global log's delays.
   */
  private long checkLedger(
      long[] producedPerBatch,
      long fromMillis,
      long toMillis,
      long latencyFromMillis,
      long latencyToMillis,
      Latencies latencies,
      Timeline timeline,
      List<String> problems,
      Map<String, List<StoredEvent>> stored)
      throws Exception {
    CassandraReadJournal journal =
        PersistenceQuery.get(system).getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    JournalChainVerifier verifier = JournalChainVerifier.onCassandra(system, trustedKeys);
    AtomicLong checked = new AtomicLong();
    for (int batch = 0; batch < batches.size(); batch++) {
      String id = batches.get(batch);
      List<Object> events =
          journal
              .currentEventsByPersistenceId(JournalChainVerifier.persistenceId(DrugBatch.ENTITY_TYPE, id), 0L, Long.MAX_VALUE)
              .map(envelope -> envelope.event())
              .runWith(Sink.seq(), system)
              .toCompletableFuture()
              .get(60, TimeUnit.SECONDS);
      Map<String, Integer> timesStored = new HashMap<>();
      List<StoredEvent> batchEvents = new ArrayList<>();
      stored.put(id, batchEvents);
      for (Object event : events) {
        if (!(event instanceof ChainedEvent chained)) {
          problems.add("batch " + id + " holds an unreadable event: " + event);
          continue;
        }
        EventBody body = chained.body();
        long sealedMicros = body.getRecordedAt().getSeconds() * 1_000_000 + body.getRecordedAt().getNanos() / 1_000;
        batchEvents.add(
            new StoredEvent(chained.sequenceNumber(), sealedMicros, sealedMicros >= fromMillis * 1_000 && sealedMicros < toMillis * 1_000));
        if (!body.hasTemperatureRecorded()) {
          continue;
        }
        checked.incrementAndGet();
        timesStored.merge(body.getSourceMessageId(), 1, Integer::sum);
        Timestamp measured = body.getTemperatureRecorded().getReading().getMeasuredAt();
        long measuredMicros = measured.getSeconds() * 1_000_000 + measured.getNanos() / 1_000;
        long recordedMicros = body.getRecordedAt().getSeconds() * 1_000_000 + body.getRecordedAt().getNanos() / 1_000;
        if (measuredMicros >= latencyFromMillis * 1_000 && measuredMicros < latencyToMillis * 1_000) {
          latencies.add(recordedMicros - measuredMicros);
        }
        timeline.latency(recordedMicros * 1_000, recordedMicros - measuredMicros);
      }
      for (long sequence = 1; sequence <= producedPerBatch[batch]; sequence++) {
        String source = sensorId(batch) + "/" + sequence;
        int times = timesStored.getOrDefault(source, 0);
        if (times != 1) {
          problems.add("reading " + source + " of batch " + id + " is in the ledger " + times + " times");
        }
      }
      if (timesStored.size() != producedPerBatch[batch]) {
        problems.add("batch " + id + " holds " + timesStored.size() + " distinct readings, " + producedPerBatch[batch] + " were produced");
      }
      VerificationResult verification = verifier.verify(DrugBatch.ENTITY_TYPE, id).toCompletableFuture().get(60, TimeUnit.SECONDS);
      if (!(verification instanceof VerificationResult.Intact)) {
        problems.add("chain of batch " + id + " does not verify: " + verification);
      }
      if (problems.size() > 50) {
        problems.add("(stopped checking after 50 problems)");
        break;
      }
    }
    return checked.get();
  }

  /**
   * Waits (up to the drain timeout) until the global log holds every stored event of the batches,
   * checks that each is in it exactly once, and records two delays of the events sealed in the
   * measured window, from the event's recorded_at (sealed, just before the journal write): to its
   * leaf row's sequenced_at (the leaf durable), and to the published_at of the first signed
   * checkpoint of its slice that covers the leaf (from when an inclusion proof can be served).
   */
  private void checkLog(Map<String, List<StoredEvent>> stored, Latencies delays, Latencies checkpointDelays, List<String> problems)
      throws InterruptedException {
    LogTables tables = GlobalLog.tables(system);
    long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
    for (Map.Entry<String, List<StoredEvent>> batch : stored.entrySet()) {
      while (tables.entityHead(DrugBatch.ENTITY_TYPE, batch.getKey()) < batch.getValue().size() && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
    }
    Map<String, List<LogTables.StoredLeaf>> leaves = new HashMap<>();
    for (int slice = 0; slice < LogFormat.SLICE_COUNT; slice++) {
      long next = 0;
      List<LogTables.StoredLeaf> page;
      while (!(page = tables.leavesFrom(slice, next, 1000)).isEmpty()) {
        for (LogTables.StoredLeaf leaf : page) {
          leaves.computeIfAbsent(leaf.leaf().entityId() + "#" + leaf.leaf().sequenceNumber(), key -> new ArrayList<>()).add(leaf);
        }
        next += page.size();
      }
    }
    List<NavigableMap<Long, Instant>> checkpoints = checkpointsCovering(tables, leaves, deadline);
    for (Map.Entry<String, List<StoredEvent>> batch : stored.entrySet()) {
      for (StoredEvent event : batch.getValue()) {
        List<LogTables.StoredLeaf> found = leaves.getOrDefault(batch.getKey() + "#" + event.sequenceNumber(), List.of());
        if (found.size() != 1) {
          problems.add("event #" + event.sequenceNumber() + " of batch " + batch.getKey() + " is in the global log " + found.size() + " times");
        } else if (event.measured()) {
          LogTables.StoredLeaf leaf = found.get(0);
          delays.add(micros(leaf.sequencedAt()) - event.recordedAtMicros());
          // The first checkpoint whose tree holds the leaf: tree size above its index.
          Map.Entry<Long, Instant> covering = checkpoints.get(leaf.slice()).higherEntry(leaf.leafIndex());
          if (covering == null) {
            problems.add("event #" + event.sequenceNumber() + " of batch " + batch.getKey() + " is in no signed checkpoint");
          } else {
            checkpointDelays.add(micros(covering.getValue()) - event.recordedAtMicros());
          }
        }
      }
    }
  }

  /**
   * Each slice's checkpoints (tree size → published_at), once every slice's newest covers all of
   * its leaves that the run's events have (or the drain deadline passed): checkpoints follow the
   * leaves by up to the checkpoint interval.
   */
  private static List<NavigableMap<Long, Instant>> checkpointsCovering(
      LogTables tables, Map<String, List<LogTables.StoredLeaf>> leaves, long deadline) throws InterruptedException {
    long[] needed = new long[LogFormat.SLICE_COUNT];
    leaves.values().forEach(found -> found.forEach(leaf -> needed[leaf.slice()] = Math.max(needed[leaf.slice()], leaf.leafIndex() + 1)));
    for (int slice = 0; slice < LogFormat.SLICE_COUNT; slice++) {
      while (tables.latestCheckpoint(slice).map(LogTables.StoredCheckpoint::treeSize).orElse(0L) < needed[slice]
          && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
    }
    List<NavigableMap<Long, Instant>> checkpoints = new ArrayList<>();
    for (int slice = 0; slice < LogFormat.SLICE_COUNT; slice++) {
      NavigableMap<Long, Instant> bySize = new TreeMap<>();
      tables.checkpointsNewestFirst(slice, Integer.MAX_VALUE).forEach(checkpoint -> bySize.put(checkpoint.treeSize(), checkpoint.publishedAt()));
      checkpoints.add(bySize);
    }
    return checkpoints;
  }

  private static long micros(Instant instant) {
    return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1_000;
  }

  private KafkaProducer<String, byte[]> producer() {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrapServers());
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.LINGER_MS_CONFIG, (int) settings.producerLinger().toMillis());
    properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    return new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
  }

  /** A daemon: a run that fails in the loop leaves no thread keeping the JVM up. */
  private static Thread samplerThread(Runnable sample) {
    Thread thread = new Thread(sample, "full-path-timeline-sampler");
    thread.setDaemon(true);
    return thread;
  }
}
