package org.medtrace.ingest.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.pattern.Patterns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.actors.ledger.SubmissionCertificates;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.identity.NetworkCa;
import org.medtrace.identity.SignedRecord;
import org.medtrace.ingest.IngestMetrics;
import org.medtrace.ingest.IngestPipelines;
import org.medtrace.ingest.IngestSettings;
import org.medtrace.ingest.LedgerTestNode;
import org.medtrace.ingest.Samples;
import org.medtrace.ingest.epcis.EpcisSamples;
import org.medtrace.ingest.kafka.RealKafka;
import org.medtrace.ingest.lab.LabResultDecoder;
import org.medtrace.ingest.route.DecodedItem;
import org.medtrace.ingest.route.LedgerRouter;
import org.medtrace.ingest.route.RoutedCommand;
import org.medtrace.ingest.route.SourceRecord;
import org.medtrace.ingest.sensor.SensorReadingDecoder;
import org.medtrace.ingest.sensor.SensorReadings;
import org.medtrace.ingest.sensor.SequenceGaps;
import org.medtrace.ingest.signing.RecordSigner;
import org.medtrace.ingest.signing.SignedRecords;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.persistence.cassandra.RealCassandra;
import org.medtrace.persistence.chain.VerificationResult;

/**
 * The pipelines against the real Kafka and the real Cassandra: a few thousand mixed messages end
 * up on the ledger exactly once each or in the dead-letter topics with their reasons; a pipeline
 * that fails midway (replies lost after the write) or is stopped and started again loses nothing
 * and doubles nothing; a slow entity lets the lag grow while asks in flight stay bounded; signed
 * records are stored with their signature, and those whose signature does not hold are dead-lettered
 * with the reason, storing nothing.
 */
