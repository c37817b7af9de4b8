package org.medtrace.ingest.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.ingest.sensor.SensorReadings.temperature;

import com.typesafe.config.ConfigFactory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.batch.UnitIndex;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Role;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.ingest.IngestMetrics;
import org.medtrace.ingest.LedgerTestNode;
import org.medtrace.ingest.Samples;
import org.medtrace.ingest.epcis.EpcisCapture;
import org.medtrace.ingest.epcis.EpcisDecoder;
import org.medtrace.ingest.epcis.EpcisSamples;
import org.medtrace.ingest.lab.LabResultDecoder;
import org.medtrace.ingest.lab.LabResultSettings;
import org.medtrace.ingest.route.ItemOutcome;
import org.medtrace.ingest.route.LedgerRouter;
import org.medtrace.ingest.route.MessageOutcome;
import org.medtrace.ingest.route.RecordDecoder;
import org.medtrace.ingest.route.SourceRecord;
import org.medtrace.ingest.sensor.SensorReadingDecoder;
import org.medtrace.ingest.sensor.SensorReadingSettings;
import org.medtrace.ingest.sensor.SequenceGaps;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.persistence.cassandra.RealCassandra;
import org.medtrace.persistence.chain.VerificationResult;

/**
 * The decode → route stage from lists, without a broker, against the real entities on the real
 * Cassandra: what is stored, what is refused, that redeliveries store nothing twice, that one
 * entity sees its messages in source order and that no more asks are in flight than the parallelism.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestFlowOnLedgerTest {

  private static final int PARALLELISM = 4;
  private LedgerTestNode node;
  private IngestMetrics metrics;
  private LedgerRouter.EntityAsk entities;

  @BeforeAll
  void startNode() {
    node = LedgerTestNode.start("IngestFlowOnLedgerTest", "ingest_flow_it", ConfigFactory.empty());
    metrics = new IngestMetrics(new PrometheusRegistry());
    entities = LedgerRouter.sharded(node.system(), LedgerTestNode.TIMEOUT);
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void labResultsAreAnchoredOnceEachAndBadOnesAreDeadLetteredWithTheirReason() {
    LabResultDecoder decoder = new LabResultDecoder(new LabResultSettings("flow-test-pseudonym-key-0001", "STMARY", "MR"));
    List<SourceRecord> messages =
        List.of(
            Samples.record("hl7/oru-r01-v251-cbc.hl7"),
            Samples.record("hl7/adt-a01.hl7"),
            Samples.record("hl7/oru-r01-v24-two-orders.hl7"),
            Samples.record("hl7/oru-r01-v251-cbc.hl7"), // redelivered
            SourceRecord.ofValue("MSH|garbage".getBytes(StandardCharsets.UTF_8)),
            Samples.record("hl7/oru-r01-v23-glucose.hl7"));
    List<MessageOutcome> outcomes = run("lab-flow", decoder, messages);
    assertEquals(List.of(true, false, true, true, false, true), outcomes.stream().map(MessageOutcome::isStored).toList());
    assertEquals("UNSUPPORTED_MESSAGE_TYPE", outcomes.get(1).firstDeadLetter().orElseThrow().reasonCode());
    assertEquals("MALFORMED", outcomes.get(4).firstDeadLetter().orElseThrow().reasonCode());
    assertEquals(1, outcomes.get(3).alreadyRecorded(), "the redelivery stored nothing");

    String adam = decoder.decode(Samples.record("hl7/oru-r01-v251-cbc.hl7")).items().stream()
        .map(item -> ((org.medtrace.ingest.route.DecodedItem.Routable) item).commands().get(0).entityId()).findFirst().orElseThrow();
    List<EventBody> events = node.events(PatientRecord.ENTITY_TYPE, adam);
    assertEquals(
        List.of("CL-20261103-0001", "CL-20261104-0042"),
        events.stream().map(EventBody::getSourceMessageId).toList(),
        "both of Adam's results, once each");
    assertInstanceOf(VerificationResult.Intact.class, node.verify(PatientRecord.ENTITY_TYPE, adam));
  }

  @Test
  void aBatchLifecycleFromEpcisIsStoredOnceAndADuplicateScanIsRefusedWithEvidence() {
    String lot = "FLOW-LIFE";
    EpcisDecoder decoder = new EpcisDecoder(EpcisSamples.SETTINGS, EpcisSamples.GATEWAY);
    List<SourceRecord> messages =
        List.of(
            SourceRecord.ofValue(EpcisSamples.withLot("supply-chain-lifecycle.jsonld", lot)),
            SourceRecord.ofValue(EpcisSamples.withLot("supply-chain-lifecycle.jsonld", lot)), // redelivered
            SourceRecord.ofValue(EpcisSamples.withLot("dispense-again.jsonld", lot)));
    List<MessageOutcome> outcomes = run("epcis-flow", decoder, messages);
    assertTrue(outcomes.get(0).isStored(), outcomes.get(0).summary());
    assertTrue(outcomes.get(1).isStored(), outcomes.get(1).summary());
    assertEquals(6, outcomes.get(1).alreadyRecorded(), "register, ship, two readings, receive, dispense: all known");
    ItemOutcome.DeadLettered duplicate = outcomes.get(2).firstDeadLetter().orElseThrow();
    assertEquals("REFUSED_REFUSED_AND_RECORDED", duplicate.reasonCode());

    String batch = EpcisSamples.batchId(lot);
    List<EventBody.EventCase> kinds = node.events(DrugBatch.ENTITY_TYPE, batch).stream().map(EventBody::getEventCase).toList();
    assertEquals(
        List.of(
            EventBody.EventCase.BATCH_REGISTERED,
            EventBody.EventCase.BATCH_SHIPPED,
            EventBody.EventCase.TEMPERATURE_RECORDED,
            EventBody.EventCase.TEMPERATURE_RECORDED,
            EventBody.EventCase.BATCH_RECEIVED,
            EventBody.EventCase.UNITS_DISPENSED,
            EventBody.EventCase.SUSPECTED_DUPLICATE_SCAN),
        kinds);
    DrugBatch.State state = node.ask(DrugBatch.TYPE_KEY, batch, DrugBatch.Get::new);
    assertEquals(DrugBatch.Status.IN_STOCK, state.status());
    assertEquals(2, state.stock());
    assertEquals("st-mary", state.custodian());
    assertInstanceOf(VerificationResult.Intact.class, node.verify(DrugBatch.ENTITY_TYPE, batch));
  }

  @Test
  void sgtinsWithoutALotFindTheirBatchInTheUnitIndexOfCommissionedSerials() {
    String lot = "GS1-961";
    EpcisDecoder decoder =
        new EpcisDecoder(EpcisSamples.SETTINGS, EpcisSamples.GATEWAY, UnitIndex.onCassandra(node.system())::lotOf);
    // Commissions units 2017-2019 of the standard's GTIN (as the standard's example 9.6.1 uses them).
    byte[] commissioning = EpcisSamples.withLotKeepingSerials("supply-chain-lifecycle.jsonld", lot);
    String onlyCommissioning = new String(commissioning, StandardCharsets.UTF_8).replace("\"bizStep\": \"dispensing\"", "\"bizStep\": \"inspecting\"");
    assertTrue(run("epcis-index", decoder, List.of(SourceRecord.ofValue(onlyCommissioning.getBytes(StandardCharsets.UTF_8)))).get(0).items().get(0) instanceof ItemOutcome.Stored);

    MessageOutcome example = run("epcis-index", decoder, List.of(Samples.record("epcis/gs1-example-9.6.1-object-events.jsonld"))).get(0);
    // Both events now reach batch GS1-961: the shipment lacks a destination, and the receipt finds
    // the batch already received into stock by the lifecycle above.
    ItemOutcome.DeadLettered shipping = (ItemOutcome.DeadLettered) example.items().get(0);
    assertEquals("MISSING_FIELD", shipping.reasonCode(), shipping.message());
    assertTrue(shipping.message().contains("destinationList"), shipping.message());
    ItemOutcome.DeadLettered receiving = (ItemOutcome.DeadLettered) example.items().get(1);
    assertTrue(receiving.reasonCode().startsWith("REFUSED_"), receiving.toString());
    assertTrue(receiving.message().contains(EpcisSamples.batchId(lot)), receiving.message());

    MessageOutcome unknown =
        run("epcis-index", decoder, List.of(SourceRecord.ofValue(new String(Samples.bytes("epcis/gs1-example-9.6.1-object-events.jsonld"), StandardCharsets.UTF_8)
            .replace("107346.2018", "107346.9999").replace("107346.2017", "107346.9998").getBytes(StandardCharsets.UTF_8)))).get(0);
    assertEquals("UNKNOWN_SUBJECT", unknown.firstDeadLetter().orElseThrow().reasonCode(), "a serial no lot commissioned");
  }

  @Test
  void httpCaptureGoesThroughTheSameFlowWithTheCallerActingAsItselfAndAnswersPerEvent() {
    String lot = "FLOW-HTTP";
    EpcisCapture capture =
        new EpcisCapture(new EpcisDecoder(EpcisSamples.SETTINGS, EpcisSamples.GATEWAY), new LedgerRouter(entities, metrics, "epcis-http"), metrics);
    ActingParty factory = new ActingParty("acme-pharma", "line-1", Role.MANUFACTURER);
    List<ItemOutcome> outcomes =
        capture.capture(EpcisSamples.withLot("supply-chain-lifecycle.jsonld", lot), factory).toCompletableFuture().join();
    assertEquals(4, outcomes.size());
    // The manufacturer registers and ships its batch (with the readings), but receiving and
    // dispensing are not a manufacturer's to record, whatever GLN the events name.
    assertInstanceOf(ItemOutcome.Stored.class, outcomes.get(0));
    assertInstanceOf(ItemOutcome.Stored.class, outcomes.get(1));
    assertEquals("REFUSED_FORBIDDEN", ((ItemOutcome.DeadLettered) outcomes.get(2)).reasonCode());
    assertEquals("REFUSED_FORBIDDEN", ((ItemOutcome.DeadLettered) outcomes.get(3)).reasonCode());
    List<EventBody> events = node.events(DrugBatch.ENTITY_TYPE, EpcisSamples.batchId(lot));
    assertEquals(4, events.size(), "registered, shipped, two readings");
    assertTrue(events.stream().allMatch(e -> e.getActingParty().getOrganisation().equals("acme-pharma")));
  }

  @Test
  void readingsReachEachBatchInSourceOrderWithBoundedAsksAndDuplicatesStoreNothing() {
    List<String> batches = List.of("FLOW-ORD-A", "FLOW-ORD-B", "FLOW-ORD-C");
    EpcisDecoder epcis = new EpcisDecoder(EpcisSamples.SETTINGS, EpcisSamples.GATEWAY);
    for (String lot : batches) {
      assertTrue(run("setup", epcis, List.of(SourceRecord.ofValue(EpcisSamples.withLot("supply-chain-lifecycle.jsonld", lot)))).get(0).isStored());
    }
    SensorReadingDecoder decoder =
        new SensorReadingDecoder(
            new SensorReadingSettings("cold-logistics", Role.LOGISTICS, Role.HOSPITAL),
            new SequenceGaps(missing -> metrics.sequenceGap("sensor-flow", missing)));
    Instant start = Instant.parse("2026-11-10T08:00:00Z");
    List<SourceRecord> readings = new ArrayList<>();
    java.util.Map<String, Long> nextSequence = new java.util.HashMap<>();
    for (int i = 1; i <= 30; i++) {
      String lot = batches.get(i % 3);
      // Each batch's logger skips its fifth number (a gap); measurement times go backwards (out of order).
      long sequence = nextSequence.merge(lot, 1L, Long::sum);
      if (sequence == 5) {
        sequence = nextSequence.merge(lot, 1L, Long::sum);
      }
      readings.add(SensorReadings(lot, sequence, start.minusSeconds(i)));
    }
    readings.add(readings.get(4)); // a duplicate, late
    readings.add(readings.get(7));
    List<MessageOutcome> outcomes = run("sensor-flow", decoder, readings);
    assertTrue(outcomes.stream().allMatch(MessageOutcome::isStored));
    assertEquals(2, outcomes.stream().mapToInt(MessageOutcome::alreadyRecorded).sum());
    assertTrue(metrics.asksInFlightHighWater("sensor-flow") <= PARALLELISM, "asks in flight: " + metrics.asksInFlightHighWater("sensor-flow"));
    assertEquals(3.0, metrics.sequenceGapCount("sensor-flow"), "one skipped number per logger");

    for (String lot : batches) {
      String batch = EpcisSamples.batchId(lot);
      List<String> recorded = node.events(DrugBatch.ENTITY_TYPE, batch).stream()
          .filter(e -> e.getEventCase() == EventBody.EventCase.TEMPERATURE_RECORDED)
          .map(EventBody::getSourceMessageId)
          .filter(id -> id.startsWith("logger-"))
          .toList();
      List<String> sent = readings.subList(0, 30).stream()
          .map(r -> parse(r))
          .filter(r -> r.getSubjectId().equals(batch))
          .map(r -> r.getSensorId() + "/" + r.getSequenceNumber())
          .toList();
      assertEquals(sent, recorded, "batch " + lot + " got its readings once each, in source order");
      assertInstanceOf(VerificationResult.Intact.class, node.verify(DrugBatch.ENTITY_TYPE, batch));
    }
    Set<String> distinct = readings.stream().map(r -> parse(r).getSensorId() + "/" + parse(r).getSequenceNumber()).collect(Collectors.toSet());
    assertEquals(30, distinct.size());
  }

  private static SourceRecord SensorReadings(String lot, long sequence, Instant at) {
    return org.medtrace.ingest.sensor.SensorReadings.record(temperature("logger-" + lot, sequence, EpcisSamples.batchId(lot), 5.0, at));
  }

  private static org.medtrace.ingest.v1.SensorReading parse(SourceRecord record) {
    try {
      return org.medtrace.ingest.v1.SensorReading.parseFrom(record.value());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private List<MessageOutcome> run(String pipeline, RecordDecoder decoder, List<SourceRecord> messages) {
    LedgerRouter router = new LedgerRouter(entities, metrics, pipeline);
    return Source.from(messages)
        .map(record -> new IngestFlow.Incoming<>(record, record))
        .via(IngestFlow.<SourceRecord>create(decoder, router, metrics, PARALLELISM))
        .map(IngestFlow.Decided::outcome)
        .runWith(Sink.seq(), node.system())
        .toCompletableFuture()
        .join();
  }
}
