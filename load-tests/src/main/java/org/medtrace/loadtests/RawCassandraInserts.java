package org.medtrace.loadtests;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Part (a): what the Cassandra node takes through the same Java driver without Pekko: inserts of
 * event-sized rows into a plain table spread over as many partitions as there are entities.
 */
final class RawCassandraInserts {

  private RawCassandraInserts() {}

  static PartResult run(CqlSession session, BenchmarkSettings settings, LoadLoop.Window window) throws InterruptedException {
    session.execute(
        SimpleStatement.newInstance(
                "CREATE KEYSPACE IF NOT EXISTS bench_raw WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
            .setTimeout(Duration.ofSeconds(30)));
    session.execute(
        SimpleStatement.newInstance(
                "CREATE TABLE IF NOT EXISTS bench_raw.events (partition_id text, sequence_nr bigint, payload blob, PRIMARY KEY (partition_id, sequence_nr))")
            .setTimeout(Duration.ofSeconds(30)));
    PreparedStatement insert =
        session.prepare("INSERT INTO bench_raw.events (partition_id, sequence_nr, payload) VALUES (?, ?, ?)");
    byte[] payload = new byte[settings.payloadBytes()];
    AtomicLong next = new AtomicLong();
    int partitions = settings.rawPartitions();
    // Always as fast as it goes: (a) is the storage limit, not a latency at a given load.
    return LoadLoop.run(
        "(a) raw Cassandra inserts",
        settings.rawConcurrency(),
        new LoadSchedule(0, System.nanoTime(), settings.warmUp(), settings.duration(), Duration.ZERO),
        settings.progressEvery(),
        window,
        () -> {
          long n = next.getAndIncrement();
          return session.executeAsync(
              insert.bind("p-" + (n % partitions), n / partitions, ByteBuffer.wrap(payload)).setIdempotent(true));
        });
  }
}
