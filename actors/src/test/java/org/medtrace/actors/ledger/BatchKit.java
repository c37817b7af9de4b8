package org.medtrace.actors.ledger;

import static org.medtrace.actors.ledger.EntityTestSupport.NOW;
import static org.medtrace.actors.ledger.EntityTestSupport.party;

import java.time.LocalDate;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.medtrace.actors.batch.BatchId;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.persistence.chain.JournalRecord;

/**
 * A drug batch on the in-memory journal with the two commands the ledger-wide tests need (its
 * registration and a temperature reading), each with the source message id under test.
 */
final class BatchKit {

  static final String GTIN = "09506000134352";
  static final ActingParty MANUFACTURER = party(Role.MANUFACTURER, "acme-pharma");
  static final ActingParty CARRIER = party(Role.LOGISTICS, "cold-logistics");

  final EventSourcedBehaviorTestKit<DrugBatch.Command, JournalRecord, DrugBatch.State> kit;
  final String entityId;

  BatchKit(ActorTestKit testKit, String lot, LedgerSettings settings) {
    this.entityId = new BatchId(GTIN, lot).entityId();
    this.kit = EventSourcedBehaviorTestKit.create(testKit.system(), DrugBatch.create(entityId, settings, DrugBatch.Rules.defaults()));
  }

  CommandResult register(String sourceId) {
    return kit.<CommandResult>runCommand(
            r -> new DrugBatch.Register("Insulin", LocalDate.of(2027, 6, 30), 10, "ab".repeat(32),
                DrugBatch.TemperatureRange.COLD_CHAIN, List.of(), MANUFACTURER, sourceId, r))
        .reply();
  }

  /** A reading of 5 °C from sensor-1. */
  CommandResult reading(String sourceId) {
    return kit.<CommandResult>runCommand(r -> new DrugBatch.RecordTemperature("sensor-1", NOW, 5.0, CARRIER, sourceId, r))
        .reply();
  }
}
