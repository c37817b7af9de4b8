package org.medtrace.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Timestamp;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.medtrace.actors.batch.BatchId;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Asks;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.actors.ledger.LedgerSettings;
import org.medtrace.actors.ledger.Role;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.TemperatureReading;
import org.medtrace.ledger.v1.TemperatureRecorded;
import org.medtrace.persistence.chain.ChainHead;
import org.medtrace.persistence.chain.ChainVerifier;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.JournalRecord;
import org.medtrace.persistence.chain.LedgerSigner;
import org.medtrace.persistence.chain.TrustedKeys;
import org.medtrace.persistence.chain.VerificationResult;
import org.medtrace.persistence.journal.ChainWriter;
import org.medtrace.persistence.journal.ChunkedJournalReader;
import org.medtrace.persistence.journal.JournalChainVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The benchmark's other figures (issue 7, item 2), after the side-by-side parts, on the same node:
 * the latency of reading a batch's whole trail of {@code trail-events} events through the HTTP API,
 * and the time to verify a chain of {@code chain-events} events, in memory and from Cassandra.
 */
final class LedgerFigures {

  private static final Logger log = LoggerFactory.getLogger(LedgerFigures.class);

  /** Events per journal write when storing the long chain (a Cassandra batch well under its 50 KB limit). */
  private static final int EVENTS_PER_WRITE = 50;

  /** The sharded {@link ChainWriter}s that store the chain; the entity id is the persistence id written. */
  private static final EntityTypeKey<ChainWriter.Append> CHAIN_WRITER = EntityTypeKey.create(ChainWriter.Append.class, "bench-chain-writer");

  private static final ActingParty SENSOR_GATEWAY = new ActingParty("cold-logistics", "bench-figures", Role.LOGISTICS);

  /** One figure: a latency distribution, or a duration in seconds; {@code how} says what was timed. */
  record Figure(String name, Latencies.Summary latency, double seconds, String how) {

    String line() {
      return latency != null
          ? String.format(
              Locale.ROOT,
              "%-44s p50 %s ms, p95 %s ms, p99 %s ms, max %s ms over %d (%s)",
              name,
              BenchmarkReport.millis(latency.p50()),
              BenchmarkReport.millis(latency.p95()),
              BenchmarkReport.millis(latency.p99()),
              BenchmarkReport.millis(latency.max()),
              latency.count(),
              how)
          : String.format(Locale.ROOT, "%-44s %.3f s (%s)", name, seconds, how);
    }
  }

  private final ActorSystem<?> system;
  private final BenchmarkSettings settings;
  private final LedgerSettings ledger;
  private final TrustedKeys trustedKeys;
  private final ClusterSharding sharding;
  /** The largest trail page the node's API serves ({@code medtrace.http.max-page-size}): a client reads as much at once as it may. */
  private final int trailPage;
  private final String run = Long.toString(System.currentTimeMillis(), 36).toUpperCase(Locale.ROOT);

  LedgerFigures(ActorSystem<?> system, BenchmarkSettings settings, LedgerSettings ledger, TrustedKeys trustedKeys) {
    this.system = system;
    this.settings = settings;
    this.ledger = ledger;
    this.trustedKeys = trustedKeys;
    this.sharding = ClusterSharding.get(system);
    this.trailPage = system.settings().config().getInt("medtrace.http.max-page-size");
  }

