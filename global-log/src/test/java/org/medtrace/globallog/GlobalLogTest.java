package org.medtrace.globallog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
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

  @BeforeAll
  void start() {
    node =
        LedgerNode.start(
            "globallogtest",
            ConfigFactory.parseString(
                """
                medtrace.global-log.reconcile-interval = 1s
                medtrace.global-log.restart-min-backoff = 200ms
                """));
    GlobalLog.init(node.testKit.system(), GlobalLogSettings.from(node.testKit.system().settings().config()), Clock.systemUTC());
    tables = GlobalLog.tables(node.testKit.system());
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
          long leaves = 0;
          for (int slice = 0; slice < LogFormat.SLICE_COUNT; slice++) {
            LogTables.SliceProgress progress = tables.progress(slice);
            assertEquals(progress.sequencedSize(), tables.leavesFrom(slice, 0, 10_000).size());
            assertEquals(progress.sequencedSize(), progress.integratedSize());
            leaves += progress.sequencedSize();
          }
          assertEquals(total, leaves, "the log holds an event twice");
        });
  }
}
