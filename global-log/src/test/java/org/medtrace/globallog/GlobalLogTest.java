package org.medtrace.globallog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.NoteException;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.persistence.cassandra.RealCassandra;

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
    List<String> patients = new ArrayList<>();
    int events = 0;
    for (int p = 0; p < 12; p++) {
      String patient = "pk-all-" + p;
      patients.add(patient);
      for (int r = 1; r <= 1 + p % 4; r++) {
        node.anchor(patient, "r-" + r);
        events++;
      }
    }
    int total = events;
    node.awaitAssert(
        Duration.ofSeconds(30),
        () -> {
          Set<LogTables.Position> positions = new HashSet<>();
          for (int p = 0; p < patients.size(); p++) {
            String patient = patients.get(p);
            List<LogTables.Position> held = tables.positions(PatientRecord.ENTITY_TYPE, patient);
            assertEquals(1 + p % 4, held.size(), patient);
            int slice = LogLeaf.sliceOf(PatientRecord.ENTITY_TYPE, patient);
            held.forEach(position -> assertEquals(slice, position.slice()));
            positions.addAll(held);
          }
          assertEquals(total, positions.size(), "two events share a leaf");
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
}
