package org.medtrace.cluster;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.function.UnaryOperator;
import org.medtrace.persistence.journal.JournalChainVerifier;

/**
 * Edits journal rows directly in Cassandra with CQL, as someone with database access and no
 * business going through the ledger would. Rows live in the plugin's {@code messages} table, keyed
 * by persistence id and partition, clustered by sequence number and write time.
 */
final class JournalTampering {

  private final CqlSession session;
  private final String keyspace;

  JournalTampering(CqlSession session, String keyspace) {
    this.session = session;
    this.keyspace = keyspace;
  }

  /** Rewrites the stored bytes of one event. */
  void rewrite(String entityType, String entityId, long sequenceNumber, UnaryOperator<byte[]> edit) {
    Row row = row(entityType, entityId, sequenceNumber);
    byte[] edited = edit.apply(bytes(row.getByteBuffer("event")));
    session.execute(
        "UPDATE " + keyspace + ".messages SET event = ? WHERE persistence_id = ? AND partition_nr = 0 AND sequence_nr = ?",
        ByteBuffer.wrap(edited),
        JournalChainVerifier.persistenceId(entityType, entityId),
        sequenceNumber);
  }

  /** Deletes one event's row. */
  void delete(String entityType, String entityId, long sequenceNumber) {
    session.execute(
        "DELETE FROM " + keyspace + ".messages WHERE persistence_id = ? AND partition_nr = 0 AND sequence_nr = ?",
        JournalChainVerifier.persistenceId(entityType, entityId),
        sequenceNumber);
  }

  /** Swaps the stored payloads of two events, leaving their rows (and sequence numbers) in place. */
  void swapPayloads(String entityType, String entityId, long first, long second) {
    byte[] firstBytes = bytes(row(entityType, entityId, first).getByteBuffer("event"));
    byte[] secondBytes = bytes(row(entityType, entityId, second).getByteBuffer("event"));
    rewrite(entityType, entityId, first, ignored -> secondBytes);
    rewrite(entityType, entityId, second, ignored -> firstBytes);
  }

  byte[] stored(String entityType, String entityId, long sequenceNumber) {
    return bytes(row(entityType, entityId, sequenceNumber).getByteBuffer("event"));
  }

  private Row row(String entityType, String entityId, long sequenceNumber) {
    Row row =
        session
            .execute(
                "SELECT event FROM " + keyspace + ".messages WHERE persistence_id = ? AND partition_nr = 0 AND sequence_nr = ?",
                JournalChainVerifier.persistenceId(entityType, entityId),
                sequenceNumber)
            .one();
    if (row == null) {
      throw new IllegalStateException("no journal row " + entityType + " " + entityId + " #" + sequenceNumber + " at " + Instant.now());
    }
    return row;
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
