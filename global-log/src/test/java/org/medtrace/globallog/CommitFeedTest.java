package org.medtrace.globallog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.CommitFeed;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.merkle.LogLeaf;
import org.medtrace.persistence.cassandra.RealCassandra;
import org.medtrace.persistence.chain.ChainedEvent;

/**
 * The entities' hand-over into the log ({@link SliceFeed}), with the reconciler's regular passes an
 * hour apart, so that only the hand-overs, the gap filling of the sequencer and the cycle every
 * writer runs when it starts bring events in: events stored while no writer ran are found by that
 * cycle, events handed over are sequenced, and lost hand-overs are filled in from the journal when
 * the entity's next event arrives. The journal's partitions hold 3 events, so that the reconciler's
 * probe for the event after the log's head ({@link EntityJournal#holdsAsync}) crosses them.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommitFeedTest {

  /** The entity's feed: nothing until the log runs, then the log's, losing what {@link #lost} names. */
  private final AtomicReference<CommitFeed> delegate = new AtomicReference<>(CommitFeed.NONE);

  /** Patients whose hand-overs are lost on the way. */
  private final Set<String> lost = ConcurrentHashMap.newKeySet();

  private LedgerNode node;
  private LogTables tables;
  private Map<String, Integer> storedBeforeTheLogRan;

  @BeforeAll
  void start() {
    node =
        LedgerNode.start(
                "commitfeedtest",
                ConfigFactory.parseMap(
                    Map.of(
                        "medtrace.global-log.reconcile-interval", "1h",
                        // Positions are written every interval: a test that waits 3 s sees them.
                        "medtrace.global-log.checkpoint-interval", "1s",
                        // Journal partitions of 3 events: the reconciler's probes cross them.
                        "pekko.persistence.cassandra.journal.target-partition-size", "3")))
            .withPatients(this::handOver);
    storedBeforeTheLogRan = node.anchorOnPatients("pk-before", 8, 7);
    GlobalLog log = GlobalLog.init(node.testKit.system(), GlobalLogSettings.from(node.testKit.system().settings().config()), Clock.systemUTC());
    delegate.set(log.commitFeed());
    tables = log.tables();
  }

  private void handOver(List<ChainedEvent> events) {
    if (!lost.contains(events.get(0).body().getEntityId())) {
      delegate.get().committed(events);
    }
  }

  @AfterAll
  void stop() {
    node.close();
  }

  @Test
  void eventsStoredWhileNoWriterRanAreFoundByTheCycleEachWriterStartsWith() {
    node.awaitAssert(Duration.ofSeconds(30), () -> LedgerNode.assertInTheLogOnce(tables, storedBeforeTheLogRan));
  }

  @Test
  void theReconcilersProbeFindsAnEventInWhicheverPartitionItIs() {
    node.anchorOnPatients("pk-probed", 1, 1);
    String patient = "pk-probed-0";
    for (int r = 2; r <= 7; r++) {
      node.anchor(patient, "r-" + r);
    }
    EntityJournal journal = new EntityJournal(node.testKit.system(), Duration.ofSeconds(30));
    for (long sequenceNumber = 1; sequenceNumber <= 7; sequenceNumber++) {
      assertTrue(journal.holdsAsync(PatientRecord.ENTITY_TYPE, patient, sequenceNumber).join(), "#" + sequenceNumber);
    }
    assertFalse(journal.holdsAsync(PatientRecord.ENTITY_TYPE, patient, 8).join(), "#8 was never written");
    assertFalse(journal.holdsAsync(PatientRecord.ENTITY_TYPE, "pk-never-written", 1).join());
  }

  @Test
  void everyEventHandedOverIsInTheLogExactlyOnce() {
    Map<String, Integer> events = node.anchorOnPatients("pk-handed", 16, 3);
    node.awaitAssert(Duration.ofSeconds(30), () -> LedgerNode.assertInTheLogOnce(tables, events));
  }

  @Test
  void lostHandOversAreFilledInFromTheJournalWhenTheEntityWritesAgain() throws InterruptedException {
    String patient = "pk-lost-0";
    // Its slice's writer is past its starting cycle once an event handed over after it is in.
    int slice = LogLeaf.sliceOf(PatientRecord.ENTITY_TYPE, patient);
    String neighbour = "pk-neighbour-0";
    for (int n = 1; LogLeaf.sliceOf(PatientRecord.ENTITY_TYPE, neighbour) != slice; n++) {
      neighbour = "pk-neighbour-" + n;
    }
    node.anchor(neighbour, "r-1");
    String warmedUp = neighbour;
    node.awaitAssert(Duration.ofSeconds(30), () -> LedgerNode.assertInTheLogOnce(tables, Map.of(warmedUp, 1)));
    lost.add(patient);
    node.anchor(patient, "r-1");
    node.anchor(patient, "r-2");
    // With no hand-over and no reconciliation pass due for an hour, the log does not know them yet.
    Thread.sleep(3_000);
    assertTrue(tables.positions(PatientRecord.ENTITY_TYPE, patient).isEmpty(), "the log found events nobody handed over");
    lost.remove(patient);
    node.anchor(patient, "r-3");
    node.awaitAssert(Duration.ofSeconds(30), () -> LedgerNode.assertInTheLogOnce(tables, Map.of(patient, 3)));
    assertEquals(3, tables.positions(PatientRecord.ENTITY_TYPE, patient).size());
  }
}