  /**
   * Registers a batch, records {@code trail-events - 1} readings on it through the entity, then
   * reads its whole trail ({@code medtrace.http.max-page-size} events a page, following {@code nextFrom}) over
   * HTTP with a regulator's token, {@code trail-queries} times after {@code trail-warm-up}. Each
   * read must return every event, in order. Two figures: the warm-up reads, the first trail reads
   * this node's JVM serves (its JIT compiles the read path meanwhile), and the reads after them (a
   * node that has served trails before).
   */
  List<Figure> trailQuery(InetSocketAddress api, String token) throws Exception {
    int events = settings.trailEvents();
    String entityId = new BatchId(FullIngestPath.GTIN, "TRAIL" + run).entityId();
    CommandResult registered = FullIngestPath.register(sharding, entityId).get(60, TimeUnit.SECONDS);
    if (!(registered instanceof CommandResult.Accepted)) {
      throw new IllegalStateException("registering the trail batch was not accepted: " + registered);
    }
    List<CompletableFuture<CommandResult>> window = new ArrayList<>();
    for (int i = 1; i < events; i++) {
      String source = "trail/" + i;
      window.add(
          Asks.<DrugBatch.Command, CommandResult>ask(
              sharding.entityRefFor(DrugBatch.TYPE_KEY, entityId),
              replyTo -> new DrugBatch.RecordTemperature("bench-figures", Instant.now(), 5.0, SENSOR_GATEWAY, source, replyTo),
              Duration.ofSeconds(60)));
      if (window.size() == 100 || i == events - 1) {
        for (CompletableFuture<CommandResult> reply : window) {
          if (!(reply.get(60, TimeUnit.SECONDS) instanceof CommandResult.Accepted accepted)) {
            throw new IllegalStateException("a reading of the trail batch was not accepted: " + reply.get());
          }
        }
        window.clear();
      }
    }
    log.info("Figures: batch {} holds {} events; reading its trail over HTTP", entityId, events);

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    BatchId id = BatchId.fromEntityId(entityId);
    String trail = "http://" + api.getHostString() + ":" + api.getPort() + "/api/v1/batches/" + id.gtin() + "/" + id.lot() + "/trail";
    ObjectMapper json = new ObjectMapper();
    Latencies firstReads = new Latencies();
    Latencies latencies = new Latencies();
    for (int i = 0; i < settings.trailWarmUp() + settings.trailQueries(); i++) {
      long started = System.nanoTime();
      long read = 0;
      long from = 1;
      while (true) {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(URI.create(trail + "?limit=" + trailPage + "&from=" + from))
                    .header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          throw new IllegalStateException("GET " + trail + " answered " + response.statusCode() + ": " + response.body());
        }
        JsonNode page = json.readTree(response.body());
        for (JsonNode event : page.get("events")) {
          if (event.get("sequenceNumber").asLong() != ++read) {
            throw new IllegalStateException("the trail returned #" + event.get("sequenceNumber") + " where #" + read + " was due");
          }
        }
        if (!page.hasNonNull("nextFrom")) {
          break;
        }
        from = page.get("nextFrom").asLong();
      }
      long micros = (System.nanoTime() - started) / 1_000;
      if (read != events) {
        throw new IllegalStateException("the trail returned " + read + " events, the batch holds " + events);
      }
      (i < settings.trailWarmUp() ? firstReads : latencies).add(micros);
    }
    String how = "GET .../trail?limit=" + trailPage + " and its next pages, one after another, ";
    String name = "trail of a " + events + "-event batch over HTTP";
    Figure warm = new Figure(name, latencies.summary(), 0, how + "after " + settings.trailWarmUp() + " warm-up reads");
    return settings.trailWarmUp() == 0
        ? List.of(warm)
        : List.of(
            new Figure(name + ", first reads", firstReads.summary(), 0, how + "the node's first " + settings.trailWarmUp() + " trail reads"),
            warm);
  }

  /**
   * Seals {@code chain-events} temperature events onto one batch's chain in memory, verifies them
   * in memory, stores them on the Cassandra journal and verifies them from there as {@code GET
   * .../verify} does ({@link JournalChainVerifier}); then seals and verifies in memory a chain of as
   * many events signed with a fresh Ed25519 key. Every verification must find the chain intact
   * with all its events. The verifications run {@code verify-repetitions} times; the figure is the
   * fastest and the slowest.
   */
  List<Figure> chainVerification() throws Exception {
    int events = settings.chainEvents();
    String entityId = new BatchId(FullIngestPath.GTIN, "CHAIN" + run).entityId();
    long sealStarted = System.nanoTime();
    List<JournalRecord> chain = seal(entityId, events, ledger.signer());
    double sealSeconds = (System.nanoTime() - sealStarted) / 1e9;
    List<Double> inMemory = verifyInMemory(entityId, chain, trustedKeys);

    // The same with every event signed (Ed25519), as a node with a signing key stores them.
    KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    String signedId = new BatchId(FullIngestPath.GTIN, "SIGNED" + run).entityId();
    long signedSealStarted = System.nanoTime();
    List<JournalRecord> signedChain = seal(signedId, events, Optional.of(new LedgerSigner("bench-key", key.getPrivate())));
    double signedSealSeconds = (System.nanoTime() - signedSealStarted) / 1e9;
    TrustedKeys signedKeys = new TrustedKeys(Map.of("bench-key", key.getPublic()));
    List<Double> signedInMemory = verifyInMemory(signedId, signedChain, signedKeys);
    List<Double> signedInGroups = verifyInMemoryInGroups(signedId, signedChain, signedKeys);
    List<Double> jdkSignatures = jdkSignatureChecks(signedChain, key.getPublic());

    long storeStarted = System.nanoTime();
    store(entityId, chain);
    double storeSeconds = (System.nanoTime() - storeStarted) / 1e9;
    log.info("Figures: stored a chain of {} events in {} s; verifying it from Cassandra", events, String.format(Locale.ROOT, "%.1f", storeSeconds));

    JournalChainVerifier journal = JournalChainVerifier.onCassandra(system, trustedKeys);
    List<Double> fromCassandra = new ArrayList<>();
    for (int i = 0; i < settings.verifyRepetitions(); i++) {
      long started = System.nanoTime();
      VerificationResult result = journal.verify(DrugBatch.ENTITY_TYPE, entityId).toCompletableFuture().get(10, TimeUnit.MINUTES);
      expectIntact(result, events);
      fromCassandra.add((System.nanoTime() - started) / 1e9);
    }
    String signed = ledger.signer().isPresent() ? "signed" : "unsigned";
    return List.of(
        new Figure("seal " + events + " events (" + signed + ")", null, sealSeconds, "hash chain in memory, one thread"),
        new Figure(
            "verify " + events + " events in memory (" + signed + ")",
            null,
            min(inMemory),
            "ChainVerifier over sealed records; fastest of " + inMemory.size() + ", slowest " + format(max(inMemory)) + " s"),
        new Figure("seal " + events + " events (signed)", null, signedSealSeconds, "hash chain + Ed25519 signature in memory, one thread"),
        new Figure(
            "verify " + events + " events in memory (signed)",
            null,
            min(signedInMemory),
            "ChainVerifier.accept row by row, one thread, with the signatures; fastest of "
                + signedInMemory.size()
                + ", slowest "
                + format(max(signedInMemory))
                + " s"),
        new Figure(
            "verify " + events + " events in memory (signed, parallel)",
            null,
            min(signedInGroups),
            "ChainVerifier.acceptAll in groups of "
                + JournalChainVerifier.ROWS_CHECKED_AT_ONCE
                + " as GET .../verify does: signatures on "
                + Runtime.getRuntime().availableProcessors()
                + " cores, links in order; fastest of "
                + signedInGroups.size()
                + ", slowest "
                + format(max(signedInGroups))
                + " s"),
        new Figure(
            "the same " + events + " signatures with the JDK",
            null,
            min(jdkSignatures),
            "java.security.Signature Ed25519 verify (SunEC), one thread, signatures alone (what ChainVerifier used before"
                + " Bouncy Castle); fastest of "
                + jdkSignatures.size()
                + ", slowest "
                + format(max(jdkSignatures))
                + " s"),
        new Figure(
            "verify " + events + " events from Cassandra (" + signed + ")",
            null,
            min(fromCassandra),
            "JournalChainVerifier (journal query in chunks of "
                + ChunkedJournalReader.ROWS_PER_CHUNK
                + " sequence numbers, "
                + ChunkedJournalReader.CHUNKS_IN_FLIGHT
                + " at once, + ChainVerifier); fastest of "
                + fromCassandra.size()
                + ", slowest "
                + format(max(fromCassandra))
                + " s; storing them took "
                + format(storeSeconds)
                + " s"));
  }

  private List<Double> verifyInMemory(String entityId, List<JournalRecord> chain, TrustedKeys keys) {
    List<Double> seconds = new ArrayList<>();
    for (int i = 0; i < settings.verifyRepetitions(); i++) {
      long started = System.nanoTime();
      ChainVerifier verifier = new ChainVerifier(DrugBatch.ENTITY_TYPE, entityId, keys);
      for (JournalRecord record : chain) {
        verifier.accept(((ChainedEvent) record).sequenceNumber(), record);
      }
      expectIntact(verifier.result(), chain.size());
      seconds.add((System.nanoTime() - started) / 1e9);
    }
    return seconds;
  }

  /** {@link #verifyInMemory} through {@link ChainVerifier#acceptAll}, as {@link JournalChainVerifier} feeds it. */
  private List<Double> verifyInMemoryInGroups(String entityId, List<JournalRecord> chain, TrustedKeys keys) {
    List<ChainVerifier.StoredRow> rows = chain.stream().map(record -> new ChainVerifier.StoredRow(((ChainedEvent) record).sequenceNumber(), record)).toList();
    List<Double> seconds = new ArrayList<>();
    for (int i = 0; i < settings.verifyRepetitions(); i++) {
      long started = System.nanoTime();
      ChainVerifier verifier = new ChainVerifier(DrugBatch.ENTITY_TYPE, entityId, keys);
      for (int from = 0; from < rows.size(); from += JournalChainVerifier.ROWS_CHECKED_AT_ONCE) {
        verifier.acceptAll(rows.subList(from, Math.min(rows.size(), from + JournalChainVerifier.ROWS_CHECKED_AT_ONCE)));
      }
      expectIntact(verifier.result(), chain.size());
      seconds.add((System.nanoTime() - started) / 1e9);
    }
    return seconds;
  }

  /** The chain's signatures checked by the JDK's own Ed25519, one after another: the reference for the figures above. */
  private List<Double> jdkSignatureChecks(List<JournalRecord> chain, PublicKey key) throws GeneralSecurityException {
    List<Double> seconds = new ArrayList<>();
    for (int i = 0; i < settings.verifyRepetitions(); i++) {
      long started = System.nanoTime();
      for (JournalRecord record : chain) {
        ChainedEvent event = (ChainedEvent) record;
        Signature signature = Signature.getInstance("Ed25519");
        signature.initVerify(key);
        signature.update(event.hash());
        if (!signature.verify(event.envelope().getSignature().toByteArray())) {
          throw new IllegalStateException("the JDK rejects the signature of event #" + event.sequenceNumber());
        }
      }
      seconds.add((System.nanoTime() - started) / 1e9);
    }
    return seconds;
  }

  private static List<JournalRecord> seal(String entityId, int events, Optional<LedgerSigner> signer) {
    List<JournalRecord> chain = new ArrayList<>(events);
    ChainHead head = ChainHead.genesis(DrugBatch.ENTITY_TYPE, entityId);
    Instant at = Instant.now();
    Timestamp recordedAt = Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    for (int i = 1; i <= events; i++) {
      EventBody.Builder body =
          EventBody.newBuilder()
              .setRecordedAt(recordedAt)
              .setActingParty(SENSOR_GATEWAY.toProto())
              .setSourceMessageId("chain/" + i)
              .setTemperatureRecorded(
                  TemperatureRecorded.newBuilder()
                      .setReading(TemperatureReading.newBuilder().setSensorId("bench-figures").setMeasuredAt(recordedAt).setCelsius(5.0))
                      .setWithinRange(true));
      ChainedEvent sealed = ChainedEvent.seal(head, body, signer);
      chain.add(sealed);
      head = head.advanceTo(sealed);
    }
    return chain;
  }

  private void store(String entityId, List<JournalRecord> chain) throws Exception {
    sharding.init(Entity.of(CHAIN_WRITER, context -> ChainWriter.create(context.getEntityId())));
    String persistenceId = JournalChainVerifier.persistenceId(DrugBatch.ENTITY_TYPE, entityId);
    // A few writes queued at the entity, so that it never waits for the next one.
    List<CompletableFuture<Long>> inFlight = new ArrayList<>();
    for (int from = 0; from < chain.size(); from += EVENTS_PER_WRITE) {
      List<JournalRecord> slice = List.copyOf(chain.subList(from, Math.min(chain.size(), from + EVENTS_PER_WRITE)));
      inFlight.add(
          Asks.<ChainWriter.Append, Long>ask(
              sharding.entityRefFor(CHAIN_WRITER, persistenceId),
              replyTo -> new ChainWriter.Append(slice, replyTo),
              Duration.ofSeconds(120)));
      if (inFlight.size() == 8) {
        inFlight.remove(0).get(120, TimeUnit.SECONDS);
      }
    }
    for (CompletableFuture<Long> write : inFlight) {
      write.get(120, TimeUnit.SECONDS);
    }
  }

  private static void expectIntact(VerificationResult result, int events) {
    if (!(result instanceof VerificationResult.Intact intact) || intact.length() != events) {
      throw new IllegalStateException("the " + events + "-event chain did not verify intact: " + result);
    }
  }

  private static double min(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  private static double max(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  private static String format(double seconds) {
    return String.format(Locale.ROOT, "%.3f", seconds);
  }
}
