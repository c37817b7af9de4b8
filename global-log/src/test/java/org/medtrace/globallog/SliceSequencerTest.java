package org.medtrace.globallog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.merkle.LogLeaf;
import org.medtrace.merkle.MerkleTree;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * Sequencing and integration against the real Cassandra and a journal written by real entities,
 * step by step (no slice writers run on this node, so the test is the only writer).
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SliceSequencerTest {

  private LedgerNode node;
  private LogTables tables;
  private EntityJournal journal;

  @BeforeAll
  void start() {
    node = LedgerNode.start("seqtest", ConfigFactory.parseString("medtrace.global-log.enabled = off"));
    tables = GlobalLog.tables(node.testKit.system());
    journal = new EntityJournal(node.testKit.system(), Duration.ofSeconds(30));
  }

  @AfterAll
  void stop() {
    node.close();
  }

  /** A fresh patient in {@code slice}, so that tests do not share an entity. */
  private static String patientInSlice(int slice) {
    while (true) {
      String id = "pk-" + UUID.randomUUID();
      if (LogLeaf.sliceOf(PatientRecord.ENTITY_TYPE, id) == slice) {
        return id;
      }
    }
  }

  private List<LogLeaf> write(String patient, int events) {
    for (int i = 1; i <= events; i++) {
      node.anchor(patient, "r-" + i);
    }
    return journal.events(PatientRecord.ENTITY_TYPE, patient, 1, Long.MAX_VALUE);
  }

  @Test
  void anEventWhosePredecessorsAreMissingBringsThemFromTheJournalAndNothingIsAppendedTwice() {
    int slice = 1;
    String patient = patientInSlice(slice);
    List<LogLeaf> events = write(patient, 4);
    SliceSequencer sequencer = SliceSequencer.recover(slice, tables, journal, Clock.systemUTC());
    long start = sequencer.size();

    // The tag stream shows only #3: #1 and #2 come from the journal first, in order.
    assertEquals(3, sequencer.sequence(List.of(events.get(2))));
    // Seen again, in any order, with #4 new: only #4 is appended.
    assertEquals(1, sequencer.sequence(List.of(events.get(3), events.get(0), events.get(2), events.get(1))));
    assertEquals(0, sequencer.sequence(events));

    List<LogTables.StoredLeaf> leaves = tables.leavesFrom(slice, start, 100);
    assertEquals(events, leaves.stream().map(LogTables.StoredLeaf::leaf).toList());
    for (int i = 0; i < events.size(); i++) {
      assertEquals(
          new LogTables.Position(slice, start + i),
          tables.position(PatientRecord.ENTITY_TYPE, patient, i + 1).orElseThrow());
    }
    assertEquals(start + 4, tables.progress(slice).sequencedSize());
  }

  @Test
  void theReconcilerAppendsWhatNoTagShowedFromTheJournalItself() {
    int slice = 2;
    String seen = patientInSlice(slice);
    String missed = patientInSlice(slice);
    List<LogLeaf> seenEvents = write(seen, 2);
    List<LogLeaf> missedEvents = write(missed, 3);
    SliceSequencer sequencer = SliceSequencer.recover(slice, tables, journal, Clock.systemUTC());
    sequencer.sequence(seenEvents.subList(0, 1));

    // No tag event ever arrives for `missed`, nor for #2 of `seen`.
    int appended = sequencer.reconcile(journal.entities());

    assertEquals(1 + 3, appended);
    assertEquals(2, tables.entityHead(PatientRecord.ENTITY_TYPE, seen));
    assertEquals(3, tables.entityHead(PatientRecord.ENTITY_TYPE, missed));
    assertEquals(0, sequencer.reconcile(journal.entities()));
    assertEquals(missedEvents.get(2), leafOf(missed, 3));
  }

  @Test
  void aRecoveringSequencerAdoptsLeavesStoredAfterTheRecordedSize() {
    int slice = 3;
    String patient = patientInSlice(slice);
    List<LogLeaf> events = write(patient, 2);
    long size = SliceSequencer.recover(slice, tables, journal, Clock.systemUTC()).size();
    // A writer that claimed its leaves and stopped before recording positions and size.
    tables.claimLeaves(slice, size, events, Clock.systemUTC().instant());

    SliceSequencer recovered = SliceSequencer.recover(slice, tables, journal, Clock.systemUTC());

    assertEquals(size + 2, recovered.size());
    assertEquals(size + 2, tables.progress(slice).sequencedSize());
    assertEquals(2, tables.entityHead(PatientRecord.ENTITY_TYPE, patient));
    assertEquals(0, recovered.sequence(events));
  }

  @Test
  void aSecondWriterOfASliceCannotOverwriteTheFirstsLeaves() {
    int slice = 4;
    List<LogLeaf> first = write(patientInSlice(slice), 1);
    List<LogLeaf> second = write(patientInSlice(slice), 1);
    SliceSequencer stale = SliceSequencer.recover(slice, tables, journal, Clock.systemUTC());
    SliceSequencer current = SliceSequencer.recover(slice, tables, journal, Clock.systemUTC());
    current.sequence(first);

    assertThrows(ConcurrentWriterException.class, () -> stale.sequence(second));
    assertEquals(first.get(0), tables.leavesFrom(slice, stale.size(), 1).get(0).leaf());
  }

  @Test
  void theIntegratedTreeHasTheRootOfTheSequencedLeaves() {
    int slice = 5;
    SliceSequencer sequencer = SliceSequencer.recover(slice, tables, journal, Clock.systemUTC());
    List<LogLeaf> all = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      List<LogLeaf> events = write(patientInSlice(slice), 3);
      sequencer.sequence(events);
      all.addAll(events);
    }
    SliceIntegrator integrator = new SliceIntegrator(slice, tables);
    assertEquals(sequencer.size(), integrator.integrateUpTo(sequencer.size()));

    MerkleTree expected = MerkleTree.inMemory();
    tables.leavesFrom(slice, 0, 1000).forEach(leaf -> expected.append(leaf.leaf().encode()));
    assertEquals(expected.size(), integrator.tree().size());
    assertArrayEquals(expected.rootHash(), integrator.tree().rootHash());
    // A reader opened afterwards sees the same tree, from Cassandra alone.
    MerkleTree read = new MerkleTree(CassandraNodeStore.forReader(tables, slice));
    assertArrayEquals(expected.rootHash(), read.rootHash());
    assertArrayEquals(expected.rootHash(4), read.rootHash(4));
    assertEquals(9, all.size());
  }

  @Test
  void leavesAppendedToTheTreeButNotFlushedAnnounceNothingAndAreIntegratedAgainToTheSameRoot() {
    int slice = 6;
    SliceSequencer sequencer = recovered(slice);
    sequencer.sequence(write(patientInSlice(slice), 3));
    sequencer.sequence(write(patientInSlice(slice), 2));
    long integrated = tables.progress(slice).integratedSize();
    // A writer that appended the page's leaves to its tree and stopped before flushing them.
    CassandraNodeStore crashed = CassandraNodeStore.forWriter(tables, slice, integrated);
    MerkleTree crashedTree = new MerkleTree(crashed);
    tables.leavesFrom(slice, integrated, 1000).forEach(leaf -> crashedTree.appendLeafHash(leaf.leaf().leafHash()));
    assertEquals(sequencer.size(), crashedTree.size());

    assertEquals(integrated, tables.progress(slice).integratedSize(), "nothing unflushed is announced");
    assertEquals(integrated, new MerkleTree(CassandraNodeStore.forReader(tables, slice)).size());

    SliceIntegrator recovered = new SliceIntegrator(slice, tables);
    assertEquals(sequencer.size(), recovered.integrateUpTo(sequencer.size()));
    MerkleTree expected = MerkleTree.inMemory();
    tables.leavesFrom(slice, 0, 1000).forEach(leaf -> expected.append(leaf.leaf().encode()));
    assertArrayEquals(expected.rootHash(), crashedTree.rootHash());
    assertArrayEquals(expected.rootHash(), recovered.tree().rootHash());
    assertArrayEquals(expected.rootHash(), new MerkleTree(CassandraNodeStore.forReader(tables, slice)).rootHash());
    assertEquals(sequencer.size(), tables.progress(slice).integratedSize());
  }

  @Test
  void theReconcilersBoundedPassesFindAMissedEventOfAnActiveEntityAtOnceAndAnyOtherWithinOneCycle() {
    int slice = 7;
    SliceSequencer sequencer = recovered(slice);
    String quiet = patientInSlice(slice);
    write(quiet, 1);
    String active = patientInSlice(slice);
    // The tag stream showed #1 of `active` and missed its #2; it never showed `quiet`.
    sequencer.sequence(write(active, 2).subList(0, 1));
    int pageSize = 3;
    SliceReconciler reconciler = new SliceReconciler(sequencer, journal, pageSize);

    reconciler.pass();
    assertEquals(2, tables.entityHead(PatientRecord.ENTITY_TYPE, active), "an entity the tags just showed is compared at once");

    // Every persistence id of this keyspace is a patient's: a cycle is ceil(ids / page) passes.
    int cycle = (journal.entities().size() + pageSize - 1) / pageSize;
    for (int pass = 1; pass < cycle && tables.entityHead(PatientRecord.ENTITY_TYPE, quiet) == 0; pass++) {
      reconciler.pass();
    }
    assertEquals(1, tables.entityHead(PatientRecord.ENTITY_TYPE, quiet), "found within one cycle of " + cycle + " passes");
    assertEquals(0, sequencer.reconcile(journal.entities()), "nothing is left to find, nothing was appended twice");
  }

  /** The slice's sequencer as a writer starting now recovers it. */
  private SliceSequencer recovered(int slice) {
    return SliceSequencer.recover(slice, tables, journal, Clock.systemUTC());
  }

  private LogLeaf leafOf(String patient, long sequenceNumber) {
    LogTables.Position position = tables.position(PatientRecord.ENTITY_TYPE, patient, sequenceNumber).orElseThrow();
    return tables.leavesFrom(position.slice(), position.leafIndex(), 1).get(0).leaf();
  }
}
