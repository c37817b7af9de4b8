package org.medtrace.globallog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.CommitFeed;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.merkle.LogFormat;
import org.medtrace.merkle.LogLeaf;
import org.medtrace.merkle.MerkleTree;
import org.medtrace.merkle.ProofVerifier;
import org.medtrace.merkle.Rfc9162;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.NoteException;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignatureType;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.merkle.witness.CheckpointWitnesses;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * Checkpoint publishing against the real Cassandra: checkpoints verify with the log key, each is
 * consistent with the one before, an unchanged tree gets none, a tree that does not extend the
 * previous checkpoint gets none, and a witness behind {@link CheckpointWitnesses} cosigns, without
 * holding up publishing: while it hangs checkpoints go on, and a later one is witnessed when it is
 * back (or when a round it never answers is given up).
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CheckpointPublisherTest {

  private static final NoteSigner LOG_KEY = NoteSigner.generate("test.example/ledger", SignatureType.ED25519);

  private LedgerNode node;
  private LogTables tables;
  private EntityJournal journal;

  @BeforeAll
  void start() {
    node = LedgerNode.start("checkpointtest", ConfigFactory.parseString("medtrace.global-log.enabled = off")).withPatients(CommitFeed.NONE);
    tables = GlobalLog.tables(node.testKit.system());
    journal = new EntityJournal(node.testKit.system(), Duration.ofSeconds(30));
  }

  @AfterAll
  void stop() {
    node.close();
  }

  private SliceIntegrator grow(int slice, int events) {
    String patient;
    do {
      patient = "pk-" + UUID.randomUUID();
    } while (LogLeaf.sliceOf(PatientRecord.ENTITY_TYPE, patient) != slice);
    for (int i = 1; i <= events; i++) {
      node.anchor(patient, "r-" + i);
    }
    SliceSequencer sequencer = SliceSequencer.recover(slice, tables, journal, Clock.systemUTC());
    sequencer.reconcile(List.of(new EntityJournal.Entity(PatientRecord.ENTITY_TYPE, patient)));
    SliceIntegrator integrator = new SliceIntegrator(slice, tables);
    integrator.integrateUpTo(sequencer.size());
    return integrator;
  }

  private CheckpointPublisher publisher(CheckpointWitnesses witnesses) {
    return publisher(witnesses, Duration.ofSeconds(5));
  }

  private CheckpointPublisher publisher(CheckpointWitnesses witnesses, Duration witnessRoundTimeout) {
    return new CheckpointPublisher(tables, LOG_KEY, witnesses, witnessRoundTimeout, Clock.systemUTC(), ForkJoinPool.commonPool());
  }

  @Test
  void eachCheckpointVerifiesAndIsConsistentWithThePreviousOne() throws Exception {
    int slice = 6;
    CheckpointPublisher publisher = publisher(CheckpointWitnesses.none());
    SliceIntegrator first = grow(slice, 3);
    Checkpoint one = Checkpoint.verify(publisher.publish(slice, first.tree()).orElseThrow(), LOG_KEY.verifierKey());
    assertEquals(LogFormat.sliceOrigin("test.example/ledger", slice), one.origin());
    assertEquals(3, one.size());
    assertArrayEquals(first.tree().rootHash(), one.rootHash());
    assertEquals(Optional.empty(), publisher.publish(slice, first.tree()), "an unchanged tree gets no new checkpoint");

    SliceIntegrator second = grow(slice, 2);
    Checkpoint two = Checkpoint.verify(publisher.publish(slice, second.tree()).orElseThrow(), LOG_KEY.verifierKey());
    assertEquals(5, two.size());
    assertTrue(
        ProofVerifier.verifyConsistency(
                one.size(), two.size(), one.rootHash(), two.rootHash(), second.tree().consistencyProof(one.size(), two.size()))
            .isValid());
    LogTables.StoredCheckpoint stored = tables.latestCheckpoint(slice).orElseThrow();
    assertEquals(5, stored.treeSize());
    assertEquals(stored.note(), stored.cosignedNote(), "no witnesses, no cosignatures");
  }

  @Test
  void aTreeThatDoesNotExtendThePreviousCheckpointIsNotSigned() {
    int slice = 7;
    SliceIntegrator integrator = grow(slice, 2);
    // A checkpoint of size 1 with a root the tree never had: the stored log was changed since.
    byte[] otherRoot = Rfc9162.leafHash(new byte[] {1});
    tables.insertCheckpoint(
        slice, 1, Checkpoint.at(LogFormat.sliceOrigin("test.example/ledger", slice), 1, otherRoot, Clock.systemUTC().instant()).sign(LOG_KEY).format(),
        Clock.systemUTC().instant());

    assertThrows(CheckpointRefusedException.class, () -> publisher(CheckpointWitnesses.none()).publish(slice, integrator.tree()));
    assertEquals(1, tables.latestCheckpoint(slice).orElseThrow().treeSize());
  }

  @Test
  void aPreviousCheckpointNotSignedByTheLogKeyStopsPublishing() {
    int slice = 8;
    SliceIntegrator integrator = grow(slice, 2);
    NoteSigner impostor = NoteSigner.generate("test.example/ledger", SignatureType.ED25519);
    tables.insertCheckpoint(
        slice, 1,
        Checkpoint.at(LogFormat.sliceOrigin("test.example/ledger", slice), 1, integrator.tree().rootHash(1), Clock.systemUTC().instant())
            .sign(impostor).format(),
        Clock.systemUTC().instant());

    assertThrows(CheckpointRefusedException.class, () -> publisher(CheckpointWitnesses.none()).publish(slice, integrator.tree()));
  }

  @Test
  void aCheckpointChangedInTheTableAfterThePublisherStoredItStopsPublishing() {
    int slice = 13;
    CheckpointPublisher publisher = publisher(CheckpointWitnesses.none());
    SliceIntegrator first = grow(slice, 2);
    long size = publisher.publish(slice, first.tree()).map(note -> first.tree().size()).orElseThrow();
    // The same tree under another key, written over the row the publisher stored.
    NoteSigner impostor = NoteSigner.generate("test.example/ledger", SignatureType.ED25519);
    String forged =
        Checkpoint.at(LogFormat.sliceOrigin("test.example/ledger", slice), size, first.tree().rootHash(size), Clock.systemUTC().instant())
            .sign(impostor)
            .format();
    RealCassandra.session()
        .execute(
            SimpleStatement.newInstance(
                "UPDATE " + node.journalKeyspace + ".log_checkpoints SET note = ? WHERE slice = ? AND tree_size = ?", forged, slice, size));

    SliceIntegrator second = grow(slice, 1);
    assertThrows(CheckpointRefusedException.class, () -> publisher.publish(slice, second.tree()));
    assertEquals(size, tables.latestCheckpoint(slice).orElseThrow().treeSize());
  }

  @Test
  void aWitnessBehindTheInterfaceCosignsEachNewCheckpoint() throws Exception {
    int slice = 9;
    InProcessWitness witness = new InProcessWitness(LOG_KEY.verifierKey(), slice, tables);
    CheckpointPublisher publisher = publisher(witness);

    publisher.publish(slice, grow(slice, 2).tree()).orElseThrow();
    publisher.publish(slice, grow(slice, 3).tree()).orElseThrow();

    awaitAssert(() -> assertTrue(witnessed(witness, slice, 5), "the stored checkpoint carries the cosignature"));
    Checkpoint.verify(SignedNote.parse(tables.checkpoint(slice, 5).orElseThrow().cosignedNote()), LOG_KEY.verifierKey());
    assertEquals(List.of(0L, 2L), witness.oldSizes(), "the first checkpoint comes from size 0, the second from the first's size");
  }

  @Test
  void checkpointsGoOnWhileTheWitnessHangsAndALaterOneIsWitnessedWhenItIsBack() throws Exception {
    int slice = 10;
    InProcessWitness witness = new InProcessWitness(LOG_KEY.verifierKey(), slice, tables);
    witness.hang();
    // Rounds are given up only after ten minutes: a publisher that waited for them would not get on.
    CheckpointPublisher publisher = publisher(witness, Duration.ofMinutes(10));

    // Beside the test, so that a publisher that waits for the hanging witness fails it instead of hanging it.
    List<Long> sizes =
        CompletableFuture.supplyAsync(
                () ->
                    java.util.stream.Stream.of(2, 3, 1)
                        .map(events -> size(publisher.publish(slice, grow(slice, events).tree()).orElseThrow()))
                        .toList())
            .get(60, TimeUnit.SECONDS);

    assertEquals(List.of(2L, 5L, 6L), sizes, "every checkpoint was published while the witness held the first");
    assertEquals(List.of(0L), witness.oldSizes(), "the witness holds the first checkpoint; the later ones wait for that round");
    for (long size : sizes) {
      assertFalse(witnessed(witness, slice, size));
    }

    witness.resumeAndAnswerHeld();
    awaitAssert(() -> assertTrue(witnessed(witness, slice, 6), "the latest checkpoint, handed over when the held round ended"));
    assertTrue(witnessed(witness, slice, 2), "the held request, answered late");
    assertFalse(witnessed(witness, slice, 5), "replaced by 6 while it waited, so never handed over");
  }

  @Test
  void aRoundTheWitnessNeverAnswersIsGivenUpAndTheNextCheckpointIsHandedOver() throws Exception {
    int slice = 11;
    InProcessWitness witness = new InProcessWitness(LOG_KEY.verifierKey(), slice, tables);
    MerkleTree first = grow(slice, 1).tree();
    MerkleTree second = grow(slice, 2).tree();
    CheckpointPublisher publisher = publisher(witness, Duration.ofSeconds(5));

    witness.hang();
    publisher.publish(slice, first).orElseThrow();
    witness.resume();
    publisher.publish(slice, second).orElseThrow();
    assertEquals(List.of(0L), witness.oldSizes(), "the second checkpoint waits for the first's round");

    awaitAssert(() -> assertTrue(witnessed(witness, slice, 3), "handed over once the unanswered round was given up"));
    assertFalse(witnessed(witness, slice, 1));
  }

  private static long size(SignedNote note) {
    try {
      return Checkpoint.parse(note.text()).size();
    } catch (NoteException e) {
      throw new AssertionError(e);
    }
  }

  /** Whether the stored checkpoint of {@code size} carries a valid cosignature of {@code witness}. */
  private boolean witnessed(InProcessWitness witness, int slice, long size) {
    try {
      return witness.policy().evaluate(SignedNote.parse(tables.checkpoint(slice, size).orElseThrow().cosignedNote())).witnessed();
    } catch (NoteException e) {
      throw new AssertionError(e);
    }
  }

  private void awaitAssert(Runnable assertion) {
    node.testKit.createTestProbe().awaitAssert(Duration.ofSeconds(30), () -> {
      assertion.run();
      return null;
    });
  }

  @Test
  void aWitnessThatMissedCheckpointsGetsAProofFromTheSlicesStoredTree() {
    int slice = 12;
    grow(slice, 1);
    MerkleTree tree = grow(slice, 2).tree();
    SliceConsistencyProofs proofs = new SliceConsistencyProofs(tables, "test.example/ledger");

    List<byte[]> proof = proofs.between(LogFormat.sliceOrigin("test.example/ledger", slice), 1, tree.size());

    assertTrue(
        ProofVerifier.verifyConsistency(1, tree.size(), tree.rootHash(1), tree.rootHash(tree.size()), proof).isValid(),
        "a proof from size 1 to the slice's size");
    assertThrows(IllegalArgumentException.class, () -> proofs.between(LogFormat.sliceOrigin("other.example/ledger", slice), 1, 2));
    assertThrows(IllegalArgumentException.class, () -> proofs.between("test.example/ledger/slice-012", 1, 2));
  }
}
