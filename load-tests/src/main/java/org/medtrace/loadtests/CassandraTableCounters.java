package org.medtrace.loadtests;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Cassandra's own per-table operation counters, as the node reports them in its virtual tables
 * (Cassandra 5.0: {@code system_views.local_write_latency}, {@code local_read_latency}, {@code
 * local_scan_latency}; the {@code count} of each table's latency timer). They are local: what the
 * node the benchmark talks to applied and read itself, on every table of every keyspace (system
 * tables such as {@code system.paxos} and {@code system.batches} included). On the benchmark's
 * single node at replication factor 1 that is all of the cluster's storage work.
 *
 * <p>What one count is (Cassandra 5.0's {@code ColumnFamilyStore.apply} and the read commands'
 * {@code recordLatency}): a <b>write</b> is one partition update applied to a table, so a
 * statement, or a batch's rows that fall in one partition of one table, count once, however many
 * rows; a batch over N partitions counts N. A <b>read</b> is one single-partition read command
 * executed locally; a <b>scan</b> is one range read (a query without a partition key). Virtual
 * tables have no counters, so reading these does not count itself.
 *
 * <p>Beside them, the CQL <b>requests</b> the node served: the completed tasks of its {@value
 * #REQUEST_POOL} thread pool ({@code system_views.thread_pools}), one per request of any client (a
 * statement, a batch, a prepare, the driver's heartbeats), a network round trip each. Reading the
 * counters is four requests, so a window counts a few of its own.
 */
final class CassandraTableCounters {

  /** The three kinds of local operation, each with the virtual table that counts it. */
  enum Operation {
    WRITES("local_write_latency"),
    READS("local_read_latency"),
    SCANS("local_scan_latency");

    final String virtualTable;

    Operation(String virtualTable) {
      this.virtualTable = virtualTable;
    }
  }

  /** The pool that executes every CQL request the node receives (Cassandra 5.0's {@code Dispatcher}). */
  static final String REQUEST_POOL = "Native-Transport-Requests";

  private CassandraTableCounters() {}

  /** An unmodifiable copy of {@code counts} with a (possibly empty) map for every operation. */
  private static Map<Operation, SortedMap<String, Long>> everyOperation(Map<Operation, SortedMap<String, Long>> counts) {
    EnumMap<Operation, SortedMap<String, Long>> copy = new EnumMap<>(Operation.class);
    for (Operation operation : Operation.values()) {
      copy.put(operation, Collections.unmodifiableSortedMap(new TreeMap<>(counts.getOrDefault(operation, new TreeMap<>()))));
    }
    return Collections.unmodifiableMap(copy);
  }

  /** Every table's counts at one moment (keyspace.table → count), by operation. */
  record Snapshot(Map<Operation, SortedMap<String, Long>> counts, long cqlRequests) {

    Snapshot {
      counts = everyOperation(counts);
    }

    Snapshot(Map<Operation, SortedMap<String, Long>> counts) {
      this(counts, 0);
    }

    /**
     * What happened between {@code before} and this snapshot: each table's increase, tables that
     * did not change left out. A table that is new since {@code before} counts from 0; a counter
     * that went down (the node restarted, the table was dropped and created again) is an error
     * rather than a negative count.
     */
    TableWork since(Snapshot before) {
      EnumMap<Operation, SortedMap<String, Long>> delta = new EnumMap<>(Operation.class);
      for (Operation operation : Operation.values()) {
        SortedMap<String, Long> previous = before.counts.get(operation);
        SortedMap<String, Long> increase = new TreeMap<>();
        counts.get(operation).forEach(
            (table, count) -> {
              long difference = count - previous.getOrDefault(table, 0L);
              if (difference < 0) {
                throw new IllegalStateException(
                    "Cassandra's " + operation.virtualTable + " count of " + table + " went down from " + previous.get(table) + " to " + count
                        + ": the counters were reset, the difference means nothing");
              }
              if (difference > 0) {
                increase.put(table, difference);
              }
            });
        delta.put(operation, increase);
      }
      if (cqlRequests < before.cqlRequests) {
        throw new IllegalStateException(
            "Cassandra's " + REQUEST_POOL + " completed tasks went down from " + before.cqlRequests + " to " + cqlRequests
                + ": the node restarted, the difference means nothing");
      }
      return new TableWork(delta, cqlRequests - before.cqlRequests);
    }
  }

  /** Operations per table (keyspace.table → count), by operation, and the CQL requests served, over some interval. */
  record TableWork(Map<Operation, SortedMap<String, Long>> counts, long cqlRequests) {

    static final TableWork NONE = new TableWork(Map.of());

    TableWork {
      counts = everyOperation(counts);
    }

    TableWork(Map<Operation, SortedMap<String, Long>> counts) {
      this(counts, 0);
    }

    long count(Operation operation, String table) {
      return counts.get(operation).getOrDefault(table, 0L);
    }

    long total(Operation operation) {
      return counts.get(operation).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Every table with at least one operation of any kind, in name order. */
    Set<String> tables() {
      Set<String> tables = new TreeSet<>();
      counts.values().forEach(byTable -> tables.addAll(byTable.keySet()));
      return tables;
    }
  }

  /**
   * What the node did over a part's measured window: the counters read when the window opens and
   * when it closes. Used by one thread, the one that runs the part.
   */
  static final class OverWindow implements LoadLoop.Window {

    private final CqlSession session;
    private Snapshot atOpening;
    private TableWork work = TableWork.NONE;

    OverWindow(CqlSession session) {
      this.session = session;
    }

    @Override
    public void opened() {
      atOpening = read(session);
    }

    @Override
    public void closed() {
      work = read(session).since(atOpening);
    }

    /** The operations between opening and closing (none before the window closed). */
    TableWork work() {
      return work;
    }
  }

  /** Reads every table's counters from the node {@code session} is connected to (one node: the benchmark's). */
  static Snapshot read(CqlSession session) {
    EnumMap<Operation, SortedMap<String, Long>> counts = new EnumMap<>(Operation.class);
    for (Operation operation : Operation.values()) {
      SortedMap<String, Long> byTable = new TreeMap<>();
      for (Row row :
          session.execute(
              SimpleStatement.newInstance("SELECT keyspace_name, table_name, count FROM system_views." + operation.virtualTable)
                  .setTimeout(Duration.ofSeconds(10)))) {
        byTable.put(row.getString("keyspace_name") + "." + row.getString("table_name"), row.getLong("count"));
      }
      counts.put(operation, byTable);
    }
    Row pool =
        session
            .execute(
                SimpleStatement.newInstance("SELECT completed_tasks FROM system_views.thread_pools WHERE name = ?", REQUEST_POOL)
                    .setTimeout(Duration.ofSeconds(10)))
            .one();
    return new Snapshot(counts, pool == null ? 0 : pool.getLong("completed_tasks"));
  }
}