@ExtendWith({RealCassandra.class, RealKafka.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaIngestTest {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final Instant START = Instant.parse("2026-11-10T08:00:00Z");

  private LedgerTestNode node;
  private KafkaProducer<String, byte[]> producer;
  private Admin admin;
  private final List<Future<RecordMetadata>> unconfirmedSends = new ArrayList<>();

  @BeforeAll
  void start() {
    // Commits every half second (production: up to 10 s), so that tests see them soon.
    node = LedgerTestNode.start("KafkaIngestTest", "ingest_kafka_it", ConfigFactory.parseString("pekko.kafka.committer.max-interval = 500ms"));
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, RealKafka.bootstrapServers());
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    // The test's own producer must deliver every record exactly once and in order, on a machine so
    // loaded that requests time out. The idempotent producer (Kafka's default) did not: after a
    // timeout it resent a partition's first batch with sequence number 0 while the broker already
    // held 0..7, the broker refused it as out of order until the batch expired, and the records
    // were never in the topic — which looked like the pipeline losing them. One request in flight
    // keeps the order without sequence numbers, and a long request timeout avoids the resends.
    properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
    properties.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "120000");
    properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "300000");
    producer = new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
    Properties adminProperties = new Properties();
    adminProperties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, RealKafka.bootstrapServers());
    admin = Admin.create(adminProperties);
  }

  @AfterAll
  void stop() {
    if (producer != null) {
      producer.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aFewThousandMixedMessagesAreStoredOnceEachOrDeadLetteredWithTheirReason() throws Exception {
    String prefix = "mixed";
    IngestSettings settings = settings(prefix, 16);
    createTopics(settings);
    IngestPipelines pipelines = IngestPipelines.start(node.system(), settings, new PrometheusRegistry());
    try {
      // Twenty batches through their EPCIS lifecycle first: the readings need registered batches.
      List<String> lots = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        String lot = "MIX-" + i;
        lots.add(lot);
        send(settings.epcisEvents().topic(), EpcisSamples.batchId(lot), EpcisSamples.withLot("supply-chain-lifecycle.jsonld", lot));
      }
      send(settings.epcisEvents().topic(), "x", "{\"not\": \"epcis\"}".getBytes(StandardCharsets.UTF_8));
      flushAndConfirmSends();
      try {
        awaitStored(pipelines.metrics(), IngestPipelines.EPCIS_EVENTS, 20);
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; dead letters:\n" + deadLettersOf(settings.epcisEvents().topic() + ".dlq"), e);
      }

      // 2000 readings in range, 100 of them sent twice, 50 garbage, 20 humidity.
      List<byte[]> readings = new ArrayList<>();
      for (String lot : lots) {
        for (int n = 1; n <= 100; n++) {
          byte[] reading = SensorReadings.temperature("logger-" + lot, n, EpcisSamples.batchId(lot), 5.0, START.plusSeconds(n)).toByteArray();
          send(settings.sensorReadings().topic(), EpcisSamples.batchId(lot), reading);
          if (n % 20 == 0) {
            readings.add(reading);
            send(settings.sensorReadings().topic(), EpcisSamples.batchId(lot), reading);
          }
        }
      }
      for (int i = 0; i < 50; i++) {
        send(settings.sensorReadings().topic(), "garbage-" + i, new byte[] {(byte) 0xff, (byte) i, 0x01});
      }
      for (int i = 0; i < 20; i++) {
        send(settings.sensorReadings().topic(), EpcisSamples.batchId(lots.get(i)),
            SensorReadings.temperature("hygro-" + i, 1, EpcisSamples.batchId(lots.get(i)), 60, START).toBuilder()
                .setKind(org.medtrace.ingest.v1.ReadingKind.READING_KIND_HUMIDITY).setUnit("%").build().toByteArray());
      }
      // 200 lab results of 200 patients, 20 resent, 20 ADT messages, 20 truncated.
      String template = new String(Samples.bytes("hl7/oru-r01-v251-cbc.hl7"), StandardCharsets.UTF_8);
      for (int i = 0; i < 200; i++) {
        byte[] result = template.replace("CL-20261103-0001", "CL-MIX-" + i).replace("4711^^^STMARY^MR", (90000 + i) + "^^^STMARY^MR").getBytes(StandardCharsets.UTF_8);
        send(settings.labResults().topic(), "CL-MIX-" + i, result);
        if (i % 10 == 0) {
          send(settings.labResults().topic(), "CL-MIX-" + i, result);
        }
      }
      for (int i = 0; i < 20; i++) {
        send(settings.labResults().topic(), "adt-" + i, Samples.bytes("hl7/adt-a01.hl7"));
        send(settings.labResults().topic(), "cut-" + i, template.substring(0, 40).getBytes(StandardCharsets.UTF_8));
      }
      flushAndConfirmSends();

      IngestMetrics metrics = pipelines.metrics();
      awaitStored(metrics, IngestPipelines.SENSOR_READINGS, 2100);
      awaitStored(metrics, IngestPipelines.LAB_RESULTS, 220);
      awaitAllCommitted(settings);

      for (String lot : lots) {
        String batch = EpcisSamples.batchId(lot);
        List<String> expected = new ArrayList<>();
        for (int n = 1; n <= 100; n++) {
          expected.add("logger-" + lot + "/" + n);
        }
        awaitLedger(() -> {
          List<String> recorded = node.events(DrugBatch.ENTITY_TYPE, batch).stream()
              .map(EventBody::getSourceMessageId).filter(id -> id.startsWith("logger-")).toList();
          assertEquals(expected, recorded, "batch " + lot + ": every reading once, in order");
        });
        assertInstanceOf(VerificationResult.Intact.class, node.verify(DrugBatch.ENTITY_TYPE, batch));
      }
      LabResultDecoder labDecoder = new LabResultDecoder(settings.lab());
      for (int i = 0; i < 200; i++) {
        String result = template.replace("CL-20261103-0001", "CL-MIX-" + i).replace("4711^^^STMARY^MR", (90000 + i) + "^^^STMARY^MR");
        RoutedCommand<?> anchor = ((DecodedItem.Routable) labDecoder.decode(SourceRecord.ofValue(result.getBytes(StandardCharsets.UTF_8))).items().get(0)).commands().get(0);
        List<EventBody> events = node.events(PatientRecord.ENTITY_TYPE, anchor.entityId());
        assertEquals(List.of("CL-MIX-" + i), events.stream().map(EventBody::getSourceMessageId).toList());
        assertInstanceOf(VerificationResult.Intact.class, node.verify(PatientRecord.ENTITY_TYPE, anchor.entityId()));
      }

      Map<String, Long> sensorReasons = reasons(settings.sensorReadings().topic() + ".dlq");
      assertEquals(Map.of("MALFORMED", 50L, "UNSUPPORTED_MESSAGE_TYPE", 20L), sensorReasons);
      assertEquals(Map.of("MALFORMED", 20L, "UNSUPPORTED_MESSAGE_TYPE", 20L), reasons(settings.labResults().topic() + ".dlq"));
      assertEquals(Map.of("MISSING_FIELD", 1L), reasons(settings.epcisEvents().topic() + ".dlq"));
      ConsumerRecord<String, byte[]> deadLetter = RealKafka.readAll(settings.sensorReadings().topic() + ".dlq").get(0);
      assertEquals(settings.sensorReadings().topic(), header(deadLetter, DeadLetters.SOURCE_TOPIC));
      assertTrue(header(deadLetter, DeadLetters.SOURCE_OFFSET).matches("\\d+"));
      assertTrue(!header(deadLetter, DeadLetters.MESSAGE).isBlank());

      assertEquals(100.0, metrics.duplicateCount(IngestPipelines.SENSOR_READINGS), "the resent readings were recognised");
      assertEquals(20.0, metrics.duplicateCount(IngestPipelines.LAB_RESULTS));
      assertEquals(50.0, metrics.deadLetterCount(IngestPipelines.SENSOR_READINGS, "MALFORMED"));
    } finally {
      pipelines.stop().toCompletableFuture().get();
    }
  }

  @Test
  void aPipelineThatFailsMidwayOrIsStoppedAndStartedAgainLosesNothingAndDoublesNothing() throws Exception {
    String prefix = "restart";
    IngestSettings settings = settings(prefix, 8);
    createTopics(settings);
    List<String> lots = List.of("RST-A", "RST-B", "RST-C", "RST-D");
    registerBatches(lots);
    int perBatch = 150;
    for (int n = 1; n <= perBatch; n++) {
      for (String lot : lots) {
        send(settings.sensorReadings().topic(), EpcisSamples.batchId(lot),
            SensorReadings.temperature("logger-" + lot, n, EpcisSamples.batchId(lot), 5.0, START.plusSeconds(n)).toByteArray());
      }
    }
    flushAndConfirmSends();

    // First run: the 200th and 201st replies are lost after the entity stored the event (as when a
    // node dies between the write and the reply): the stream fails and restarts.
    IngestMetrics firstMetrics = new IngestMetrics(new PrometheusRegistry());
    LedgerRouter.EntityAsk real = LedgerRouter.sharded(node.system(), LedgerTestNode.TIMEOUT);
    AtomicInteger asks = new AtomicInteger();
    LedgerRouter.EntityAsk losingReplies = new LedgerRouter.EntityAsk() {
      @Override
      public <C> CompletionStage<CommandResult> ask(RoutedCommand<C> command) {
        int number = asks.incrementAndGet();
        CompletionStage<CommandResult> reply = real.ask(command);
        return number == 200 || number == 201
            ? reply.thenCompose(stored -> CompletableFuture.failedFuture(new TimeoutException("reply lost (test)")))
            : reply;
      }
    };
    KafkaIngestPipeline first = sensorPipeline(settings, losingReplies, firstMetrics);
    awaitStored(firstMetrics, IngestPipelines.SENSOR_READINGS, 300);
    first.stop().toCompletableFuture().get();
    assertTrue(firstMetrics.storedCount(IngestPipelines.SENSOR_READINGS) < perBatch * lots.size(), "stopped halfway");

    // Second run, a new consumer in the same group: continues from the committed offsets.
    IngestMetrics secondMetrics = new IngestMetrics(new PrometheusRegistry());
    KafkaIngestPipeline second = sensorPipeline(settings, real, secondMetrics);
    try {
      awaitAllCommitted(settings);
    } finally {
      second.stop().toCompletableFuture().get();
    }

    assertTrue(firstMetrics.duplicateCount(IngestPipelines.SENSOR_READINGS) >= 1, "redelivered after the lost replies, recognised");
    for (String lot : lots) {
      String batch = EpcisSamples.batchId(lot);
      awaitLedger(() -> {
        List<String> recorded = node.events(DrugBatch.ENTITY_TYPE, batch).stream()
            .map(EventBody::getSourceMessageId).filter(id -> id.startsWith("logger-")).toList();
        assertEquals(perBatch, recorded.size(), "batch " + lot + ": nothing lost, nothing doubled; dead letters:\n" + deadLettersOf(settings.sensorReadings().topic() + ".dlq"));
        assertEquals(perBatch, recorded.stream().distinct().count());
        assertEquals("logger-" + lot + "/" + perBatch, recorded.get(perBatch - 1), "in order");
      });
      assertInstanceOf(VerificationResult.Intact.class, node.verify(DrugBatch.ENTITY_TYPE, batch));
    }
  }

  @Test
  void aSlowEntityLetsTheLagGrowWhileAsksInFlightStayBoundedAndNothingIsSkipped() throws Exception {
    String prefix = "slow";
    int parallelism = 4;
    IngestSettings settings = settings(prefix, parallelism);
    createTopics(settings);
    List<String> lots = List.of("SLOW-A", "SLOW-B", "SLOW-C", "SLOW-D");
    registerBatches(lots);
    int perBatch = 60;
    for (int n = 1; n <= perBatch; n++) {
      for (String lot : lots) {
        send(settings.sensorReadings().topic(), EpcisSamples.batchId(lot),
            SensorReadings.temperature("logger-" + lot, n, EpcisSamples.batchId(lot), 5.0, START.plusSeconds(n)).toByteArray());
      }
    }
    flushAndConfirmSends();
    LedgerRouter.EntityAsk real = LedgerRouter.sharded(node.system(), LedgerTestNode.TIMEOUT);
    LedgerRouter.EntityAsk slow = new LedgerRouter.EntityAsk() {
      @Override
      public <C> CompletionStage<CommandResult> ask(RoutedCommand<C> command) {
        return Patterns.after(Duration.ofMillis(20), node.system().classicSystem().scheduler(), node.system().executionContext(), () -> real.ask(command));
      }
    };
    IngestMetrics metrics = new IngestMetrics(new PrometheusRegistry());
    KafkaIngestPipeline pipeline = sensorPipeline(settings, slow, metrics);
    List<Double> lagSeen = new ArrayList<>();
    try {
      node.testKit().createTestProbe().awaitAssert(WAIT, Duration.ofMillis(200), () -> {
        lagSeen.add(metrics.consumerLagNow(IngestPipelines.SENSOR_READINGS));
        assertTrue(lagSeen.stream().anyMatch(lag -> lag > 100), "lag seen: " + lagSeen);
        return null;
      });
      awaitAllCommitted(settings);
    } finally {
      pipeline.stop().toCompletableFuture().get();
    }
    assertTrue(metrics.asksInFlightHighWater(IngestPipelines.SENSOR_READINGS) <= parallelism,
        "asks in flight never above the parallelism: " + metrics.asksInFlightHighWater(IngestPipelines.SENSOR_READINGS));
    for (String lot : lots) {
      awaitLedger(() -> {
        long recorded = node.events(DrugBatch.ENTITY_TYPE, EpcisSamples.batchId(lot)).stream()
            .filter(e -> e.getSourceMessageId().startsWith("logger-")).count();
        assertEquals(perBatch, recorded, "batch " + lot + ": no reading skipped");
      });
    }
  }

  @Test
  void signedRecordsAreStoredWithTheirSignatureAndBrokenOnesDeadLetteredWithTheirReasonStoringNothing(@TempDir Path caDir) throws Exception {
    NetworkCa ca = NetworkCa.init(caDir, "test network CA", Duration.ofDays(3650), java.time.Clock.systemUTC());
    NetworkCa.Issued lab = ca.issue("CITYLAB", "laboratory", Duration.ofDays(365));
    NetworkCa.Issued otherLabKey = ca.issue("CITYLAB", "laboratory", Duration.ofDays(365));
    NetworkCa.Issued revoked = ca.issue("CITYLAB", "laboratory", Duration.ofDays(365));
    NetworkCa.Issued otherOrganisation = ca.issue("st-mary", "hospital", Duration.ofDays(365));
    ca.revoke(revoked.certificate().serialHex());
    IngestSettings settings = settings("signed", 4, """
        medtrace.ingest.signed-records { trust-dir = "%s", required-for-organisations = ["CITYLAB"] }
        """.formatted(caDir.toString().replace("\\", "/")));
    createTopics(settings);
    String topic = settings.labResults().topic();
    String template = new String(Samples.bytes("hl7/oru-r01-v251-cbc.hl7"), StandardCharsets.UTF_8);
    java.util.function.IntFunction<byte[]> result = i ->
        template.replace("CL-20261103-0001", "CL-SIG-" + i).replace("4711^^^STMARY^MR", (70000 + i) + "^^^STMARY^MR").getBytes(StandardCharsets.UTF_8);

    Map<String, byte[]> good = signRecord(lab, lab, topic, "CL-SIG-0", result.apply(0));
    sendWithHeaders(topic, "CL-SIG-0", result.apply(0), good);
    sendWithHeaders(topic, "CL-SIG-0", result.apply(0), good); // the same signed record again: a replay
    // Signed with another key of the same organisation than the one the key id names.
    sendWithHeaders(topic, "CL-SIG-1", result.apply(1), signRecord(otherLabKey, lab, topic, "CL-SIG-1", result.apply(1)));
    sendWithHeaders(topic, "CL-SIG-2", result.apply(2), signRecord(revoked, revoked, topic, "CL-SIG-2", result.apply(2)));
    // The good record's signature copied onto another record (same key, other value).
    sendWithHeaders(topic, "CL-SIG-0", result.apply(3), good);
    sendWithHeaders(topic, "CL-SIG-4", result.apply(4),
        signRecord(otherOrganisation, otherOrganisation, topic, "CL-SIG-4", result.apply(4)));
    sendWithHeaders(topic, "CL-SIG-5", result.apply(5), Map.of()); // unsigned, but CITYLAB must sign
    flushAndConfirmSends();

    IngestPipelines pipelines = IngestPipelines.start(node.system(), settings, new PrometheusRegistry());
    try {
      awaitStored(pipelines.metrics(), IngestPipelines.LAB_RESULTS, 2);
      awaitAllCommitted(settings);
    } finally {
      pipelines.stop().toCompletableFuture().get();
    }

    assertEquals(
        Map.of("BAD_SIGNATURE", 2L, "CERTIFICATE_REVOKED", 1L, "CERTIFICATE_ORGANISATION_MISMATCH", 1L, "SIGNATURE_REQUIRED", 1L),
        reasons(topic + ".dlq"),
        deadLettersOf(topic + ".dlq"));
    LabResultDecoder labDecoder = new LabResultDecoder(settings.lab());
    java.util.function.IntFunction<String> patient = i ->
        ((DecodedItem.Routable) labDecoder.decode(SourceRecord.ofValue(result.apply(i))).items().get(0)).commands().get(0).entityId();
    awaitLedger(() -> assertEquals(1, node.events(PatientRecord.ENTITY_TYPE, patient.apply(0)).size(), "stored once, the replay recognised"));
    EventBody stored = node.events(PatientRecord.ENTITY_TYPE, patient.apply(0)).get(0);
    assertTrue(stored.hasSubmissionSignature(), "the event keeps the signature");
    assertEquals(lab.certificate().keyId(), stored.getSubmissionSignature().getKeyId());
    assertEquals(
        new String(good.get(SignedRecords.SIGNATURE_HEADER), StandardCharsets.UTF_8),
        Base64.getEncoder().encodeToString(stored.getSubmissionSignature().getSignature().toByteArray()));
    assertEquals(
        new String(SignedRecord.of(topic, "CL-SIG-0".getBytes(StandardCharsets.UTF_8), result.apply(0),
            Long.parseLong(new String(good.get(SignedRecords.SIGNED_AT_HEADER), StandardCharsets.UTF_8)), lab.certificate().keyId()).canonicalBytes(), StandardCharsets.UTF_8),
        stored.getSubmissionSignature().getSignedRequest().toStringUtf8());
    assertInstanceOf(VerificationResult.Intact.class, node.verify(PatientRecord.ENTITY_TYPE, patient.apply(0)));
    for (int refused = 1; refused <= 5; refused++) {
      assertEquals(List.of(), node.events(PatientRecord.ENTITY_TYPE, patient.apply(refused)), "nothing of refused record " + refused);
    }
    assertEquals(1.0, pipelines.metrics().duplicateCount(IngestPipelines.LAB_RESULTS), "the replayed signed record");
  }

  @Test
  void anInlineCertificateIsStoredForExportsBeforeTheRecordIsAndARecordWhoseCertificateCannotBeStoredIsRetried(@TempDir Path caDir)
      throws Exception {
    NetworkCa ca = NetworkCa.init(caDir, "test network CA", Duration.ofDays(3650), java.time.Clock.systemUTC());
    NetworkCa.Issued lab = ca.issue("CITYLAB", "laboratory", Duration.ofDays(365));
    // Not in the trust directory's certs/: the producer sends it along, and only the store keeps it.
    java.nio.file.Files.delete(lab.certificateFile());
    IngestSettings settings = settings("inline-cert", 4, """
        medtrace.ingest.signed-records.trust-dir = "%s"
        """.formatted(caDir.toString().replace("\\", "/")));
    createTopics(settings);
    String topic = settings.labResults().topic();
    byte[] value = new String(Samples.bytes("hl7/oru-r01-v251-cbc.hl7"), StandardCharsets.UTF_8)
        .replace("CL-20261103-0001", "CL-INLINE-1").replace("4711^^^STMARY^MR", "60001^^^STMARY^MR")
        .getBytes(StandardCharsets.UTF_8);
    Map<String, byte[]> headers = new HashMap<>(signRecord(lab, lab, topic, "CL-INLINE-1", value));
    headers.put(SignedRecords.CERTIFICATE_HEADER, Base64.getEncoder().encodeToString(lab.certificate().encoded()).getBytes(StandardCharsets.US_ASCII));
    String patient = ((DecodedItem.Routable) new LabResultDecoder(settings.lab()).decode(SourceRecord.ofValue(value)).items().get(0))
        .commands().get(0).entityId();

    // First the store cannot be written (its table is gone): the record is retried, not dead-lettered.
    String journal = "ingest_kafka_it_journal";
    RealCassandra.session().execute("DROP TABLE " + journal + ".submission_certificates");
    IngestPipelines pipelines = IngestPipelines.start(node.system(), settings, new PrometheusRegistry());
    IngestMetrics metrics = pipelines.metrics();
    try {
      try {
        sendWithHeaders(topic, "CL-INLINE-1", value, headers);
        flushAndConfirmSends();
        node.testKit().createTestProbe().awaitAssert(WAIT, Duration.ofMillis(200), () -> {
          assertTrue(metrics.restartCount(IngestPipelines.LAB_RESULTS) >= 2, "restarts: " + metrics.restartCount(IngestPipelines.LAB_RESULTS));
          return null;
        });
        assertEquals(0.0, metrics.storedCount(IngestPipelines.LAB_RESULTS));
        assertEquals(List.of(), RealKafka.readAll(topic + ".dlq"), "nothing dead-lettered");
        assertEquals(Map.of(), admin.listConsumerGroupOffsets(KafkaIngestPipeline.groupId(settings, IngestPipelines.LAB_RESULTS))
            .partitionsToOffsetAndMetadata().get(), "nothing committed");
        assertEquals(List.of(), node.events(PatientRecord.ENTITY_TYPE, patient), "nothing stored");
      } finally {
        RealCassandra.createKeyspaces(journal, "ingest_kafka_it_snapshot");
      }
      // Once it can be written, the record delivered again is stored, and its certificate is in the store.
      awaitStored(metrics, IngestPipelines.LAB_RESULTS, 1);
      awaitAllCommitted(settings);
    } finally {
      pipelines.stop().toCompletableFuture().get();
    }
    assertEquals(List.of(), RealKafka.readAll(topic + ".dlq"), deadLettersOf(topic + ".dlq"));
    awaitLedger(() -> assertEquals(1, node.events(PatientRecord.ENTITY_TYPE, patient).size()));
    assertEquals(lab.certificate().keyId(), node.events(PatientRecord.ENTITY_TYPE, patient).get(0).getSubmissionSignature().getKeyId());
    // What a history export looks up for that key id (the HTTP API's exporter reads the same store).
    byte[] stored = SubmissionCertificates.onCassandra(node.system()).certificate(lab.certificate().keyId()).orElseThrow();
    assertArrayEquals(lab.certificate().encoded(), stored);
  }

  @Test
  void theCommandLineSenderPutsReadingsOnTheConfiguredTopicKeyedByTheirSubject() throws Exception {
    RealKafka.createTopics(List.of("medtrace.sensor-readings"), 1);
    System.setProperty("medtrace.kafka.bootstrap-servers", RealKafka.bootstrapServers());
    ConfigFactory.invalidateCaches();
    try {
      org.medtrace.ingest.SendToIngest.main(new String[] {"temperatures", "cli-logger", EpcisSamples.batchId("CLI-1"), "7", "4.5", "9.5"});
    } finally {
      System.clearProperty("medtrace.kafka.bootstrap-servers");
      ConfigFactory.invalidateCaches();
    }
    List<ConsumerRecord<String, byte[]>> sent = RealKafka.readAll("medtrace.sensor-readings");
    assertEquals(2, sent.size());
    var second = org.medtrace.ingest.v1.SensorReading.parseFrom(sent.get(1).value());
    assertEquals(EpcisSamples.batchId("CLI-1"), sent.get(1).key());
    assertEquals(8, second.getSequenceNumber());
    assertEquals(9.5, second.getValue());
  }

  @Test
  void theCommandLineSenderSignsWithAnOrganisationKeyFromTheCaDirectory(@TempDir Path caDir) throws Exception {
    NetworkCa ca = NetworkCa.init(caDir, "test network CA", Duration.ofDays(3650), java.time.Clock.systemUTC());
    NetworkCa.Issued logistics = ca.issue("cold-logistics", "logistics", Duration.ofDays(365));
    String topic = "cli-signed.sensor-readings";
    RealKafka.createTopics(List.of(topic), 1);
    System.setProperty("medtrace.kafka.bootstrap-servers", RealKafka.bootstrapServers());
    System.setProperty("medtrace.ingest.sensor-readings.topic", topic);
    ConfigFactory.invalidateCaches();
    try {
      org.medtrace.ingest.SendToIngest.main(new String[] {
          "--sign", logistics.certificate().serialHex(), "--ca-dir", caDir.toString(), "temperatures", "cli-logger", EpcisSamples.batchId("CLI-2"), "1", "4.5"});
    } finally {
      System.clearProperty("medtrace.kafka.bootstrap-servers");
      System.clearProperty("medtrace.ingest.sensor-readings.topic");
      ConfigFactory.invalidateCaches();
    }
    ConsumerRecord<String, byte[]> sent = RealKafka.readAll(topic).get(0);
    Map<String, byte[]> headers = new HashMap<>();
    sent.headers().forEach(header -> headers.put(header.key(), header.value()));
    SourceRecord record = new SourceRecord(
        sent.topic(), sent.partition(), sent.offset(), sent.key().getBytes(StandardCharsets.UTF_8), sent.value(), headers);

    // The pipeline's own check passes it, and its command carries the signature.
    IngestSettings settings = settings("cli-signed", 1, "medtrace.ingest.signed-records.trust-dir = \"" + caDir + "\"");
    var decoder = new SignedRecords(settings.signedRecords(), java.time.Clock.systemUTC(), certificate -> CompletableFuture.completedFuture(null))
        .checking(new SensorReadingDecoder(settings.sensors(), new SequenceGaps(missing -> {})));
    RoutedCommand<?> command = ((DecodedItem.Routable) decoder.decode(record).items().get(0)).commands().get(0);
    assertEquals(logistics.certificate().keyId(), command.party().submission().keyId());
  }

  // ---- helpers ----

  private IngestSettings settings(String prefix, int parallelism) {
    return settings(prefix, parallelism, "");
  }

  private IngestSettings settings(String prefix, int parallelism, String extra) {
    Config config =
        ConfigFactory.parseString(extra)
            .withFallback(ConfigFactory.parseString(
                """
                medtrace.kafka.bootstrap-servers = "%s"
                medtrace.ingest {
                  group-id = "it-%s"
                  parallelism = %d
                  ask-timeout = 20s
                  lag-poll-interval = 200ms
                  restart { min-backoff = 200ms, max-backoff = 2s }
                  lab-results { topic = "it-%s.lab-results", pseudonym-key = "kafka-test-pseudonym-key-0001", patient-identifier.assigning-authority = "STMARY" }
                  sensor-readings { topic = "it-%s.sensor-readings", organisation = "cold-logistics" }
                  epcis-events { topic = "it-%s.epcis-events" }
                  epcis-events.organisations-by-gln {
                    "0614141073467" = "acme-pharma"
                    "0614141000012" = "acme-pharma"
                    "0012345111112" = "st-mary"
                    "0012345000010" = "st-mary"
                    "4012345000054" = "cold-logistics"
                  }
                }
                """
                    .formatted(RealKafka.bootstrapServers(), prefix, parallelism, prefix, prefix, prefix)))
            .withFallback(node.system().settings().config());
    return IngestSettings.from(config);
  }

  private static void createTopics(IngestSettings settings) {
    List<String> topics = new ArrayList<>();
    for (String topic : List.of(settings.labResults().topic(), settings.sensorReadings().topic(), settings.epcisEvents().topic())) {
      topics.add(topic);
      topics.add(topic + settings.deadLetterSuffix());
    }
    RealKafka.createTopics(topics, 3);
  }

  private KafkaIngestPipeline sensorPipeline(IngestSettings settings, LedgerRouter.EntityAsk entities, IngestMetrics metrics) {
    SequenceGaps gaps = new SequenceGaps(missing -> metrics.sequenceGap(IngestPipelines.SENSOR_READINGS, missing));
    return KafkaIngestPipeline.start(
        node.system(), IngestPipelines.SENSOR_READINGS, settings.sensorReadings().topic(), settings,
        new SensorReadingDecoder(settings.sensors(), gaps), new LedgerRouter(entities, metrics, IngestPipelines.SENSOR_READINGS), metrics);
  }

  /** Registers, ships and receives each lot (the EPCIS lifecycle through the flow, no broker). */
  private void registerBatches(List<String> lots) {
    IngestMetrics metrics = new IngestMetrics(new PrometheusRegistry());
    var decoder = new org.medtrace.ingest.epcis.EpcisDecoder(EpcisSamples.SETTINGS, EpcisSamples.GATEWAY);
    var router = new LedgerRouter(LedgerRouter.sharded(node.system(), LedgerTestNode.TIMEOUT), metrics, "setup");
    List<org.medtrace.ingest.route.MessageOutcome> outcomes =
        org.apache.pekko.stream.javadsl.Source.from(lots)
            .map(lot -> new IngestFlow.Incoming<>(SourceRecord.ofValue(EpcisSamples.withLot("supply-chain-lifecycle.jsonld", lot)), lot))
            .via(IngestFlow.<String>create(decoder, router, metrics, 4))
            .map(IngestFlow.Decided::outcome)
            .runWith(org.apache.pekko.stream.javadsl.Sink.seq(), node.system())
            .toCompletableFuture()
            .join();
    assertTrue(outcomes.stream().allMatch(org.medtrace.ingest.route.MessageOutcome::isStored), outcomes.toString());
  }

  private void send(String topic, String key, byte[] value) {
    unconfirmedSends.add(producer.send(new ProducerRecord<>(topic, key, value)));
  }

  private void sendWithHeaders(String topic, String key, byte[] value, Map<String, byte[]> headers) {
    ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
    headers.forEach((name, header) -> record.headers().add(name, header));
    unconfirmedSends.add(producer.send(record));
  }

  /** The signature headers of a record signed now with {@code key}'s private key, naming {@code certificate}. */
  private static Map<String, byte[]> signRecord(NetworkCa.Issued key, NetworkCa.Issued certificate, String topic, String recordKey, byte[] value) {
    return new RecordSigner(certificate.certificate(), key.privateKey(), java.time.Clock.systemUTC())
        .headers(topic, recordKey.getBytes(StandardCharsets.UTF_8), value);
  }

  /**
   * Waits until the broker has every record sent so far, and fails naming the records it refused:
   * a record the test believes it sent but the topic lacks would look like a loss of the pipeline.
   */
  private void flushAndConfirmSends() {
    producer.flush();
    List<String> failures = new ArrayList<>();
    for (Future<RecordMetadata> sent : unconfirmedSends) {
      try {
        sent.get();
      } catch (ExecutionException e) {
        failures.add(e.getCause().toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    unconfirmedSends.clear();
    assertEquals(List.of(), failures, "the test's own records did not all reach the broker");
  }

  private void awaitStored(IngestMetrics metrics, String pipeline, double atLeast) {
    node.testKit().createTestProbe().awaitAssert(WAIT, Duration.ofMillis(200), () -> {
      assertTrue(metrics.storedCount(pipeline) >= atLeast, pipeline + " stored " + metrics.storedCount(pipeline) + " of " + atLeast);
      return null;
    });
  }

  /** What went to a dead-letter topic, to explain a failed wait. */
  private static String deadLettersOf(String topic) {
    return RealKafka.readAll(topic).stream()
        .map(record -> header(record, DeadLetters.REASON) + ": " + header(record, DeadLetters.MESSAGE))
        .collect(Collectors.joining("\n"));
  }

  /** Waits until the group's committed offsets reach the end of every partition of the source topics. */
  /**
   * Runs a check of what the journal holds until it passes (at most 30 s): every event the checks
   * look for was acknowledged before its offset was committed, but a query of the journal started
   * right after the last commit may not see the newest rows yet. A lost event still fails it.
   */
  private void awaitLedger(Runnable check) {
    node.testKit().createTestProbe().awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(500), () -> {
      check.run();
      return null;
    });
  }

  private void awaitAllCommitted(IngestSettings settings) {
    node.testKit().createTestProbe().awaitAssert(WAIT, Duration.ofMillis(300), () -> {
      Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
      for (String pipeline : List.of(IngestPipelines.LAB_RESULTS, IngestPipelines.SENSOR_READINGS, IngestPipelines.EPCIS_EVENTS)) {
        committed.putAll(admin.listConsumerGroupOffsets(KafkaIngestPipeline.groupId(settings, pipeline)).partitionsToOffsetAndMetadata().get());
      }
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (String topic : List.of(settings.labResults().topic(), settings.sensorReadings().topic(), settings.epcisEvents().topic())) {
        for (int partition = 0; partition < 3; partition++) {
          latest.put(new TopicPartition(topic, partition), OffsetSpec.latest());
        }
      }
      var ends = admin.listOffsets(latest).all().get();
      for (var end : ends.entrySet()) {
        long endOffset = end.getValue().offset();
        OffsetAndMetadata at = committed.get(end.getKey());
        long committedOffset = at == null ? 0 : at.offset();
        assertEquals(endOffset, committedOffset, "committed offset of " + end.getKey());
      }
      return null;
    });
  }

  private static Map<String, Long> reasons(String deadLetterTopic) {
    return RealKafka.readAll(deadLetterTopic).stream()
        .collect(Collectors.groupingBy(record -> header(record, DeadLetters.REASON), ConcurrentHashMap::new, Collectors.counting()))
        .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
