package org.medtrace.http;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import com.typesafe.config.Config;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * A page of one entity's journal read with a single query, where the Cassandra plugin's
 * {@code currentEventsByPersistenceId} spends two one after another: it first looks up the
 * entity's deleted-to mark in the metadata table, then reads the rows. medtrace never deletes
 * journal events (the ledger is append-only; no entity deletes events or keeps a snapshot
 * retention that would), so that mark is always 0 and the lookup is a round trip that changes
 * nothing. Anything that starts deleting events MUST drop this reader.
 *
 * <p>The answer MUST be what the plugin would return for the same range. It is given only when it
 * certainly is: when the partition the plugin starts in ({@code (from - 1) / target-partition-size},
 * the plugin's rule) holds the row with sequence number {@code to}, the plugin reads that
 * partition alone up to that row, gaps before it included, and so does this. Otherwise (the range
 * crosses into the next partition, or its last row is missing) the answer is empty and the caller
 * asks the plugin, whose partition-by-partition search then decides.
 */
final class JournalPages {

  /** The journal plugin whose session, tables and settings the plugin's queries use. */
  static final String JOURNAL_PLUGIN = "pekko.persistence.cassandra";

  /** One stored row: its sequence number, its write time (from the row's time UUID) and the event. */
  record StoredEvent(long sequenceNr, long timestampMillis, Object event) {}

  private final CassandraSession session;
  private final Serialization serialization;
  private final Executor executor;
  private final long targetPartitionSize;
  private final String readProfile;
  private final PreparedOnDemand selectRange;

  JournalPages(ActorSystem<?> system) {
    Config plugin = system.settings().config().getConfig(JOURNAL_PLUGIN);
    this.session = CassandraSessionRegistry.get(system).sessionFor(JOURNAL_PLUGIN);
    this.serialization = SerializationExtension.get(system);
    this.executor = system.executionContext();
    this.targetPartitionSize = plugin.getLong("journal.target-partition-size");
    this.readProfile = plugin.getString("query.read-profile");
    // The plugin's own events-by-persistence-id statement, with only the columns a page needs.
    this.selectRange =
        new PreparedOnDemand(
            session,
            "SELECT sequence_nr, timestamp, ser_id, ser_manifest, event FROM "
                + plugin.getString("journal.keyspace") + "." + plugin.getString("journal.table")
                + " WHERE persistence_id = ? AND partition_nr = ? AND sequence_nr >= ? AND sequence_nr <= ?");
  }

  /**
   * The events {@code from..to} of {@code persistenceId} in stored order, deserialized as the
   * plugin does; empty when only the plugin can say (see the class comment). Rows are decoded on
   * the actor system's dispatcher, not on the driver's I/O thread.
   */
  CompletionStage<Optional<List<StoredEvent>>> read(String persistenceId, long from, long to) {
    long partition = (from - 1) / targetPartitionSize;
    return selectRange.get()
        .thenCompose(
            statement ->
                session.selectAll(
                    statement.bind(persistenceId, partition, from, to).setExecutionProfileName(readProfile)))
        .thenApplyAsync(rows -> decode(rows, to), executor);
  }

  private Optional<List<StoredEvent>> decode(List<Row> rows, long to) {
    List<StoredEvent> events = new ArrayList<>(rows.size());
    for (Row row : rows) {
      long sequenceNr = row.getLong("sequence_nr");
      events.add(new StoredEvent(sequenceNr, Uuids.unixTimestamp(row.getUuid("timestamp")), event(serialization, row)));
      if (sequenceNr == to) {
        return Optional.of(events);
      }
    }
    return Optional.empty();
  }

  /**
   * The event of a journal or tag view row (columns {@code event}, {@code ser_id}, {@code
   * ser_manifest}), deserialized as the plugin does: a row no serializer can read fails the read.
   */
  static Object event(Serialization serialization, Row row) {
    ByteBuffer bytes = row.getByteBuffer("event");
    byte[] event = new byte[bytes.remaining()];
    bytes.duplicate().get(event);
    return serialization.deserialize(event, row.getInt("ser_id"), row.getString("ser_manifest")).get();
  }
}
