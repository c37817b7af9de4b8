package org.medtrace.ingest.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import java.util.Optional;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Sequence;
import org.junit.jupiter.api.Test;
import org.medtrace.ingest.v1.Alert;
import org.medtrace.ledger.v1.AccessDenied;
import org.medtrace.ledger.v1.ActingParty;
import org.medtrace.ledger.v1.ColdChainQuarantined;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.LogForkDetected;
import org.medtrace.ledger.v1.LogForkKind;
import org.medtrace.ledger.v1.MaintenanceOverdue;
import org.medtrace.ledger.v1.TemperatureReading;
import org.medtrace.ledger.v1.UsageReported;
import org.medtrace.persistence.chain.ChainHead;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.UnreadableRecord;

/** Journal events become alerts with a stable id, the whole event and a readable summary. */
class AlertEventsTest {

  private static final Timestamp RECORDED_AT = Timestamp.newBuilder().setSeconds(1_795_000_000L).build();

  @Test
  void coldChainQuarantineBecomesAnAlertWithTheWholeEvent() {
    ChainedEvent event =
        firstEvent(
            "drug-batch",
            "09506000134352/L-7",
            EventBody.newBuilder()
                .setColdChainQuarantined(
                    ColdChainQuarantined.newBuilder()
                        .addOffendingReadings(reading(9.5))
                        .addOffendingReadings(reading(10))
                        .addOffendingReadings(reading(11.2))
                        .setMinCelsius(2)
                        .setMaxCelsius(8)
                        .setConsecutiveLimit(3)));

    Alert alert = AlertEvents.fromEvent(event);

    assertEquals("drug-batch/09506000134352/L-7/1", alert.getAlertId());
    assertEquals("drug-batch", alert.getEntityType());
    assertEquals("09506000134352/L-7", alert.getEntityId());
    assertEquals(1, alert.getSequenceNumber());
    assertEquals(event.hashHex(), alert.getEventHashHex());
    assertEquals("COLD_CHAIN_QUARANTINED", alert.getKind());
    assertEquals(RECORDED_AT, alert.getRecordedAt());
    assertEquals(event.body(), alert.getEvent());
    assertEquals(
        "Drug batch 09506000134352/L-7 quarantined: 3 consecutive readings outside 2.0–8.0 °C"
            + " (9.5, 10.0, 11.2 °C)",
        alert.getSummary());
  }

  @Test
  void summariesNameTheEntityAndWhatTheRuleFound() {
    assertEquals(
        "Medical device acme/SN-1 is overdue for maintenance: 1100.0 h of use since the last one"
            + " (interval 1000.0 h, overdue period 1)",
        AlertEvents.summary(
            body("medical-device", "acme/SN-1")
                .setMaintenanceOverdue(
                    MaintenanceOverdue.newBuilder()
                        .setHoursSinceMaintenance(1100)
                        .setIntervalHours(1000)
                        .setOverduePeriod(1))
                .build()));
    assertEquals(
        "Patient record pt-1: dr.x@st-mary as clinician was denied record note-1 for treatment:"
            + " no consent",
        AlertEvents.summary(
            body("patient-record", "pt-1")
                .setAccessDenied(
                    AccessDenied.newBuilder()
                        .setRecordId("note-1")
                        .setPurpose("treatment")
                        .setReason("no consent"))
                .build()));
    // A kind this code has no words for yet is still described, not dropped.
    assertEquals(
        "medical-device acme/SN-1: USAGE_REPORTED at #4",
        AlertEvents.summary(
            body("medical-device", "acme/SN-1")
                .setSequenceNumber(4)
                .setUsageReported(UsageReported.getDefaultInstance())
                .build()));
  }

  @Test
  void aLogForkSummaryNamesTheWitnessTheLogTheSizeAndTheEvidence() {
    String evidenceId = "ab".repeat(32);
    LogForkDetected.Builder fork =
        LogForkDetected.newBuilder()
            .setWitness("health-authority")
            .setOrigin("medtrace.example/ledger/slice-3")
            .setTreeSize(9120)
            .setEvidenceId(evidenceId)
            .setFirstNote("first")
            .setSecondNote("second");

    Alert sameSize =
        AlertEvents.fromEvent(
            firstEvent("log-witness", "health-authority", EventBody.newBuilder().setLogForkDetected(fork.setKind(LogForkKind.SAME_SIZE_DIFFERENT_ROOT))));
    String inconsistent =
        AlertEvents.summary(body("log-witness", "health-authority").setLogForkDetected(fork.setKind(LogForkKind.INCONSISTENT_PROOF)).build());

    assertEquals("log-witness/health-authority/1", sameSize.getAlertId());
    assertEquals("LOG_FORK_DETECTED", sameSize.getKind());
    assertEquals(
        "LOG FORK: witness health-authority holds two checkpoints of log medtrace.example/ledger/slice-3 with different"
            + " roots for size 9120; evidence " + evidenceId + " (both signed notes are in the event and at GET /api/v1/witness/forks)",
        sameSize.getSummary());
    assertEquals(
        "LOG FORK: witness health-authority was shown a checkpoint of log medtrace.example/ledger/slice-3 that is not proven"
            + " consistent with the one it cosigned at size 9120; evidence " + evidenceId
            + " (both signed notes are in the event and at GET /api/v1/witness/forks)",
        inconsistent);
  }

  @Test
  void undecodableTaggedRowBecomesAnAlertSayingSo() {
    UnreadableRecord unreadable =
        new UnreadableRecord(new byte[] {1, 2, 3}, Optional.empty(), "not a LedgerEvent");

    Alert alert =
        AlertEvents.fromEnvelope(
            EventEnvelope.apply(new Sequence(1), "drug-batch|09506000134352/L-7", 4L, unreadable, 0L));

    assertEquals("drug-batch/09506000134352/L-7/4", alert.getAlertId());
    assertEquals(AlertEvents.UNREADABLE_JOURNAL_ROW, alert.getKind());
    assertEquals("09506000134352/L-7", alert.getEntityId());
    assertTrue(alert.getSummary().contains("not a LedgerEvent"), alert.getSummary());
  }

  @Test
  void envelopeWithoutAJournalRecordIsRefusedNamingTheEvent() {
    EventEnvelope envelope = EventEnvelope.apply(new Sequence(1), "drug-batch|x", 2L, "a string", 0L);

    IllegalArgumentException failure =
        assertThrows(IllegalArgumentException.class, () -> AlertEvents.fromEnvelope(envelope));

    assertTrue(failure.getMessage().contains("drug-batch|x #2"), failure.getMessage());
  }

  private static ChainedEvent firstEvent(String entityType, String entityId, EventBody.Builder body) {
    return ChainedEvent.seal(
        ChainHead.genesis(entityType, entityId),
        body.setRecordedAt(RECORDED_AT).setActingParty(actingParty()),
        Optional.empty());
  }

  private static EventBody.Builder body(String entityType, String entityId) {
    return EventBody.newBuilder()
        .setEntityType(entityType)
        .setEntityId(entityId)
        .setSequenceNumber(1)
        .setRecordedAt(RECORDED_AT)
        .setActingParty(actingParty());
  }

  private static ActingParty actingParty() {
    return ActingParty.newBuilder()
        .setOrganisation("st-mary")
        .setUser("dr.x")
        .setRole("clinician")
        .build();
  }

  private static TemperatureReading reading(double celsius) {
    return TemperatureReading.newBuilder().setSensorId("sensor-1").setCelsius(celsius).build();
  }
}
