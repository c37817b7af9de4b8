package org.medtrace.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.loadtests.CassandraTableCounters.Operation;
import org.medtrace.loadtests.CassandraTableCounters.TableWork;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * What the benchmark's second table says a count is, asked of a real Cassandra 5.0 node: a write
 * is one partition update of a table (a batch's rows in one partition count once), a read one
 * single-partition read, a scan one range read; logged batches and conditional statements show in
 * {@code system.batches} and {@code system.paxos}.
 */
@ExtendWith(RealCassandra.class)
class CassandraTableCountersTest {

  private static final String TABLE = "counters_test.rows";

  private static CqlSession session;
  private static PreparedStatement insert;

  @BeforeAll
  static void createTable() {
    session = RealCassandra.session();
    session.execute(
        SimpleStatement.newInstance(
                "CREATE KEYSPACE IF NOT EXISTS counters_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
            .setTimeout(Duration.ofSeconds(60)));
    session.execute(
        SimpleStatement.newInstance("CREATE TABLE IF NOT EXISTS " + TABLE + " (p text, c int, v text, PRIMARY KEY (p, c))")
            .setTimeout(Duration.ofSeconds(60)));
    insert = session.prepare("INSERT INTO " + TABLE + " (p, c, v) VALUES (?, ?, 'x')");
  }

  /** What the node did while {@code action} ran (nothing else writes to this test's table). */
  private static TableWork during(Runnable action) {
    CassandraTableCounters.OverWindow window = new CassandraTableCounters.OverWindow(session);
    window.opened();
    action.run();
    window.closed();
    return window.work();
  }

  @Test
  void aStatementCountsOneWrite() {
    TableWork work = during(() -> session.execute(insert.bind("single", 1)));

    assertEquals(1, work.count(Operation.WRITES, TABLE));
  }

  @Test
  void aBatchsRowsInOnePartitionCountOneWriteAndInFivePartitionsFive() {
    BatchStatement onePartition = BatchStatement.newInstance(BatchType.UNLOGGED);
    BatchStatement fivePartitions = BatchStatement.newInstance(BatchType.UNLOGGED);
    for (int i = 0; i < 5; i++) {
      onePartition = onePartition.add(insert.bind("one-partition", i));
      fivePartitions = fivePartitions.add(insert.bind("partition-" + i, i));
    }
    BatchStatement one = onePartition;
    BatchStatement five = fivePartitions;

    assertEquals(1, during(() -> session.execute(one)).count(Operation.WRITES, TABLE));
    assertEquals(5, during(() -> session.execute(five)).count(Operation.WRITES, TABLE));
  }

  @Test
  void aLoggedBatchAlsoWritesTheBatchlog() {
    BatchStatement logged =
        BatchStatement.newInstance(BatchType.LOGGED).add(insert.bind("logged-1", 1)).add(insert.bind("logged-2", 1));

    TableWork work = during(() -> session.execute(logged));

    assertEquals(2, work.count(Operation.WRITES, TABLE));
    assertEquals(2, work.count(Operation.WRITES, "system.batches"), "the batchlog entry, written then removed: " + work);
  }

  @Test
  void aConditionalInsertWritesThreePaxosRowsAndReadsTheRow() {
    TableWork work = during(() -> session.execute(SimpleStatement.newInstance("INSERT INTO " + TABLE + " (p, c, v) VALUES ('lwt', 1, 'x') IF NOT EXISTS")));

    assertEquals(1, work.count(Operation.WRITES, TABLE), "the committed row: " + work);
    assertEquals(1, work.count(Operation.READS, TABLE), "the condition's read: " + work);
    // Cassandra 5.0's default Paxos (v1), uncontended: the promise, the proposal and the commit.
    assertEquals(3, work.count(Operation.WRITES, "system.paxos"), "the Paxos state: " + work);
    assertEquals(1, work.count(Operation.READS, "system.paxos"), "the Paxos state: " + work);
  }

  @Test
  void everyStatementIsARequestServedAndTheCountersOwnReadsAFewMore() {
    int statements = 20;
    TableWork work =
        during(
            () -> {
              for (int i = 0; i < statements; i++) {
                session.execute(insert.bind("requests", i));
              }
            });

    assertEquals(statements, work.count(Operation.WRITES, TABLE));
    // The closing read's three latency queries come before its pool query; the opening pool query
    // completes after it was answered. The driver's heartbeats (every 30 s) may add one.
    assertTrue(work.cqlRequests() >= statements + 4 && work.cqlRequests() <= statements + 6, "requests served: " + work.cqlRequests());
  }

  @Test
  void aQueryOfOnePartitionIsAReadAndOneWithoutAPartitionKeyAScan() {
    TableWork read = during(() -> session.execute(SimpleStatement.newInstance("SELECT * FROM " + TABLE + " WHERE p = 'single'")));
    TableWork scan = during(() -> session.execute(SimpleStatement.newInstance("SELECT * FROM " + TABLE + " LIMIT 10")));

    assertEquals(1, read.count(Operation.READS, TABLE));
    assertEquals(0, read.count(Operation.SCANS, TABLE));
    assertEquals(1, scan.count(Operation.SCANS, TABLE));
    assertEquals(0, scan.count(Operation.READS, TABLE));
  }
}
