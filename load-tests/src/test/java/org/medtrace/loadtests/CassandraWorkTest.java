package org.medtrace.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.medtrace.loadtests.CassandraTableCounters.Operation;
import org.medtrace.loadtests.CassandraTableCounters.Snapshot;
import org.medtrace.loadtests.CassandraTableCounters.TableWork;

/** Cassandra's per-table counters over a window, and the table and JSON made of them. */
class CassandraWorkTest {

  private static SortedMap<String, Long> counts(Object... tableThenCount) {
    SortedMap<String, Long> map = new TreeMap<>();
    for (int i = 0; i < tableThenCount.length; i += 2) {
      map.put((String) tableThenCount[i], ((Number) tableThenCount[i + 1]).longValue());
    }
    return map;
  }

  private static Map<Operation, SortedMap<String, Long>> byOperation(
      SortedMap<String, Long> writes, SortedMap<String, Long> reads, SortedMap<String, Long> scans) {
    return Map.of(Operation.WRITES, writes, Operation.READS, reads, Operation.SCANS, scans);
  }

  @Test
  void theWorkOfAWindowIsEachTablesIncreaseAndLeavesOutTablesThatDidNotChange() {
    Snapshot before = new Snapshot(byOperation(counts("ks.a", 10, "ks.b", 5), counts("ks.a", 7), counts()));
    Snapshot after = new Snapshot(byOperation(counts("ks.a", 25, "ks.b", 5, "ks.new", 3), counts("ks.a", 9), counts("ks.a", 0)));

    TableWork work = after.since(before);

    assertEquals(15, work.count(Operation.WRITES, "ks.a"));
    assertEquals(3, work.count(Operation.WRITES, "ks.new"), "a table created in the window counts from 0");
    assertEquals(0, work.count(Operation.WRITES, "ks.b"));
    assertEquals(2, work.count(Operation.READS, "ks.a"));
    assertEquals(18, work.total(Operation.WRITES));
    assertEquals(0, work.total(Operation.SCANS));
    assertEquals(List.of("ks.a", "ks.new"), List.copyOf(work.tables()), "ks.b did nothing in the window");
  }

  @Test
  void theRequestsOfAWindowAreTheIncreaseOfTheServedCountAndADecreaseIsAnError() {
    Snapshot before = new Snapshot(Map.of(), 1_000);
    Snapshot after = new Snapshot(Map.of(), 1_250);

    assertEquals(250, after.since(before).cqlRequests());
    IllegalStateException error = assertThrows(IllegalStateException.class, () -> before.since(after));
    assertTrue(error.getMessage().contains(CassandraTableCounters.REQUEST_POOL), error.getMessage());
  }

  @Test
  void aCounterThatWentDownIsAnErrorNotANegativeCount() {
    Snapshot before = new Snapshot(Map.of(Operation.WRITES, counts("ks.a", 10)));
    Snapshot after = new Snapshot(Map.of(Operation.WRITES, counts("ks.a", 4)));

    IllegalStateException error = assertThrows(IllegalStateException.class, () -> after.since(before));
    assertTrue(error.getMessage().contains("ks.a"), error.getMessage());
  }

  private static List<CassandraWork> threeParts() {
    TableWork raw = new TableWork(byOperation(counts("bench_raw.events", 1000), counts(), counts()));
    TableWork plain = new TableWork(byOperation(counts("j.messages", 500), counts("j.tag_views", 1), counts()), 500);
    TableWork full =
        new TableWork(
            byOperation(
                counts("j.messages", 400, "j.tag_views", 100, "system.paxos", 1200),
                counts("system.paxos", 800),
                counts("j.all_persistence_ids", 2)),
            1000);
    return List.of(
        new CassandraWork("(a) raw Cassandra inserts", 1000, raw),
        new CassandraWork("(b) plain Pekko Persistence entity", 500, plain),
        new CassandraWork("(c) medtrace full path", 400, full));
  }

