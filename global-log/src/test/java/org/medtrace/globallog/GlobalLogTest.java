package org.medtrace.globallog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.merkle.LogFormat;
import org.medtrace.merkle.LogLeaf;
import org.medtrace.merkle.MerkleTree;
import org.medtrace.merkle.ProofVerifier;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.NoteException;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.persistence.cassandra.RealCassandra;
import org.medtrace.verify.BundleWriter;
import org.medtrace.verify.HistoryBundle;
import org.medtrace.verify.SigningCertificates;

/**
 * The running log: one writer per slice (a sharded daemon process) following the slice tags, with
 * the reconciler running every second alongside, so that both deliver most events and the log must
 * still hold each exactly once.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GlobalLogTest {

  private LedgerNode node;
  private LogTables tables;
  private GlobalLog log;

  @BeforeAll
  void start() throws Exception {
    Path keyDirectory = Files.createTempDirectory("medtrace-log-key");
    node =
        LedgerNode.start(
            "globallogtest",
            ConfigFactory.parseString(
                """
                medtrace.global-log.reconcile-interval = 1s
                medtrace.global-log.restart-min-backoff = 200ms
                medtrace.global-log.checkpoint-interval = 1s
                medtrace.global-log.development-key.enabled = on
                medtrace.global-log.development-key.dir = "%s"
                """.formatted(keyDirectory)));
    log = GlobalLog.init(node.testKit.system(), GlobalLogSettings.from(node.testKit.system().settings().config()), Clock.systemUTC());
    tables = log.tables();
    assertEquals(log.logKey().orElseThrow().vkey() + "\n", Files.readString(keyDirectory.resolve(LogKey.VKEY_FILE)));
  }

  @AfterAll
  void stop() {
    node.close();
  }

  @Test
  void everyEventWrittenThroughTheEntitiesAppearsInTheLogExactlyOnce() {
    Map<String, Integer> events = node.anchorOnPatients("pk-all", 12, 4);
    node.awaitAssert(
        Duration.ofSeconds(30),
        () -> {
          LedgerNode.assertInTheLogOnce(tables, events);
          // Every leaf of every slice (other tests' events too) stands for a different event.
          Set<LogLeaf> leaves = new HashSet<>();
          long count = 0;
          for (int slice = 0; slice < LogFormat.SLICE_COUNT; slice++) {
            LogTables.SliceProgress progress = tables.progress(slice);
            List<LogTables.StoredLeaf> stored = tables.leavesFrom(slice, 0, 10_000);
            assertEquals(progress.sequencedSize(), stored.size());
            assertEquals(progress.sequencedSize(), progress.integratedSize());
            stored.forEach(leaf -> leaves.add(leaf.leaf()));
            count += stored.size();
          }
          assertEquals(count, leaves.size(), "the log holds an event twice");
        });
  }

  @Test
  void everySliceGetsASignedCheckpointOfItsWholeTree() {
    for (int p = 0; p < 20; p++) {
      node.anchor("pk-checkpointed-" + p, "r-1");
    }
    NoteKey key = log.logKey().orElseThrow();
    node.awaitAssert(
        Duration.ofSeconds(30),
        () -> {
          for (int slice = 0; slice < LogFormat.SLICE_COUNT; slice++) {
            LogTables.SliceProgress progress = tables.progress(slice);
            assertEquals(progress.sequencedSize(), progress.integratedSize());
            LogTables.StoredCheckpoint stored = tables.latestCheckpoint(slice).orElseThrow(AssertionError::new);
            try {
              Checkpoint checkpoint = Checkpoint.verify(SignedNote.parse(stored.note()), key);
              assertEquals(LogFormat.sliceOrigin(key.name(), slice), checkpoint.origin());
              assertEquals(progress.integratedSize(), checkpoint.size(), "slice " + slice);
              assertArrayEquals(
                  new MerkleTree(CassandraNodeStore.forReader(tables, slice)).rootHash(checkpoint.size()), checkpoint.rootHash());
            } catch (NoteException e) {
              throw new AssertionError(e);
            }
          }
        });
  }

  @Test
  void anExportedHistoryPassesTheOfflineVerifierAndATamperedOneFailsIt() throws Exception {
    String patient = "pk-exported";
    for (int r = 1; r <= 5; r++) {
      node.anchor(patient, "r-" + r);
    }
    LogReader reader = log.reader(node.testKit.system(), Duration.ofSeconds(30), Map.of()).orElseThrow();
    HistoryBundle[] exported = new HistoryBundle[1];
    node.awaitAssert(
        Duration.ofSeconds(30),
        () -> {
          exported[0] = reader.export(PatientRecord.ENTITY_TYPE, patient, SigningCertificates.none());
          assertEquals(5, exported[0].events().size());
        });
    Path keyFile = Files.writeString(Files.createTempFile("log", ".vkey"), reader.logKey().vkey() + "\n");
    Path bundle = Files.createTempFile("bundle", ".json");
    BundleWriter.write(exported[0], bundle);
    assertEquals(0, verify(keyFile, bundle), "the exported bundle verifies");

    // One byte of one inclusion proof changed.
    HistoryBundle.Event third = exported[0].events().get(2);
    byte[] hash = Base64.getDecoder().decode(third.inclusionProof().get(0));
    hash[0] ^= 1;
    List<String> proof = new ArrayList<>(third.inclusionProof());
    proof.set(0, Base64.getEncoder().encodeToString(hash));
    List<HistoryBundle.Event> events = new ArrayList<>(exported[0].events());
    events.set(2, new HistoryBundle.Event(third.ledgerEvent(), third.slice(), third.leafIndex(), proof));
    HistoryBundle tampered = exported[0].withEvents(events);
    BundleWriter.write(tampered, bundle);
    assertEquals(1, verify(keyFile, bundle), "the tampered bundle fails");
  }

  @Test
  void inclusionAndConsistencyProofsVerifyAgainstTheCheckpoints() throws Exception {
    String patient = "pk-proved";
    node.anchor(patient, "r-1");
    LogReader reader = log.reader(node.testKit.system(), Duration.ofSeconds(30), Map.of()).orElseThrow();
    LogReader.Inclusion[] first = new LogReader.Inclusion[1];
    node.awaitAssert(Duration.ofSeconds(30), () -> first[0] = reader.inclusion(PatientRecord.ENTITY_TYPE, patient, 1, OptionalLong.empty()));
    node.anchor(patient, "r-2");
    LogReader.Inclusion[] second = new LogReader.Inclusion[1];
    node.awaitAssert(Duration.ofSeconds(30), () -> second[0] = reader.inclusion(PatientRecord.ENTITY_TYPE, patient, 2, OptionalLong.empty()));

    Checkpoint older = reader.verified(first[0].checkpoint().note());
    Checkpoint newer = reader.verified(second[0].checkpoint().note());
    assertTrue(
        ProofVerifier.verifyInclusion(first[0].leaf().leafHash(), first[0].leafIndex(), older.size(), first[0].proof(), older.rootHash())
            .isValid());
    assertTrue(
        ProofVerifier.verifyInclusion(second[0].leaf().leafHash(), second[0].leafIndex(), newer.size(), second[0].proof(), newer.rootHash())
            .isValid());
    // The first event is also in the newer checkpoint, and the older one is a prefix of it.
    LogReader.Inclusion again = reader.inclusion(PatientRecord.ENTITY_TYPE, patient, 1, OptionalLong.of(newer.size()));
    assertTrue(ProofVerifier.verifyInclusion(again.leaf().leafHash(), again.leafIndex(), newer.size(), again.proof(), newer.rootHash()).isValid());
    List<byte[]> consistency = reader.consistencyProof(first[0].slice(), older.size(), newer.size());
    assertTrue(ProofVerifier.verifyConsistency(older.size(), newer.size(), older.rootHash(), newer.rootHash(), consistency).isValid());
  }

  private static int verify(Path logKey, Path bundle) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status =
        org.medtrace.verify.Main.run(
            new String[] {"--trust-log", logKey.toString(), bundle.toString()}, new PrintStream(out), new PrintStream(out));
    System.out.println(out);
    return status;
  }
}
