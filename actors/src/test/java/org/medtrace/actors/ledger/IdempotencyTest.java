package org.medtrace.actors.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.medtrace.actors.ledger.EntityTestSupport.NOW;
import static org.medtrace.actors.ledger.EntityTestSupport.assertAccepted;
import static org.medtrace.actors.ledger.EntityTestSupport.assertIntact;
import static org.medtrace.actors.ledger.EntityTestSupport.party;
import static org.medtrace.actors.ledger.EntityTestSupport.storedEvents;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.medtrace.actors.batch.BatchId;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.persistence.chain.JournalRecord;

/** A redelivered source message never produces a second event, also after a restart. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdempotencyTest {

  private static final ActingParty MANUFACTURER = party(Role.MANUFACTURER, "acme-pharma");
  private static final ActingParty CARRIER = party(Role.LOGISTICS, "cold-logistics");

  private final ActorTestKit testKit = EntityTestSupport.testKit();

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  private EventSourcedBehaviorTestKit<DrugBatch.Command, JournalRecord, DrugBatch.State> batch(String lot, int window) {
    String entityId = new BatchId("09506000134352", lot).entityId();
    LedgerSettings settings = new LedgerSettings(Clock.fixed(NOW, ZoneOffset.UTC), Optional.empty(), 3, window);
    return EventSourcedBehaviorTestKit.create(testKit.system(), DrugBatch.create(entityId, settings, DrugBatch.Rules.defaults()));
  }

  private static CommandResult register(EventSourcedBehaviorTestKit<DrugBatch.Command, JournalRecord, DrugBatch.State> kit, String sourceId) {
    return kit.<CommandResult>runCommand(
            r -> new DrugBatch.Register("Insulin", LocalDate.of(2027, 6, 30), 10, "ab".repeat(32),
                DrugBatch.TemperatureRange.COLD_CHAIN, List.of(), MANUFACTURER, sourceId, r))
        .reply();
  }

  private static CommandResult reading(EventSourcedBehaviorTestKit<DrugBatch.Command, JournalRecord, DrugBatch.State> kit, String sourceId) {
    return kit.<CommandResult>runCommand(
            r -> new DrugBatch.RecordTemperature("sensor-1", NOW, 5.0, CARRIER, sourceId, r))
        .reply();
  }

  @Test
  void aRedeliveredMessageIsAnsweredWithItsFirstEventAndStoresNothing() {
    var kit = batch("IDEM-1", 1000);
    assertAccepted(register(kit, "epcis-1"));
    assertAccepted(reading(kit, "sensor-1/7"));

    CommandResult again = reading(kit, "sensor-1/7");

    assertEquals(new CommandResult.AlreadyRecorded("sensor-1/7", 2), again);
    assertEquals(2, storedEvents(kit, DrugBatch.ENTITY_TYPE, "09506000134352/IDEM-1").size());
    assertIntact(kit, DrugBatch.ENTITY_TYPE, "09506000134352/IDEM-1");
  }

  @Test
  void theSameIdFromAnotherOrganisationIsADifferentMessage() {
    var kit = batch("IDEM-5", 1000);
    assertAccepted(register(kit, "m-1"));
    ActingParty otherCarrier = party(Role.LOGISTICS, "rapid-freight");
    assertAccepted(
        kit.<CommandResult>runCommand(r -> new DrugBatch.RecordTemperature("sensor-9", NOW, 4.0, otherCarrier, "m-1", r)).reply());
    assertEquals(2, storedEvents(kit, DrugBatch.ENTITY_TYPE, "09506000134352/IDEM-5").size());
  }

  @Test
  void messagesWithoutSourceIdAreNeverTakenForDuplicates() {
    var kit = batch("IDEM-2", 1000);
    assertAccepted(register(kit, ""));
    assertAccepted(reading(kit, ""));
    assertAccepted(reading(kit, ""));
    assertEquals(3, storedEvents(kit, DrugBatch.ENTITY_TYPE, "09506000134352/IDEM-2").size());
  }

  @Test
  void theMemorySurvivesARestartFromSnapshotAndReplay() {
    var kit = batch("IDEM-3", 1000);
    assertAccepted(register(kit, "epcis-1"));
    for (int i = 1; i <= 7; i++) {
      int n = i;
      assertAccepted(reading(kit, "sensor-1/" + n)); // snapshots every 3 events, then replay of the rest
    }

    kit.restart();

    assertInstanceOf(CommandResult.AlreadyRecorded.class, register(kit, "epcis-1"));
    assertEquals(new CommandResult.AlreadyRecorded("sensor-1/7", 8), reading(kit, "sensor-1/7"));
    assertEquals(8, storedEvents(kit, DrugBatch.ENTITY_TYPE, "09506000134352/IDEM-3").size());
  }

  @Test
  void theWindowForgetsTheOldestIds() {
    var kit = batch("IDEM-4", 2);
    assertAccepted(register(kit, "m-1"));
    assertAccepted(reading(kit, "m-2"));
    assertAccepted(reading(kit, "m-3"));
    assertAccepted(reading(kit, "m-4"));

    // The same sender as m-2..m-4 (ids are per organisation, and m-1 came from the manufacturer).
    assertInstanceOf(CommandResult.AlreadyRecorded.class, reading(kit, "m-3"));
    assertInstanceOf(CommandResult.AlreadyRecorded.class, reading(kit, "m-4"));
    assertAccepted(reading(kit, "m-2")); // beyond the window of 2: stored again, as documented
  }
}
