package org.medtrace.actors.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.medtrace.actors.ledger.EntityTestSupport.NOW;
import static org.medtrace.actors.ledger.EntityTestSupport.assertAccepted;
import static org.medtrace.actors.ledger.EntityTestSupport.assertIntact;
import static org.medtrace.actors.ledger.EntityTestSupport.party;
import static org.medtrace.actors.ledger.EntityTestSupport.storedEvents;

import java.time.ZoneOffset;
import java.time.Clock;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.medtrace.actors.batch.DrugBatch;

/** A redelivered source message never produces a second event, also after a restart. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdempotencyTest {

  private final ActorTestKit testKit = EntityTestSupport.testKit();

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  private BatchKit batch(String lot, int window) {
    return new BatchKit(testKit, lot, new LedgerSettings(Clock.fixed(NOW, ZoneOffset.UTC), Optional.empty(), 3, window));
  }

  @Test
  void aRedeliveredMessageIsAnsweredWithItsFirstEventAndStoresNothing() {
    var batch = batch("IDEM-1", 1000);
    assertAccepted(batch.register("epcis-1"));
    assertAccepted(batch.reading("sensor-1/7"));

    CommandResult again = batch.reading("sensor-1/7");

    assertEquals(new CommandResult.AlreadyRecorded("sensor-1/7", 2), again);
    assertEquals(2, storedEvents(batch.kit, DrugBatch.ENTITY_TYPE, "09506000134352/IDEM-1").size());
    assertIntact(batch.kit, DrugBatch.ENTITY_TYPE, "09506000134352/IDEM-1");
  }

  @Test
  void theSameIdFromAnotherOrganisationIsADifferentMessage() {
    var batch = batch("IDEM-5", 1000);
    assertAccepted(batch.register("m-1"));
    ActingParty otherCarrier = party(Role.LOGISTICS, "rapid-freight");
    assertAccepted(
        batch.kit.<CommandResult>runCommand(r -> new DrugBatch.RecordTemperature("sensor-9", NOW, 4.0, otherCarrier, "m-1", r)).reply());
    assertEquals(2, storedEvents(batch.kit, DrugBatch.ENTITY_TYPE, "09506000134352/IDEM-5").size());
  }

  @Test
  void messagesWithoutSourceIdAreNeverTakenForDuplicates() {
    var batch = batch("IDEM-2", 1000);
    assertAccepted(batch.register(""));
    assertAccepted(batch.reading(""));
    assertAccepted(batch.reading(""));
    assertEquals(3, storedEvents(batch.kit, DrugBatch.ENTITY_TYPE, "09506000134352/IDEM-2").size());
  }

  @Test
  void theMemorySurvivesARestartFromSnapshotAndReplay() {
    var batch = batch("IDEM-3", 1000);
    assertAccepted(batch.register("epcis-1"));
    for (int i = 1; i <= 7; i++) {
      int n = i;
      assertAccepted(batch.reading("sensor-1/" + n)); // snapshots every 3 events, then replay of the rest
    }

    batch.kit.restart();

    assertInstanceOf(CommandResult.AlreadyRecorded.class, batch.register("epcis-1"));
    assertEquals(new CommandResult.AlreadyRecorded("sensor-1/7", 8), batch.reading("sensor-1/7"));
    assertEquals(8, storedEvents(batch.kit, DrugBatch.ENTITY_TYPE, "09506000134352/IDEM-3").size());
  }

  @Test
  void theWindowForgetsTheOldestIds() {
    var batch = batch("IDEM-4", 2);
    assertAccepted(batch.register("m-1"));
    assertAccepted(batch.reading("m-2"));
    assertAccepted(batch.reading("m-3"));
    assertAccepted(batch.reading("m-4"));

    // The same sender as m-2..m-4 (ids are per organisation, and m-1 came from the manufacturer).
    assertInstanceOf(CommandResult.AlreadyRecorded.class, batch.reading("m-3"));
    assertInstanceOf(CommandResult.AlreadyRecorded.class, batch.reading("m-4"));
    assertAccepted(batch.reading("m-2")); // beyond the window of 2: stored again, as documented
  }
}
