package org.medtrace.actors.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.actors.ledger.EntityTestSupport.NOW;
import static org.medtrace.actors.ledger.EntityTestSupport.assertAccepted;
import static org.medtrace.actors.ledger.EntityTestSupport.assertIntact;
import static org.medtrace.actors.ledger.EntityTestSupport.assertRejected;
import static org.medtrace.actors.ledger.EntityTestSupport.party;
import static org.medtrace.actors.ledger.EntityTestSupport.storedEvents;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.actors.ledger.EntityTestSupport;
import org.medtrace.actors.ledger.LedgerSettings;
import org.medtrace.actors.ledger.Rejection;
import org.medtrace.actors.ledger.Role;
import org.medtrace.actors.ledger.SubmissionSignature;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.JournalRecord;
import org.medtrace.persistence.chain.VerificationResult;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DrugBatchTest {

  private static final String GTIN = "09506000134352";
  private static final String QC = "3f".repeat(32);
  private static final ActingParty MANUFACTURER = party(Role.MANUFACTURER, "acme-pharma");
  private static final ActingParty OTHER_MANUFACTURER = party(Role.MANUFACTURER, "rival-pharma");
  private static final ActingParty CARRIER = party(Role.LOGISTICS, "cold-logistics");
  private static final ActingParty HOSPITAL = party(Role.HOSPITAL, "st-mary");
  private static final ActingParty PHARMACIST = party(Role.PHARMACIST, "st-mary", "p.chen@st-mary");
  private static final ActingParty OTHER_PHARMACIST = party(Role.PHARMACIST, "city-pharmacy");
  private static final ActingParty REGULATOR = party(Role.REGULATOR, "health-authority");
  private static final ActingParty CLINICIAN = party(Role.CLINICIAN, "st-mary");

  private final ActorTestKit testKit = EntityTestSupport.testKit();
  private final AtomicInteger lots = new AtomicInteger();

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  private record Batch(String entityId, EventSourcedBehaviorTestKit<DrugBatch.Command, JournalRecord, DrugBatch.State> kit) {
    CommandResult register(ActingParty party) {
      return register(party, LocalDate.of(2027, 6, 30), 100);
    }

    CommandResult register(ActingParty party, LocalDate expiry, long quantity) {
      return kit.<CommandResult>runCommand(
              r -> new DrugBatch.Register("Influenza vaccine", expiry, quantity, QC, DrugBatch.TemperatureRange.COLD_CHAIN, List.of(), party, "", r))
          .reply();
    }

    CommandResult ship(ActingParty party, String from, String to) {
      return kit.<CommandResult>runCommand(r -> new DrugBatch.Ship("SH-1", from, to, "cold-logistics", party, "", r)).reply();
    }

    CommandResult receive(ActingParty party, long quantity) {
      return kit.<CommandResult>runCommand(r -> new DrugBatch.Receive("SH-1", quantity, party, "", r)).reply();
    }

    CommandResult temperature(double celsius) {
      return kit.<CommandResult>runCommand(
              r -> new DrugBatch.RecordTemperature("sensor-17", NOW, celsius, CARRIER, "", r))
          .reply();
    }

    CommandResult dispense(ActingParty party, String... serials) {
      return kit.<CommandResult>runCommand(
              r -> new DrugBatch.Dispense(serials.length, List.of(serials), "pt-4f2a", party, "", r))
          .reply();
    }

    CommandResult dispenseQuantity(long quantity) {
      return kit.<CommandResult>runCommand(r -> new DrugBatch.Dispense(quantity, List.of(), "pt-4f2a", PHARMACIST, "", r)).reply();
    }

    CommandResult quarantine(ActingParty party) {
      return kit.<CommandResult>runCommand(r -> new DrugBatch.Quarantine("suspected contamination", party, "", r)).reply();
    }

    CommandResult release(ActingParty party) {
      return kit.<CommandResult>runCommand(r -> new DrugBatch.Release("lab retest passed", party, "", r)).reply();
    }

    CommandResult recall(ActingParty party) {
      return kit.<CommandResult>runCommand(r -> new DrugBatch.Recall("sterility failure", party, "", r)).reply();
    }

    CommandResult destroy(ActingParty party) {
      return kit.<CommandResult>runCommand(r -> new DrugBatch.Destroy("incineration", "recalled", party, "", r)).reply();
    }

    DrugBatch.State state() {
      return kit.getState();
    }

    /** Registered, shipped to st-mary and received there: units can be dispensed. */
    Batch inStock() {
      assertAccepted(register(MANUFACTURER));
      assertAccepted(ship(MANUFACTURER, "acme-pharma", "st-mary"));
      assertAccepted(receive(HOSPITAL, 100));
      return this;
    }
  }

  private Batch newBatch() {
    return newBatch(EntityTestSupport.settings(10), DrugBatch.Rules.defaults());
  }

  private Batch newBatch(LedgerSettings settings, DrugBatch.Rules rules) {
    String entityId = new BatchId(GTIN, "L" + lots.incrementAndGet()).entityId();
    return new Batch(entityId, EventSourcedBehaviorTestKit.create(testKit.system(), DrugBatch.create(entityId, settings, rules)));
  }

  private static void assertNoEventsStored(Batch batch, long expectedLength) {
    assertEquals(expectedLength, storedEvents(batch.kit(), DrugBatch.ENTITY_TYPE, batch.entityId()).size());
  }

  @Test
  void walksFromRegistrationToDispensingOnAnIntactChain() {
    Batch batch = newBatch().inStock();
    CommandResult.Accepted dispensed = assertAccepted(batch.dispense(PHARMACIST, "SN-1", "SN-2"));

    DrugBatch.State state = batch.state();
    assertEquals(DrugBatch.Status.IN_STOCK, state.status());
    assertEquals("st-mary", state.custodian());
    assertEquals(98, state.stock());
    assertEquals(2, state.dispensedTotal());
    assertEquals(4, dispensed.sequenceNumber());
    VerificationResult.Intact intact = assertIntact(batch.kit(), DrugBatch.ENTITY_TYPE, batch.entityId());
    assertEquals(4, intact.length());
    assertEquals(dispensed.headHash(), intact.headHashHex());
    assertEquals(dispensed.headHash(), state.head().hashHex());
  }

  @Test
  void eventsCarryTheActingPartyAndTheManufacturerComesFromIt() {
    Batch batch = newBatch();
    assertAccepted(batch.register(MANUFACTURER));
    EventBody registered = storedEvents(batch.kit(), DrugBatch.ENTITY_TYPE, batch.entityId()).get(0).body();
    assertEquals("acme-pharma", registered.getActingParty().getOrganisation());
    assertEquals("manufacturer", registered.getActingParty().getRole());
    assertEquals("acme-pharma", registered.getBatchRegistered().getManufacturer());
    assertEquals(GTIN, registered.getBatchRegistered().getGtin());
    assertEquals(32, registered.getBatchRegistered().getQcReportSha256().size());
    assertEquals(NOW.getEpochSecond(), registered.getRecordedAt().getSeconds());
  }

  @Test
  void eventsOfASignedCommandStoreItsSubmissionSignatureAndOthersNone() {
    Batch batch = newBatch();
    SubmissionSignature signature =
        new SubmissionSignature("5e".repeat(32), new byte[] {1, 2, 3}, "medtrace-signed-request/v1\n...".getBytes(StandardCharsets.UTF_8));
    // The kit sends the command through serialization, so the signature also crosses the cluster intact.
    assertAccepted(batch.register(MANUFACTURER.withSubmission(signature)));
    assertAccepted(batch.ship(MANUFACTURER, "acme-pharma", "st-mary"));

    List<ChainedEvent> stored = storedEvents(batch.kit(), DrugBatch.ENTITY_TYPE, batch.entityId());
    assertEquals(signature.toProto(), stored.get(0).body().getSubmissionSignature());
    assertFalse(stored.get(1).body().hasSubmissionSignature());
    assertIntact(batch.kit(), DrugBatch.ENTITY_TYPE, batch.entityId());
  }

  @Test
  void onlyAManufacturerRegistersAndOnlyOnce() {
    Batch batch = newBatch();
    assertRejected(Rejection.FORBIDDEN, batch.register(PHARMACIST));
    assertNoEventsStored(batch, 0);
    assertAccepted(batch.register(MANUFACTURER));
    assertRejected(Rejection.ILLEGAL_STATE, batch.register(MANUFACTURER));
    assertNoEventsStored(batch, 1);
  }

  @Test
  void refusesInvalidRegistrations() {
    Batch batch = newBatch();
    assertRejected(Rejection.INVALID_INPUT, batch.register(MANUFACTURER, LocalDate.of(2027, 1, 1), 0));
    assertRejected(
        Rejection.INVALID_INPUT,
        batch.kit().<CommandResult>runCommand(
                r -> new DrugBatch.Register("Vaccine", LocalDate.of(2027, 1, 1), 10, "not-a-hash", DrugBatch.TemperatureRange.COLD_CHAIN, List.of(), MANUFACTURER, "", r))
            .reply());
    assertRejected(
        Rejection.INVALID_INPUT,
        batch.kit().<CommandResult>runCommand(
                r -> new DrugBatch.Register("Vaccine", LocalDate.of(2027, 1, 1), 10, QC, new DrugBatch.TemperatureRange(8, 2), List.of(), MANUFACTURER, "", r))
            .reply());
    assertRejected(Rejection.BUSINESS_RULE, batch.register(MANUFACTURER, LocalDate.of(2026, 11, 27), 10));
    assertNoEventsStored(batch, 0);
    assertFalse(batch.state().isRegistered());
  }

  @Test
  void refusesAnEntityIdThatIsNotAValidGtinAndLot() {
    String badId = "09506000134353/L1"; // wrong check digit
    var kit =
        EventSourcedBehaviorTestKit.<DrugBatch.Command, JournalRecord, DrugBatch.State>create(
            testKit.system(), DrugBatch.create(badId, EntityTestSupport.settings(10), DrugBatch.Rules.defaults()));
    CommandResult result =
        kit.<CommandResult>runCommand(
                r -> new DrugBatch.Register("Vaccine", LocalDate.of(2027, 1, 1), 10, QC, DrugBatch.TemperatureRange.COLD_CHAIN, List.of(), MANUFACTURER, "", r))
            .reply();
    assertTrue(assertRejected(Rejection.INVALID_INPUT, result).message().contains("check digit"));
  }

  @Test
  void commandsOnAnUnregisteredBatchAreNotFound() {
    Batch batch = newBatch();
    assertRejected(Rejection.NOT_FOUND, batch.ship(MANUFACTURER, "acme-pharma", "st-mary"));
    assertRejected(Rejection.NOT_FOUND, batch.temperature(5));
    assertRejected(Rejection.NOT_FOUND, batch.dispense(PHARMACIST, "SN-1"));
    assertNoEventsStored(batch, 0);
  }

  @Test
  void shipsOnlyFromTheCustodianAndOnlyByAllowedRoles() {
    Batch batch = newBatch();
    assertAccepted(batch.register(MANUFACTURER));
    assertRejected(Rejection.FORBIDDEN, batch.ship(PHARMACIST, "acme-pharma", "st-mary"));
    assertRejected(Rejection.BUSINESS_RULE, batch.ship(MANUFACTURER, "st-mary", "city-pharmacy"));
    assertRejected(Rejection.FORBIDDEN, batch.ship(OTHER_MANUFACTURER, "acme-pharma", "st-mary"));
    assertRejected(Rejection.INVALID_INPUT, batch.ship(MANUFACTURER, "acme-pharma", "acme-pharma"));
    // The carrier picks up on the custodian's behalf.
    assertAccepted(batch.ship(CARRIER, "acme-pharma", "st-mary"));
    assertEquals(DrugBatch.Status.IN_TRANSIT, batch.state().status());
    assertRejected(Rejection.ILLEGAL_STATE, batch.ship(MANUFACTURER, "acme-pharma", "st-mary"));
    assertNoEventsStored(batch, 2);
  }

  @Test
  void receivesOnlyTheShipmentAddressedToTheReceiverAndNoMoreThanShipped() {
    Batch batch = newBatch();
    assertAccepted(batch.register(MANUFACTURER));
    assertRejected(Rejection.ILLEGAL_STATE, batch.receive(HOSPITAL, 10));
    assertAccepted(batch.ship(MANUFACTURER, "acme-pharma", "st-mary"));
    assertRejected(Rejection.FORBIDDEN, batch.receive(OTHER_PHARMACIST, 10));
    assertRejected(Rejection.FORBIDDEN, batch.receive(CARRIER, 10));
    assertRejected(Rejection.BUSINESS_RULE, batch.receive(HOSPITAL, 101));
    assertRejected(
        Rejection.BUSINESS_RULE,
        batch.kit().<CommandResult>runCommand(r -> new DrugBatch.Receive("SH-OTHER", 10, HOSPITAL, "", r)).reply());
    assertAccepted(batch.receive(PHARMACIST, 95));
    assertEquals(95, batch.state().stock());
    assertEquals("st-mary", batch.state().custodian());
    assertNoEventsStored(batch, 3);
  }

  @Test
  void neverDispensesMoreThanInStock() {
    Batch batch = newBatch();
    assertAccepted(batch.register(MANUFACTURER));
    assertAccepted(batch.ship(MANUFACTURER, "acme-pharma", "st-mary"));
    assertAccepted(batch.receive(HOSPITAL, 3));
    assertAccepted(batch.dispenseQuantity(2));
    CommandResult.Rejected rejected = assertRejected(Rejection.BUSINESS_RULE, batch.dispenseQuantity(2));
    assertTrue(rejected.message().contains("only 1 units"), rejected.message());
    assertAccepted(batch.dispenseQuantity(1));
    assertEquals(0, batch.state().stock());
    assertNoEventsStored(batch, 5);
  }

  @Test
  void onlyAPharmacistOfTheCustodianDispenses() {
    Batch batch = newBatch().inStock();
    assertRejected(Rejection.FORBIDDEN, batch.dispense(CLINICIAN, "SN-1"));
    assertRejected(Rejection.FORBIDDEN, batch.dispense(OTHER_PHARMACIST, "SN-1"));
    assertNoEventsStored(batch, 3);
  }

  @Test
  void refusesMalformedDispenses() {
    Batch batch = newBatch().inStock();
    assertRejected(
        Rejection.INVALID_INPUT,
        batch.kit().<CommandResult>runCommand(r -> new DrugBatch.Dispense(2, List.of("SN-1"), "pt-1", PHARMACIST, "", r)).reply());
    assertRejected(Rejection.INVALID_INPUT, batch.dispense(PHARMACIST, "SN-1", "SN-1"));
    assertRejected(
        Rejection.INVALID_INPUT,
        batch.kit().<CommandResult>runCommand(r -> new DrugBatch.Dispense(1, List.of("SN-1"), " ", PHARMACIST, "", r)).reply());
    assertNoEventsStored(batch, 3);
  }

  @Test
  void aSecondDispenseOfASerialIsRefusedAndRecordedAsSuspectedDuplicate() {
    Batch batch = newBatch().inStock();
    CommandResult.Accepted first = assertAccepted(batch.dispense(PHARMACIST, "SN-1", "SN-2"));

    CommandResult.Rejected rejected =
        assertRejected(Rejection.REFUSED_AND_RECORDED, batch.dispense(PHARMACIST, "SN-3", "SN-2"));
    assertEquals(5, rejected.recordedUpTo());

    List<ChainedEvent> events = storedEvents(batch.kit(), DrugBatch.ENTITY_TYPE, batch.entityId());
    EventBody evidence = events.get(4).body();
    assertEquals(EventBody.EventCase.SUSPECTED_DUPLICATE_SCAN, evidence.getEventCase());
    assertEquals("SN-2", evidence.getSuspectedDuplicateScan().getUnitSerial());
    assertEquals(first.sequenceNumber(), evidence.getSuspectedDuplicateScan().getFirstDispensedSequenceNumber());
    // Nothing was dispensed by the refused command: SN-3 is still available.
    assertEquals(98, batch.state().stock());
    assertEquals(1, batch.state().suspectedDuplicateScans());
    assertEquals(Set.of("SN-2"), batch.state().duplicateScannedUnits());
    assertAccepted(batch.dispense(PHARMACIST, "SN-3"));
    assertEquals(Set.of("alert"), alertTags(events.get(4)));
  }

  @Test
  void unitsCommissionedWithTheBatchAreTheOnlyOnesItDispenses() {
    Batch batch = newBatch();
    assertAccepted(
        batch.kit().<CommandResult>runCommand(
                r -> new DrugBatch.Register("Insulin", LocalDate.of(2027, 6, 30), 3, QC, DrugBatch.TemperatureRange.COLD_CHAIN,
                    List.of("SN-A", "SN-B"), MANUFACTURER, "", r))
            .reply());
    EventBody registered = storedEvents(batch.kit(), DrugBatch.ENTITY_TYPE, batch.entityId()).get(0).body();
    assertEquals(List.of("SN-A", "SN-B"), registered.getBatchRegistered().getUnitSerialsList());
    assertEquals(Set.of("SN-A", "SN-B"), batch.state().commissionedUnits());
    assertAccepted(batch.ship(MANUFACTURER, "acme-pharma", "st-mary"));
    assertAccepted(batch.receive(HOSPITAL, 3));

    CommandResult.Rejected foreign = assertRejected(Rejection.BUSINESS_RULE, batch.dispense(PHARMACIST, "SN-A", "SN-FAKE"));
    assertTrue(foreign.message().contains("[SN-FAKE] were not commissioned"), foreign.message());
    assertNoEventsStored(batch, 3);
    assertAccepted(batch.dispense(PHARMACIST, "SN-A"));
  }

  @Test
  void refusesCommissionedSerialsThatAreBlankRepeatedOrMoreThanTheQuantity() {
    for (List<String> serials : List.of(List.of("SN-1", " "), List.of("SN-1", "SN-1"), List.of("SN-1", "SN-2", "SN-3"))) {
      Batch batch = newBatch();
      assertRejected(
          Rejection.INVALID_INPUT,
          batch.kit().<CommandResult>runCommand(
                  r -> new DrugBatch.Register("Insulin", LocalDate.of(2027, 6, 30), 2, QC, DrugBatch.TemperatureRange.COLD_CHAIN,
                      serials, MANUFACTURER, "", r))
              .reply());
      assertNoEventsStored(batch, 0);
    }
  }

  private static Set<String> alertTags(ChainedEvent event) {
    return DrugBatch.create("x/y", EntityTestSupport.settings(10), DrugBatch.Rules.defaults()).tagsFor(event);
  }

  @Test
  void threeConsecutiveWarmReadingsQuarantineTheBatchOnce() {
    Batch batch = newBatch();
    assertAccepted(batch.register(MANUFACTURER));
    assertAccepted(batch.ship(MANUFACTURER, "acme-pharma", "st-mary"));
    assertAccepted(batch.temperature(9.0));
    assertAccepted(batch.temperature(5.0)); // back in range: the run restarts
    assertAccepted(batch.temperature(9.1));
    assertAccepted(batch.temperature(1.5));
    assertEquals(DrugBatch.Status.IN_TRANSIT, batch.state().status());
    CommandResult.Accepted locking = assertAccepted(batch.temperature(10.2));

    List<ChainedEvent> events = storedEvents(batch.kit(), DrugBatch.ENTITY_TYPE, batch.entityId());
    assertEquals(8, events.size());
    assertEquals(8, locking.sequenceNumber());
    EventBody quarantine = events.get(7).body();
    assertEquals(EventBody.EventCase.COLD_CHAIN_QUARANTINED, quarantine.getEventCase());
    assertEquals(
        List.of(9.1, 1.5, 10.2),
        quarantine.getColdChainQuarantined().getOffendingReadingsList().stream().map(r -> r.getCelsius()).toList());
    assertEquals(3, events.get(6).body().getTemperatureRecorded().getConsecutiveExcursions());
    assertEquals(DrugBatch.Status.QUARANTINED, batch.state().status());
    assertEquals(Set.of("alert"), alertTags(events.get(7)));

    // More warm readings are recorded but do not quarantine again.
    assertAccepted(batch.temperature(11));
    assertEquals(9, storedEvents(batch.kit(), DrugBatch.ENTITY_TYPE, batch.entityId()).size());
    // Quarantined: it can't be received until a regulator releases it.
    assertRejected(Rejection.ILLEGAL_STATE, batch.receive(HOSPITAL, 100));
    assertRejected(Rejection.FORBIDDEN, batch.release(MANUFACTURER));
    assertAccepted(batch.release(REGULATOR));
    assertEquals(DrugBatch.Status.IN_TRANSIT, batch.state().status());
    assertTrue(batch.state().excursions().isEmpty());
    assertAccepted(batch.receive(HOSPITAL, 100));
    assertIntact(batch.kit(), DrugBatch.ENTITY_TYPE, batch.entityId());
  }

  @Test
  void coldChainLimitIsConfigurable() {
    Batch batch = newBatch(EntityTestSupport.settings(10), new DrugBatch.Rules(1));
    assertAccepted(batch.register(MANUFACTURER));
    assertAccepted(batch.temperature(12));
    assertEquals(DrugBatch.Status.QUARANTINED, batch.state().status());
    assertThrows(IllegalArgumentException.class, () -> new DrugBatch.Rules(0));
  }

  @Test
  void nothingShipsOrDispensesWhileQuarantined() {
    Batch batch = newBatch().inStock();
    assertRejected(Rejection.FORBIDDEN, batch.quarantine(PHARMACIST));
    assertRejected(Rejection.FORBIDDEN, batch.quarantine(OTHER_MANUFACTURER));
    assertAccepted(batch.quarantine(REGULATOR));
    assertRejected(Rejection.ILLEGAL_STATE, batch.quarantine(MANUFACTURER));
    CommandResult.Rejected refused = assertRejected(Rejection.ILLEGAL_STATE, batch.dispense(PHARMACIST, "SN-1"));
    assertTrue(refused.message().contains("QUARANTINED"), refused.message());
    assertRejected(Rejection.ILLEGAL_STATE, batch.ship(HOSPITAL, "st-mary", "city-pharmacy"));
    assertAccepted(batch.release(REGULATOR));
    assertRejected(Rejection.ILLEGAL_STATE, batch.release(REGULATOR));
    assertAccepted(batch.dispense(PHARMACIST, "SN-1"));
  }

  @Test
  void recallAndDestructionAreFinal() {
    Batch batch = newBatch().inStock();
    assertRejected(Rejection.FORBIDDEN, batch.recall(HOSPITAL));
    assertRejected(Rejection.FORBIDDEN, batch.recall(OTHER_MANUFACTURER));
    assertAccepted(batch.recall(MANUFACTURER));
    assertRejected(Rejection.ILLEGAL_STATE, batch.recall(REGULATOR));
    assertRejected(Rejection.ILLEGAL_STATE, batch.dispense(PHARMACIST, "SN-1"));
    assertRejected(Rejection.ILLEGAL_STATE, batch.quarantine(REGULATOR));
    assertRejected(Rejection.FORBIDDEN, batch.destroy(CARRIER));
    assertRejected(Rejection.FORBIDDEN, batch.destroy(OTHER_PHARMACIST));
    assertAccepted(batch.destroy(HOSPITAL));
    assertRejected(Rejection.ILLEGAL_STATE, batch.destroy(REGULATOR));
    assertRejected(Rejection.ILLEGAL_STATE, batch.temperature(5));
    assertEquals(DrugBatch.Status.DESTROYED, batch.state().status());
    assertEquals(0, batch.state().stock());
  }

  @Test
  void anExpiredBatchNeitherShipsNorDispenses() {
    EntityTestSupport.MutableClock clock = new EntityTestSupport.MutableClock(NOW);
    Batch batch = newBatch(EntityTestSupport.settings(clock, 10), DrugBatch.Rules.defaults());
    assertAccepted(batch.register(MANUFACTURER, LocalDate.of(2026, 12, 31), 10));
    assertAccepted(batch.ship(MANUFACTURER, "acme-pharma", "st-mary"));
    assertAccepted(batch.receive(HOSPITAL, 10));
    clock.advance(Duration.ofDays(40));
    CommandResult.Rejected refused = assertRejected(Rejection.ILLEGAL_STATE, batch.dispense(PHARMACIST, "SN-1"));
    assertTrue(refused.message().contains("expired on 2026-12-31"), refused.message());
    assertRejected(Rejection.ILLEGAL_STATE, batch.ship(HOSPITAL, "st-mary", "city-pharmacy"));
    assertTrue(batch.state().isExpiredAt(clock.instant()));
    // An expired batch can still be destroyed.
    assertAccepted(batch.destroy(PHARMACIST));
  }

  @Test
  void replayAfterRestartGivesTheSameStateAndHeadHash() {
    Batch batch = newBatch(EntityTestSupport.settings(1000), DrugBatch.Rules.defaults()).inStock();
    assertAccepted(batch.temperature(9));
    assertAccepted(batch.dispense(PHARMACIST, "SN-1"));
    DrugBatch.State before = batch.state();
    DrugBatch.State after = batch.kit().restart().state();
    assertEquals(before, after);
    assertEquals(before.head(), after.head());
  }

  @Test
  void recoveryFromASnapshotContinuesTheChain() {
    Batch batch = newBatch(EntityTestSupport.settings(3), DrugBatch.Rules.defaults()).inStock();
    assertAccepted(batch.temperature(4));
    assertAccepted(batch.temperature(5));
    DrugBatch.State before = batch.state();
    assertTrue(batch.kit().snapshotTestKit().isPresent());
    DrugBatch.State after = batch.kit().restart().state();
    assertEquals(before, after);

    assertAccepted(batch.dispense(PHARMACIST, "SN-1"));
    assertAccepted(batch.temperature(6));
    VerificationResult.Intact intact = assertIntact(batch.kit(), DrugBatch.ENTITY_TYPE, batch.entityId());
    assertEquals(7, intact.length());
    assertEquals(batch.state().head().hashHex(), intact.headHashHex());
  }

  @Test
  void anEntityWhoseStoredChainIsBrokenRefusesToAppend() {
    Batch batch = newBatch(EntityTestSupport.settings(1000), DrugBatch.Rules.defaults()).inStock();
    List<ChainedEvent> events = storedEvents(batch.kit(), DrugBatch.ENTITY_TYPE, batch.entityId());
    // Rewrite the journal with the second event's body altered but its hash kept.
    ChainedEvent second = events.get(1);
    byte[] body = second.envelope().getBody().toByteArray();
    body[body.length - 1] ^= 1;
    ChainedEvent tampered =
        new ChainedEvent(second.envelope().toBuilder().setBody(ByteString.copyFrom(body)).build(), second.body());
    batch.kit().persistenceTestKit().clearByPersistenceId(
        org.apache.pekko.persistence.typed.PersistenceId.of(DrugBatch.ENTITY_TYPE, batch.entityId()).id());
    batch.kit().initialize(events.get(0), tampered, events.get(2));

    DrugBatch.State recovered = batch.kit().restart().state();
    assertTrue(recovered.brokenChain().isPresent());
    assertTrue(recovered.brokenChain().get().contains("#2 (HASH_MISMATCH"), recovered.brokenChain().get());
    CommandResult.Rejected refused = assertRejected(Rejection.LEDGER_BROKEN, batch.dispense(PHARMACIST, "SN-1"));
    assertTrue(refused.message().contains("broken at #2"), refused.message());
  }

  @Test
  void repliesAndStateSerialize() {
    Batch batch = newBatch().inStock();
    assertAccepted(batch.dispense(PHARMACIST, "SN-1"));
    var serialization = testKit.serializationTestKit();
    serialization.verifySerialization(batch.state(), true);
    serialization.verifySerialization(new CommandResult.Accepted(3, "ab"), true);
    serialization.verifySerialization(new CommandResult.Rejected(Rejection.BUSINESS_RULE, "why", 0), true);
    serialization.verifySerialization(
        new DrugBatch.Get(testKit.<DrugBatch.State>createTestProbe().ref()), true);
  }
}
