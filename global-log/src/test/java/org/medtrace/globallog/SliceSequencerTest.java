package org.medtrace.globallog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ForkJoinPool;

import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.CommitFeed;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.globallog.EntityJournal.ChainedLeaf;
import org.medtrace.merkle.LogLeaf;
import org.medtrace.merkle.MerkleTree;
import org.medtrace.merkle.ProofVerifier;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignatureType;
import org.medtrace.merkle.note.WitnessPolicy;
import org.medtrace.merkle.witness.CheckpointWitnesses;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.LedgerEvent;
import org.medtrace.persistence.chain.ChainHead;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.HashChain;
import org.medtrace.verify.BundleWriter;
import org.medtrace.verify.HistoryBundle;
import org.medtrace.verify.SigningCertificates;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * Sequencing and integration against the real Cassandra and a journal written by real entities,
 * step by step (no slice writers run on this node, so the test is the only writer).
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SliceSequencerTest {

  private static final NoteSigner LOG_KEY = NoteSigner.generate("test.example/ledger", SignatureType.ED25519);

  private LedgerNode node;
  private LogTables tables;
  private EntityJournal journal;

  @BeforeAll
  void start() {
    node = LedgerNode.start("seqtest", ConfigFactory.parseString("medtrace.global-log.enabled = off")).withPatients(CommitFeed.NONE);
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

  private List<ChainedLeaf> write(String patient, int events) {
    for (int i = 1; i <= events; i++) {
      node.anchor(patient, "r-" + i);
    }
    return journal.chainedEvents(PatientRecord.ENTITY_TYPE, patient, 1, Long.MAX_VALUE);
  }

  private static List<LogLeaf> leaves(List<ChainedLeaf> events) {
    return events.stream().map(ChainedLeaf::leaf).toList();
  }

  @Test
  void anEventWhosePredecessorsAreMissingBringsThemFromTheJournalAndNothingIsAppendedTwice() {
    int slice = 1;
    String patient = patientInSlice(slice);
    List<ChainedLeaf> events = write(patient, 4);
    SliceSequencer sequencer = SliceSequencer.recover(slice, tables, journal, Clock.systemUTC());
    long start = sequencer.size();

    // The tag stream shows only #3: #1 and #2 come from the journal first, in order.
    assertEquals(3, sequencer.sequence(List.of(events.get(2))));
    // Seen again, in any order, with #4 new: only #4 is appended.
    assertEquals(1, sequencer.sequence(List.of(events.get(3), events.get(0), events.get(2), events.get(1))));
    assertEquals(0, sequencer.sequence(events));

    List<LogTables.StoredLeaf> leaves = tables.leavesFrom(slice, start, 100);
    assertEquals(leaves(events), leaves.stream().map(LogTables.StoredLeaf::leaf).toList());
    // The positions and the size are written when the writer indexes (before each checkpoint).
    assertTrue(tables.positions(PatientRecord.ENTITY_TYPE, patient).isEmpty());
    assertEquals(start, tables.progress(slice).sequencedSize());
    sequencer.indexPositions();
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
    List<ChainedLeaf> seenEvents = write(seen, 2);
    List<ChainedLeaf> missedEvents = write(missed, 3);
    SliceSequencer sequencer = SliceSequencer.recover(slice, tables, journal, Clock.systemUTC());
    sequencer.sequence(seenEvents.subList(0, 1));

    // No tag event ever arrives for `missed`, nor for #2 of `seen`.
    int appended = sequencer.reconcile(journal.entities());

    assertEquals(1 + 3, appended);
    assertEquals(2, logHead(sequencer, seen));
    assertEquals(3, logHead(sequencer, missed));
    assertEquals(0, sequencer.reconcile(journal.entities()));
    assertEquals(missedEvents.get(2).leaf(), leafOf(missed, 3));
  }

  @Test
  void aRecoveringSequencerAdoptsLeavesStoredAfterTheRecordedSize() {
    int slice = 3;
    String patient = patientInSlice(slice);
    List<ChainedLeaf> events = write(patient, 2);
    long size = SliceSequencer.recover(slice, tables, journal, Clock.systemUTC()).size();
    // A writer that claimed its leaves and stopped before recording positions and size.
    tables.claimLeaves(slice, size, leaves(events), Clock.systemUTC().instant());

    SliceSequencer recovered = SliceSequencer.recover(slice, tables, journal, Clock.systemUTC());

    assertEquals(size + 2, recovered.size());
    assertEquals(size + 2, tables.progress(slice).sequencedSize());
    assertEquals(2, tables.entityHead(PatientRecord.ENTITY_TYPE, patient));
    assertEquals(0, recovered.sequence(events));
  }

  @Test
  void aSecondWriterOfASliceCannotOverwriteTheFirstsLeaves() {
    int slice = 4;
    List<ChainedLeaf> first = write(patientInSlice(slice), 1);
    List<ChainedLeaf> second = write(patientInSlice(slice), 1);
    SliceSequencer stale = SliceSequencer.recover(slice, tables, journal, Clock.systemUTC());
    SliceSequencer current = SliceSequencer.recover(slice, tables, journal, Clock.systemUTC());
    current.sequence(first);

    assertThrows(ConcurrentWriterException.class, () -> stale.sequence(second));
    assertEquals(first.get(0).leaf(), tables.leavesFrom(slice, stale.size(), 1).get(0).leaf());
  }

  @Test
  void theIntegratedTreeHasTheRootOfTheSequencedLeaves() {
    int slice = 5;
    SliceSequencer sequencer = SliceSequencer.recover(slice, tables, journal, Clock.systemUTC());
    SliceIntegrator integrator = new SliceIntegrator(slice, tables);
    integrator.integrateUpTo(sequencer.size());
    List<ChainedLeaf> all = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      List<ChainedLeaf> events = write(patientInSlice(slice), 3);
      sequencer.sequence(events);
      all.addAll(events);
      // As the writer does: the leaves just claimed, not read back.
      assertEquals(sequencer.size(), integrator.integrateUpTo(sequencer.size(), sequencer.takeAppended()));
    }

    MerkleTree expected = MerkleTree.inMemory();
    tables.leavesFrom(slice, 0, 1000).forEach(leaf -> expected.append(leaf.leaf().encode()));
    assertEquals(expected.size(), integrator.tree().size());
    assertArrayEquals(expected.rootHash(), integrator.tree().rootHash());
    // A reader opened afterwards sees the same tree, from Cassandra alone.
    MerkleTree read = new MerkleTree(CassandraNodeStore.forReader(tables, slice));
    assertArrayEquals(expected.rootHash(), read.rootHash());
    assertArrayEquals(expected.rootHash(4), read.rootHash(4));
    assertEquals(9, all.size());
    // So does an integrator that starts over from an empty tree and reads the leaf rows.
    tables.recordIntegratedSize(slice, 0);
    SliceIntegrator fromRows = new SliceIntegrator(slice, tables);
    assertEquals(expected.size(), fromRows.integrateUpTo(sequencer.size(), List.of()));
    assertArrayEquals(expected.rootHash(), fromRows.tree().rootHash());
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
  void theReconcilersBoundedPassesFindAMissedEventOfAnEntityThatWentQuietAtTheSecondPassAndAnyOtherWithinOneCycle() {
    int slice = 7;
    SliceSequencer sequencer = recovered(slice);
    String quiet = patientInSlice(slice);
    write(quiet, 1);
    String active = patientInSlice(slice);
    // The writer was handed #1 of `active` and not its #2; it was never handed `quiet`.
    sequencer.sequence(write(active, 2).subList(0, 1));
    int pageSize = 3;
    // With no interval, every pass walks a page.
    SliceReconciler reconciler = new SliceReconciler(sequencer, journal, pageSize, Duration.ZERO, new SliceIntake(slice, 100));

    // `active` went quiet after #1: the second pass compares it, whatever the cursor's page.
    reconciler.pass(System.currentTimeMillis());
    reconciler.pass(System.currentTimeMillis());
    assertEquals(2, logHead(sequencer, active), "an entity that went quiet is compared");

    // Every persistence id of this keyspace is a patient's: a cycle is ceil(ids / page) passes.
    int cycle = (journal.entities().size() + pageSize - 1) / pageSize;
    for (int pass = 1; pass < cycle && logHead(sequencer, quiet) == 0; pass++) {
      reconciler.pass(System.currentTimeMillis());
    }
    assertEquals(1, logHead(sequencer, quiet), "found within one cycle of " + cycle + " passes");
    assertEquals(0, sequencer.reconcile(journal.entities()), "nothing is left to find, nothing was appended twice");
  }

  @Test
  void theEntitiesThatJustWentQuietAreComparedAndTheActiveOnesAreNot() {
    int slice = 11;
    SliceSequencer sequencer = recovered(slice);
    String first = patientInSlice(slice);
    String second = patientInSlice(slice);
    List<ChainedLeaf> firstEvents = write(first, 2);
    List<ChainedLeaf> secondEvents = write(second, 1);
    EntityJournal.Entity firstEntity = new EntityJournal.Entity(PatientRecord.ENTITY_TYPE, first);
    EntityJournal.Entity secondEntity = new EntityJournal.Entity(PatientRecord.ENTITY_TYPE, second);

    sequencer.sequence(List.of(firstEvents.get(0), secondEvents.get(0)));
    assertTrue(sequencer.takeToCompare().isEmpty(), "both were just active");
    sequencer.sequence(List.of(firstEvents.get(1)));
    assertEquals(List.of(secondEntity), sequencer.takeToCompare(), "the second went quiet, the first is still active");
    assertEquals(List.of(firstEntity), sequencer.takeToCompare(), "now the first went quiet");
    assertTrue(sequencer.takeToCompare().isEmpty());
  }

  @Test
  void aRequestedCycleWalksEveryEntityBackToBackAndALostHandOverIsComparedAtTheNextPoll() {
    int slice = 10;
    SliceSequencer sequencer = recovered(slice);
    String quiet = patientInSlice(slice);
    write(quiet, 2);
    int pageSize = 3;
    SliceIntake intake = new SliceIntake(slice, 100);
    SliceReconciler reconciler = new SliceReconciler(sequencer, journal, pageSize, Duration.ofHours(1), intake);
    long now = System.currentTimeMillis();

    // The first pass is due at once (no pass yet); then none until the interval has passed.
    assertTrue(reconciler.claimPass(now));
    assertFalse(reconciler.claimPass(now), "one pass waits in the queue at most");
    reconciler.pass(now);
    assertFalse(reconciler.claimPass(now + 1_000), "the next regular pass is an hour away");

    // A cycle (a writer's start, a member's removal) runs page after page until the last id.
    intake.requestCycle();
    int cycle = (journal.entities().size() + pageSize - 1) / pageSize;
    int passes = 0;
    while (reconciler.claimPass(now + 2_000)) {
      reconciler.pass(now + 2_000);
      passes++;
      assertTrue(passes <= cycle + 1, "the cycle ends at the last id");
    }
    assertTrue(passes >= cycle, passes + " passes for " + cycle + " pages");
    assertEquals(2, logHead(sequencer, quiet), "the cycle found every entity");

    // A hand-over that finds no queue (the writer's stream restarting) names its entity for the next poll.
    String handedOver = patientInSlice(slice);
    List<ChainedLeaf> events = write(handedOver, 1);
    ChainedLeaf event = events.get(0);
    intake.offer(
        new SliceWriter.Committed(
            PatientRecord.ENTITY_TYPE, handedOver, 1, event.previousHash(), List.of(event.leaf().eventHash())));
    assertTrue(reconciler.claimPass(now + 3_000), "a missed hand-over makes a pass due");
    reconciler.pass(now + 3_000);
    assertEquals(1, logHead(sequencer, handedOver));
    assertFalse(reconciler.claimPass(now + 4_000));
  }

  @Test
  void anOrphanLeafIsSupersededByTheCommittedEventItsSuccessorIsBuiltOn() throws Exception {
    int slice = 8;
    SliceSequencer sequencer = recovered(slice);
    SliceIntegrator integrator = new SliceIntegrator(slice, tables);
    CheckpointPublisher publisher =
        new CheckpointPublisher(tables, LOG_KEY, CheckpointWitnesses.none(), Duration.ofSeconds(5), Clock.systemUTC(), ForkJoinPool.commonPool());
    LogReader reader = new LogReader(tables, journal, LOG_KEY.verifierKey(), new WitnessPolicy(0, List.of()), Map.of());
    Orphan orphan = orphanInTheLog(sequencer);
    String patient = orphan.patient();
    integrator.integrateUpTo(sequencer.size());
    publisher.publish(slice, integrator.tree());
    Checkpoint older = reader.verified(tables.latestCheckpoint(slice).orElseThrow().note());

    // The tag stream shows #3, built on the committed #2: the committed #2 comes first.
    List<ChainedLeaf> committed = committedAfterTheOrphan(orphan);
    long sizeBefore = sequencer.size();
    assertEquals(2, sequencer.sequence(List.of(committed.get(2))));
    sequencer.indexPositions();

    LogTables.Position replacement = tables.position(PatientRecord.ENTITY_TYPE, patient, 2).orElseThrow();
    assertEquals(new LogTables.Position(slice, sizeBefore), replacement);
    assertEquals(committed.get(1).leaf(), tables.leafAt(replacement));
    assertEquals(orphan.leaf(), tables.leafAt(orphan.position()), "the orphan leaf stays where it was");
    assertTheOrphanIsSupersededBy(orphan, replacement, committed);
    assertEquals(0, sequencer.sequence(committed), "nothing is appended twice");
    assertEquals(0, sequencer.reconcile(List.of(new EntityJournal.Entity(PatientRecord.ENTITY_TYPE, patient))));

    // The tree only grew: the new checkpoint is consistent with the one that has the orphan leaf.
    integrator.integrateUpTo(sequencer.size());
    publisher.publish(slice, integrator.tree());
    Checkpoint newer = reader.verified(tables.latestCheckpoint(slice).orElseThrow().note());
    assertEquals(sequencer.size(), newer.size());
    List<byte[]> consistency = reader.consistencyProof(slice, older.size(), newer.size());
    assertTrue(ProofVerifier.verifyConsistency(older.size(), newer.size(), older.rootHash(), newer.rootHash(), consistency).isValid());

    // The entity's history, as exported, passes the offline verifier.
    HistoryBundle exported = reader.export(PatientRecord.ENTITY_TYPE, patient, SigningCertificates.none());
    assertEquals(3, exported.events().size());
    assertEquals(replacement.leafIndex(), exported.events().get(1).leafIndex());
    Path keyFile = Files.writeString(Files.createTempFile("log", ".vkey"), LOG_KEY.verifierKey().vkey() + "\n");
    Path bundle = Files.createTempFile("orphan-bundle", ".json");
    BundleWriter.write(exported, bundle);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status = org.medtrace.verify.Main.run(new String[] {"--trust-log", keyFile.toString(), bundle.toString()}, new PrintStream(out), new PrintStream(out));
    assertEquals(0, status, out.toString());
  }

  @Test
  void aWriterThatStopsAfterClaimingTheReplacementOfAnOrphanIsCompletedByRecovery() {
    int slice = 9;
    SliceSequencer sequencer = recovered(slice);
    Orphan orphan = orphanInTheLog(sequencer);
    sequencer.indexPositions();
    List<ChainedLeaf> committed = committedAfterTheOrphan(orphan);
    String patient = orphan.patient();
    // A writer that claimed the replacement of #2 and #3, and stopped before recording the
    // superseded leaf, the positions and the size.
    long size = sequencer.size();
    tables.claimLeaves(slice, size, leaves(committed.subList(1, 3)), Clock.systemUTC().instant());
    assertEquals(orphan.position(), tables.position(PatientRecord.ENTITY_TYPE, patient, 2).orElseThrow());

    SliceSequencer recovered = recovered(slice);

    assertEquals(size + 2, recovered.size());
    LogTables.Position replacement = new LogTables.Position(slice, size);
    assertEquals(replacement, tables.position(PatientRecord.ENTITY_TYPE, patient, 2).orElseThrow());
    assertTheOrphanIsSupersededBy(orphan, replacement, committed);
    assertEquals(0, recovered.sequence(committed), "nothing is appended twice");
  }

  @Test
  void whileTheJournalStillShowsTheOrphanNothingIsGuessedAndTheRepairWaitsForIt() {
    SliceSequencer sequencer = recovered(10);
    Orphan orphan = orphanInTheLog(sequencer);
    List<ChainedLeaf> committed = committedAfterTheOrphan(orphan);
    int slice = sequencer.slice();
    String patient = orphan.patient();
    byte[] committedSecond = journal.storedEvents(PatientRecord.ENTITY_TYPE, patient, 2, 2).get(0);
    long now = RealCassandra.session().getContext().getTimestampGenerator().next();
    // The journal read returns the failed write again (it stands for a quorum read in the moment
    // before the rewrite of #2 reached it).
    writeJournalRow(patient, 2, orphan.envelope(), now + 1_000_000);
    long size = sequencer.size();

    assertEquals(0, sequencer.sequence(List.of(committed.get(2))), "#3 is not built on what the journal shows as #2");
    assertEquals(size, sequencer.size());
    sequencer.indexPositions();
    assertEquals(orphan.position(), tables.position(PatientRecord.ENTITY_TYPE, patient, 2).orElseThrow());
    assertEquals(2, tables.entityHead(PatientRecord.ENTITY_TYPE, patient));
    assertTrue(tables.superseded(slice).isEmpty());

    // The committed #2 shows again: the reconciler, which compares the entity next, repairs.
    writeJournalRow(patient, 2, committedSecond, now + 2_000_000);
    assertTrue(sequencer.takeToCompare().contains(new EntityJournal.Entity(PatientRecord.ENTITY_TYPE, patient)));
    assertEquals(2, sequencer.reconcile(List.of(new EntityJournal.Entity(PatientRecord.ENTITY_TYPE, patient))));
    sequencer.indexPositions();
    assertTheOrphanIsSupersededBy(orphan, new LogTables.Position(slice, size), committed);
  }

  @Test
  void anOrphanAndItsReplacementSequencedSinceThePositionsWereLastWrittenAreSortedOutByRecovery() {
    int slice = 12;
    SliceSequencer sequencer = recovered(slice);
    long recordedSize = tables.progress(slice).sequencedSize();
    Orphan orphan = orphanInTheLog(sequencer);
    List<ChainedLeaf> committed = committedAfterTheOrphan(orphan);
    // A writer that sequenced the orphan, then claimed its replacement and #3, and stopped before
    // recording the superseded leaf and before writing any of their positions.
    long size = sequencer.size();
    tables.claimLeaves(slice, size, leaves(committed.subList(1, 3)), Clock.systemUTC().instant());
    assertTrue(tables.positions(PatientRecord.ENTITY_TYPE, orphan.patient()).isEmpty());
    assertEquals(recordedSize, tables.progress(slice).sequencedSize());

    SliceSequencer recovered = recovered(slice);

    assertEquals(size + 2, recovered.size());
    assertEquals(size + 2, tables.progress(slice).sequencedSize());
    assertTheOrphanIsSupersededBy(orphan, new LogTables.Position(slice, size), committed);
    assertEquals(0, recovered.sequence(committed), "nothing is appended twice");
  }

  /** An orphan leaf of the log: whose, where it is, what it holds, and the failed write's envelope. */
  private record Orphan(String patient, LogTables.Position position, LogLeaf leaf, byte[] envelope) {}

  /**
   * Writes #1 of a new patient of the sequencer's slice through the entity, then a #2 that never became committed (a
   * write that failed at QUORUM and stayed on one replica: a row written straight into the journal,
   * which the entity never sees), which the log takes from the journal.
   */
  private Orphan orphanInTheLog(SliceSequencer sequencer) {
    String patient = patientInSlice(sequencer.slice());
    node.anchor(patient, "r-1");
    ChainedLeaf committedFirst = journal.chainedEvents(PatientRecord.ENTITY_TYPE, patient, 1, 1).get(0);
    byte[] failedEnvelope;
    try {
      byte[] first = journal.storedEvents(PatientRecord.ENTITY_TYPE, patient, 1, 1).get(0);
      EventBody firstBody = EventBody.parseFrom(LedgerEvent.parseFrom(first).getBody());
      ChainedEvent failed =
          ChainedEvent.seal(
              new ChainHead(PatientRecord.ENTITY_TYPE, patient, 1, HashChain.hex(committedFirst.leaf().eventHash())),
              firstBody.toBuilder(),
              Optional.empty());
      failedEnvelope = failed.envelope().toByteArray();
      writeJournalRow(patient, 2, failedEnvelope, RealCassandra.session().getContext().getTimestampGenerator().next());
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
    long size = sequencer.size();
    assertEquals(2, sequencer.reconcile(List.of(new EntityJournal.Entity(PatientRecord.ENTITY_TYPE, patient))));
    LogTables.Position position = new LogTables.Position(sequencer.slice(), size + 1);
    assertEquals(2, tables.leafAt(position).sequenceNumber());
    return new Orphan(patient, position, tables.leafAt(position), failedEnvelope);
  }

  /**
   * Writes {@code envelope} as the journal row of {@code patient}'s #{@code sequenceNumber}, with
   * write time {@code writeTimeMicros} (the row of #1 gives the serializer's columns).
   */
  private void writeJournalRow(String patient, long sequenceNumber, byte[] envelope, long writeTimeMicros) {
    String persistenceId = PatientRecord.ENTITY_TYPE + EntityJournal.PERSISTENCE_ID_SEPARATOR + patient;
    CqlSession session = RealCassandra.session();
    Row first =
        session
            .execute(
                SimpleStatement.newInstance(
                    "SELECT ser_id, ser_manifest, event_manifest, timebucket FROM " + node.journalKeyspace
                        + ".messages WHERE persistence_id = ? AND partition_nr = 0 AND sequence_nr = 1",
                    persistenceId))
            .one();
    session.execute(
        SimpleStatement.newInstance(
            "INSERT INTO " + node.journalKeyspace + ".messages (persistence_id, partition_nr, sequence_nr, timestamp, timebucket,"
                + " writer_uuid, ser_id, ser_manifest, event_manifest, event, tags) VALUES (?, 0, ?, now(), ?, 'test-writer', ?, ?, ?, ?, {})"
                + " USING TIMESTAMP " + writeTimeMicros,
            persistenceId, sequenceNumber, first.getString("timebucket"), first.getInt("ser_id"), first.getString("ser_manifest"),
            first.getString("event_manifest"), ByteBuffer.wrap(envelope)));
  }

  /**
   * The entity, which never saw the failed write, writes #2 (a later write time: it wins in the
   * journal) and #3, built on it; returns the committed #1..#3.
   */
  private List<ChainedLeaf> committedAfterTheOrphan(Orphan orphan) {
    String patient = orphan.patient();
    node.anchor(patient, "r-2");
    node.anchor(patient, "r-3");
    List<ChainedLeaf> committed = journal.chainedEvents(PatientRecord.ENTITY_TYPE, patient, 1, Long.MAX_VALUE);
    assertEquals(3, committed.size());
    assertFalse(committed.get(1).leaf().equals(orphan.leaf()));
    return committed;
  }

  /**
   * The orphan leaf is recorded as superseded by {@code replacement}, and every committed event has
   * exactly one position, at a leaf of its own hash.
   */
  private void assertTheOrphanIsSupersededBy(Orphan orphan, LogTables.Position replacement, List<ChainedLeaf> committed) {
    List<LogTables.SupersededLeaf> superseded =
        tables.superseded(orphan.position().slice()).stream().filter(s -> s.leafIndex() == orphan.position().leafIndex()).toList();
    assertEquals(1, superseded.size(), "the orphan leaf is recorded as superseded");
    assertEquals(orphan.leaf(), superseded.get(0).leaf());
    assertEquals(replacement.leafIndex(), superseded.get(0).replacedBy());
    LogLeaf first = committed.get(0).leaf();
    List<LogTables.Position> positions = tables.positions(first.entityType(), first.entityId());
    assertEquals(committed.size(), positions.size());
    for (int i = 0; i < positions.size(); i++) {
      assertEquals(committed.get(i).leaf(), tables.leafAt(positions.get(i)), "#" + (i + 1));
    }
    assertEquals(committed.size(), new HashSet<>(positions).size(), "two events share a leaf");
  }

  /** How far the log's positions hold the patient, once the sequencer wrote them (as before a checkpoint). */
  private long logHead(SliceSequencer sequencer, String patient) {
    sequencer.indexPositions();
    return tables.entityHead(PatientRecord.ENTITY_TYPE, patient);
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