  @Test
  void theTableHasARowPerTableAnyPartTouchedWithCountsPerStoredEvent() {
    String table = CassandraWork.table(threeParts());
    List<String> lines = List.of(table.split("\\R"));

    assertEquals(
        List.of("j.messages", "-", "-", "-", "1.000", "-", "-", "1.000", "-", "-"), ReportRows.cells(ReportRows.row(lines, "j.messages")));
    assertEquals(List.of("j.tag_views", "-", "-", "-", "-", "0.002", "-", "0.250", "-", "-"), ReportRows.cells(ReportRows.row(lines, "j.tag_views")));
    assertEquals(List.of("system.paxos", "-", "-", "-", "-", "-", "-", "3.000", "2.000", "-"), ReportRows.cells(ReportRows.row(lines, "system.paxos")));
    assertEquals(
        List.of("j.all_persistence_ids", "-", "-", "-", "-", "-", "-", "-", "-", "0.005"), ReportRows.cells(ReportRows.row(lines, "j.all_persistence_ids")));
    assertEquals(List.of("total", "1.000", "-", "-", "1.000", "0.002", "-", "4.250", "2.000", "0.005"), ReportRows.cells(ReportRows.row(lines, "total")));
    assertEquals(List.of(CassandraWork.CONDITIONAL_ROW, "-", "-", "1.000"), ReportRows.cells(ReportRows.row(lines, CassandraWork.CONDITIONAL_ROW)));
    assertEquals(List.of(CassandraWork.REQUESTS_ROW, "-", "1.000", "2.500"), ReportRows.cells(ReportRows.row(lines, CassandraWork.REQUESTS_ROW)));
    assertEquals(List.of("events stored in the window", "1000", "500", "400"), ReportRows.cells(ReportRows.row(lines, "events stored in the window")));
    assertTrue(ReportRows.row(lines, "keyspace.table").contains("writes"));
    assertTrue(table.contains("a batch over N partitions counts N"), "the table says what a count is");
  }

  @Test
  void countsPerEventShowNoneAndTooSmallToRoundDistinctly() {
    assertEquals("-", CassandraWork.perEvent(0));
    assertEquals("<0.001", CassandraWork.perEvent(0.0004));
    assertEquals("0.001", CassandraWork.perEvent(0.0005));
    assertEquals("12.346", CassandraWork.perEvent(12.3456));
    assertEquals("(c)", Text.label("(c) medtrace full path"));
    assertEquals("other", Text.label("other"));
    assertEquals(0, new CassandraWork("(x)", 0, new TableWork(Map.of(Operation.WRITES, counts("t", 5)))).totalPerEvent(Operation.WRITES));
  }

  @Test
  void theJsonHasEveryPartsCountsAndCountsPerEventByTable() {
    ObjectNode root = new ObjectMapper().createObjectNode();

    CassandraWork.putJson(root, threeParts());

    JsonNode work = root.get("cassandraWork");
    assertTrue(work.get("counts").asText().contains("one partition update"));
    JsonNode full = work.get("parts").get(2);
    assertEquals("(c) medtrace full path", full.get("name").asText());
    assertEquals(400, full.get("events").asLong());
    JsonNode paxos = full.get("tables").get(3);
    assertEquals("system.paxos", paxos.get("table").asText());
    assertEquals(1200, paxos.get("writes").asLong());
    assertEquals(3.0, paxos.get("writesPerEvent").asDouble());
    assertEquals(800, paxos.get("reads").asLong());
    assertEquals(0, paxos.get("scans").asLong());
    assertEquals(1700, full.get("total").get("writes").asLong());
    assertEquals(4.25, full.get("total").get("writesPerEvent").asDouble());
    assertEquals(1.0, full.get("conditionalStatementsPerEvent").asDouble(), "3 system.paxos writes per conditional statement");
    assertEquals(1000, full.get("cqlRequests").asLong());
    assertEquals(2.5, full.get("cqlRequestsPerEvent").asDouble());
  }
}
