package org.medtrace.actors.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.actors.ledger.EntityTestSupport.assertAccepted;
import static org.medtrace.actors.ledger.EntityTestSupport.storedEvents;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.persistence.chain.ChainedEvent;

/**
 * What an entity hands its {@link CommitFeed}: exactly the events it stored, once each, in order,
 * and nothing for a command that stored nothing or whose persist failed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommitFeedTest {

  private final ActorTestKit testKit = EntityTestSupport.testKit();

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  private BatchKit batch(String lot, List<List<ChainedEvent>> handedOver) {
    return new BatchKit(testKit, lot, EntityTestSupport.settings(3).withCommitFeed(handedOver::add));
  }

  @Test
  void everyStoredEventIsHandedOverOnceInOrder() {
    List<List<ChainedEvent>> handedOver = new CopyOnWriteArrayList<>();
    var batch = batch("FEED-1", handedOver);
    assertAccepted(batch.register("m-1"));
    assertAccepted(batch.reading("t-1"));
    assertAccepted(batch.reading("t-2"));

    List<ChainedEvent> stored = storedEvents(batch.kit, DrugBatch.ENTITY_TYPE, batch.entityId);
    assertEquals(stored, handedOver.stream().flatMap(List::stream).toList());
    assertEquals(List.of(1L, 2L, 3L), handedOver.stream().flatMap(List::stream).map(ChainedEvent::sequenceNumber).toList());
  }

  @Test
  void aCommandThatStoresNothingHandsOverNothing() {
    List<List<ChainedEvent>> handedOver = new CopyOnWriteArrayList<>();
    var batch = batch("FEED-2", handedOver);
    assertAccepted(batch.register("m-1"));
    handedOver.clear();
    // A redelivered message is answered from memory; a second registration is refused.
    assertInstanceOf(CommandResult.AlreadyRecorded.class, batch.register("m-1"));
    assertInstanceOf(CommandResult.Rejected.class, batch.register("m-2"));
    assertTrue(handedOver.isEmpty(), () -> "handed over " + handedOver);
  }

  @Test
  void aFailedPersistHandsOverNothing() {
    List<List<ChainedEvent>> handedOver = new CopyOnWriteArrayList<>();
    var batch = batch("FEED-3", handedOver);
    assertAccepted(batch.register("m-1"));
    handedOver.clear();
    batch.kit.persistenceTestKit().failNextPersisted();
    assertThrows(AssertionError.class, () -> batch.reading("t-1"));
    assertTrue(handedOver.isEmpty(), () -> "handed over " + handedOver);
  }
}
