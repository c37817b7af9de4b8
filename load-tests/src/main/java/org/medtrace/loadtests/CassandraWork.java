package org.medtrace.loadtests;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import org.medtrace.loadtests.CassandraTableCounters.Operation;
import org.medtrace.loadtests.CassandraTableCounters.TableWork;

/**
 * What one part cost Cassandra over its measured window, table by table, and per event it stored:
 * the benchmark's second table.
 *
 * @param part the part's name in the first table ("(a) raw Cassandra inserts", ...)
 * @param events events the part stored in its window (the first table's operations)
 * @param work the node's local operations over the window
 */
record CassandraWork(String part, long events, TableWork work) {

  /** What the counts are, printed above the table and put in the JSON with it. */
  static final String WHAT_IS_COUNTED =
      "local operations of the benchmark's single Cassandra node (replication factor 1), read from its"
          + " system_views.local_write_latency / local_read_latency / local_scan_latency before and after each"
          + " part's measured window, divided by the events the part stored in that window; every keyspace,"
          + " system tables included. A write is one partition update applied to one table: a statement, or"
          + " the rows of a batch that fall in one partition, count 1, however many rows; a batch over N"
          + " partitions counts N. A read is one single-partition read, a scan one range read. system.paxos"
          + " holds the Paxos state of conditional (IF ...) statements: an uncontended one costs 3 writes"
          + " (promise, proposal, commit) and 1 read there, plus its condition's read and its row's write in"
          + " its own table; system.batches is the batchlog: 2 writes per logged batch. Everything the node"
          + " did in the window counts, background work included. CQL requests served are the completed tasks of"
          + " its Native-Transport-Requests pool (system_views.thread_pools): every request of every client, one"
          + " network round trip each.";

  static final String PAXOS_TABLE = "system.paxos";

  /** The row of {@link #requestsPerEvent}. */
  static final String REQUESTS_ROW = "CQL requests served (round trips)";

  /** The row of {@link #paxosRoundsPerEvent}: an estimate, exact when no round was contended or found its condition false. */
  static final String CONDITIONAL_ROW = "conditional statements (paxos writes / 3)";

  /** Cassandra 5.0's Paxos v1 (its default): promise, proposal, commit (CassandraTableCountersTest). */
  static final int PAXOS_WRITES_PER_ROUND = 3;

  double perEvent(Operation operation, String table) {
    return events == 0 ? 0 : work.count(operation, table) / (double) events;
  }

  /** Conditional statements (Paxos rounds) per event, from {@code system.paxos}'s writes: 3 per uncontended round. */
  double paxosRoundsPerEvent() {
    return events == 0 ? 0 : work.count(Operation.WRITES, PAXOS_TABLE) / (double) PAXOS_WRITES_PER_ROUND / events;
  }

  /** CQL requests the node served per event: every client's, the node's driver and the benchmark's own. */
  double requestsPerEvent() {
    return events == 0 ? 0 : work.cqlRequests() / (double) events;
  }

  double totalPerEvent(Operation operation) {
    return events == 0 ? 0 : work.total(operation) / (double) events;
  }

  /** The printed table: a row per table any part touched, then the totals and the events stored. */
  static String table(List<CassandraWork> parts) {
    Set<String> tables = new TreeSet<>();
    parts.forEach(part -> tables.addAll(part.work.tables()));
    int nameWidth = Math.max(CONDITIONAL_ROW.length(), tables.stream().mapToInt(String::length).max().orElse(0));
    String name = "%-" + nameWidth + "s";
    StringBuilder out = new StringBuilder();
    out.append(
        Text.partTableHead(
            "Cassandra operations per stored event, by table and part",
            WHAT_IS_COUNTED,
            nameWidth,
            "keyspace.table",
            parts.stream().map(CassandraWork::part).toList(),
            String.format(Locale.ROOT, "%8s %6s %6s", "writes", "reads", "scans")));
    for (String table : tables) {
      out.append(String.format(Locale.ROOT, name, table));
      for (CassandraWork part : parts) {
        out.append(cells(operation -> part.perEvent(operation, table)));
      }
      out.append(System.lineSeparator());
    }
    out.append(String.format(Locale.ROOT, name, "total"));
    for (CassandraWork part : parts) {
      out.append(cells(part::totalPerEvent));
    }
    out.append(System.lineSeparator()).append(String.format(Locale.ROOT, name, CONDITIONAL_ROW));
    for (CassandraWork part : parts) {
      out.append(String.format(Locale.ROOT, " | %22s", perEvent(part.paxosRoundsPerEvent())));
    }
    out.append(System.lineSeparator()).append(String.format(Locale.ROOT, name, REQUESTS_ROW));
    for (CassandraWork part : parts) {
      out.append(String.format(Locale.ROOT, " | %22s", perEvent(part.requestsPerEvent())));
    }
    out.append(System.lineSeparator()).append(String.format(Locale.ROOT, name, "events stored in the window"));
    for (CassandraWork part : parts) {
      out.append(String.format(Locale.ROOT, " | %22d", part.events));
    }
    return out.append(System.lineSeparator()).toString();
  }

  /** One part's writes, reads and scans per event, as the table's three columns. */
  private static String cells(ToDoubleFunction<Operation> perEvent) {
    return String.format(
        Locale.ROOT,
        " | %8s %6s %6s",
        perEvent(perEvent.applyAsDouble(Operation.WRITES)),
        perEvent(perEvent.applyAsDouble(Operation.READS)),
        perEvent(perEvent.applyAsDouble(Operation.SCANS)));
  }

  /** A count per event, 3 decimals; "-" for none, and "<0.001" for some that round to 0. */
  static String perEvent(double value) {
    if (value == 0) {
      return "-";
    }
    return value < 0.0005 ? "<0.001" : String.format(Locale.ROOT, "%.3f", value);
  }

  /** Adds {@code cassandraWork} to the JSON result: what is counted, then each part's counts and counts per event, by table. */
  static void putJson(ObjectNode root, List<CassandraWork> parts) {
    ObjectNode cassandra = root.putObject("cassandraWork");
    cassandra.put("counts", WHAT_IS_COUNTED);
    ArrayNode array = cassandra.putArray("parts");
    for (CassandraWork part : parts) {
      ObjectNode node = array.addObject();
      node.put("name", part.part);
      node.put("events", part.events);
      ArrayNode tableArray = node.putArray("tables");
      for (String table : part.work.tables()) {
        ObjectNode row = tableArray.addObject();
        row.put("table", table);
        for (Operation operation : Operation.values()) {
          String key = operation.name().toLowerCase(Locale.ROOT);
          row.put(key, part.work.count(operation, table));
          row.put(key + "PerEvent", part.perEvent(operation, table));
        }
      }
      node.put("conditionalStatementsPerEvent", part.paxosRoundsPerEvent());
      node.put("cqlRequests", part.work.cqlRequests());
      node.put("cqlRequestsPerEvent", part.requestsPerEvent());
      ObjectNode total = node.putObject("total");
      for (Operation operation : Operation.values()) {
        String key = operation.name().toLowerCase(Locale.ROOT);
        total.put(key, part.work.total(operation));
        total.put(key + "PerEvent", part.totalPerEvent(operation));
      }
    }
  }
}
