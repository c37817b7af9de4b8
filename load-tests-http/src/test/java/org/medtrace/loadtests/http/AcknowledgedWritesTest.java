package org.medtrace.loadtests.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.medtrace.loadtests.http.AcknowledgedWrites.TrailEvent;
import org.medtrace.loadtests.http.AcknowledgedWrites.Write;

/** The load test's correctness oracle: what counts as "in the trail exactly once". */
class AcknowledgedWritesTest {

  private static final List<TrailEvent> TRAIL =
      List.of(
          new TrailEvent(1, "BatchRegistered", "k-1"),
          new TrailEvent(2, "TemperatureRecorded", "k-2"),
          // One command, two events: the reading and the quarantine it caused.
          new TrailEvent(3, "TemperatureRecorded", "k-3"),
          new TrailEvent(4, "ColdChainQuarantined", "k-3"),
          new TrailEvent(5, "BatchReleased", ""));

  @Test
  void acceptsWritesStoredOnceAtTheirAcknowledgedSequenceNumbers() {
    assertEquals(
        Optional.empty(),
        AcknowledgedWrites.trailProblems(List.of(new Write("k-1", 1), new Write("k-2", 2), new Write("k-3", 4)), TRAIL));
  }

  @Test
  void reportsAnAcknowledgedWriteMissingFromTheTrail() {
    Optional<String> problems = AcknowledgedWrites.trailProblems(List.of(new Write("k-9", 6)), TRAIL);
    assertTrue(problems.orElseThrow().contains("k-9 (acknowledged as #6) is not in the trail"), problems.get());
  }

  @Test
  void reportsAWriteStoredTwice() {
    List<TrailEvent> doubled =
        List.of(new TrailEvent(1, "TemperatureRecorded", "k-1"), new TrailEvent(2, "TemperatureRecorded", "k-1"));
    Optional<String> problems = AcknowledgedWrites.trailProblems(List.of(new Write("k-1", 1)), doubled);
    assertTrue(problems.orElseThrow().contains("k-1 is stored more than once"), problems.get());
  }

  @Test
  void reportsAWriteStoredAtAnotherSequenceNumberThanAcknowledged() {
    Optional<String> problems = AcknowledgedWrites.trailProblems(List.of(new Write("k-2", 3)), TRAIL);
    assertTrue(problems.orElseThrow().contains("k-2 was acknowledged as #3 but is stored as [#2]"), problems.get());
  }

  @Test
  void reportsAuditedReadsMissingFromTheAccessLog() {
    AcknowledgedWrites acknowledged = new AcknowledgedWrites();
    acknowledged.auditedRead("/api/v1/patients/p-1", 4);
    acknowledged.auditedRead("/api/v1/patients/p-1", 7);
    String log = "{\"patientId\":\"p-1\",\"entries\":[{\"sequenceNumber\":4},{\"sequenceNumber\":5}]}";
    assertEquals(
        Optional.of("audited reads acknowledged as [#7] are not in the access log"),
        acknowledged.accessLogProblems("/api/v1/patients/p-1", log));
  }

  @Test
  void readsATrailPageAndWhereTheNextOneStarts() {
    String page =
        "{\"events\":[{\"sequenceNumber\":1,\"eventType\":\"BatchRegistered\",\"sourceMessageId\":\"k-1\"}],\"nextFrom\":2}";
    AcknowledgedWrites.TrailPage parsed = AcknowledgedWrites.parseTrailPage(page);
    assertEquals(List.of(new TrailEvent(1, "BatchRegistered", "k-1")), parsed.events());
    assertEquals(OptionalLong.of(2), parsed.nextFrom());
    assertEquals(OptionalLong.empty(), AcknowledgedWrites.parseTrailPage("{\"events\":[]}").nextFrom());
  }
}
