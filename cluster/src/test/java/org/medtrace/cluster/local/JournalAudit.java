package org.medtrace.cluster.local;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.medtrace.persistence.chain.ChainVerifier;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.JournalRecord;
import org.medtrace.persistence.chain.TrustedKeys;
import org.medtrace.persistence.chain.VerificationResult;
import org.medtrace.persistence.journal.JournalChainVerifier;
import org.medtrace.persistence.journal.LedgerEventSerializer;

/**
 * The oracle of the fault tests: reads every touched entity's journal rows straight from Cassandra
 * at a given consistency level, verifies each chain with {@link ChainVerifier}, and compares the
 * stored events with what the load client saw acknowledged.
 *
 * <ul>
 *   <li><b>lost</b>: an acknowledged command whose idempotency key is not stored at the acknowledged
 *       sequence number;
 *   <li><b>doubled</b>: an idempotency key stored in more than one event, or more than one row at one
 *       sequence number (two writers: a forked chain);
 *   <li><b>broken</b>: a chain that does not verify.
 * </ul>
 */
final class JournalAudit {

  /** What the journal holds for the entities of one scenario, judged against the acknowledgments. */
  record Result(
      int entities,
      long eventsFound,
      long acknowledgedChecked,
      long lost,
      long doubled,
      long chainsVerified,
      long chainsBroken,
      List<String> problems) {}

  private final CqlSession session;
  private final String keyspace;

  JournalAudit(CqlSession session, String keyspace) {
    this.session = session;
    this.keyspace = keyspace;
  }

  Result audit(List<LoadClient.Entity> entities, List<LoadClient.Acknowledgment> acknowledgments, ConsistencyLevel consistency) {
    Map<String, List<LoadClient.Acknowledgment>> acknowledgedByEntity = new HashMap<>();
    acknowledgments.forEach(ack -> acknowledgedByEntity.computeIfAbsent(ack.entity().key(), k -> new ArrayList<>()).add(ack));
    long eventsFound = 0;
    long lost = 0;
    long doubled = 0;
    long verified = 0;
    long broken = 0;
    long checked = 0;
    List<String> problems = new ArrayList<>();
    for (LoadClient.Entity entity : entities) {
      List<Row> rows =
          session
              .execute(
                  SimpleStatement.newInstance(
                          "SELECT sequence_nr, ser_manifest, event FROM " + keyspace
                              + ".messages WHERE persistence_id = ? AND partition_nr = 0",
                          JournalChainVerifier.persistenceId(entity.type(), entity.id()))
                      .setConsistencyLevel(consistency)
                      .setTimeout(Duration.ofSeconds(30)))
              .all();
      eventsFound += rows.size();
      ChainVerifier verifier = new ChainVerifier(entity.type(), entity.id(), TrustedKeys.none());
      Map<Long, String> keyAtSequence = new HashMap<>();
      Map<String, Long> sequenceOfKey = new HashMap<>();
      Set<Long> sequences = new HashSet<>();
      for (Row row : rows) {
        long sequence = row.getLong("sequence_nr");
        if (!sequences.add(sequence)) {
          doubled++;
          problems.add(entity.key() + ": two rows at sequence number " + sequence + " (two writers)");
        }
        JournalRecord record = decode(row);
        verifier.accept(sequence, record);
        if (record instanceof ChainedEvent event) {
          String key = event.body().getSourceMessageId();
          keyAtSequence.put(sequence, key);
          Long earlier = sequenceOfKey.putIfAbsent(key, sequence);
          // Every command the load client sends stores exactly one event, so a key stored twice is a
          // command applied twice.
          if (earlier != null) {
            doubled++;
            problems.add(entity.key() + ": idempotency key " + key + " stored at " + earlier + " and at " + sequence);
          }
        }
      }
      VerificationResult result = verifier.result();
      if (result instanceof VerificationResult.Intact) {
        verified++;
      } else {
        broken++;
        problems.add(entity.key() + ": chain broken: " + result);
      }
      for (LoadClient.Acknowledgment ack : acknowledgedByEntity.getOrDefault(entity.key(), List.of())) {
        checked++;
        if (!ack.idempotencyKey().equals(keyAtSequence.get(ack.sequenceNumber()))) {
          lost++;
          problems.add(entity.key() + ": acknowledged " + ack.idempotencyKey() + " at " + ack.sequenceNumber()
              + ", the journal holds " + keyAtSequence.get(ack.sequenceNumber()) + " there");
        }
      }
    }
    return new Result(entities.size(), eventsFound, checked, lost, doubled, verified, broken, problems);
  }

  private static JournalRecord decode(Row row) {
    ByteBuffer buffer = row.getByteBuffer("event");
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    if (!LedgerEventSerializer.MANIFEST.equals(row.getString("ser_manifest"))) {
      throw new IllegalStateException("not a ledger event: manifest " + row.getString("ser_manifest"));
    }
    return JournalRecord.decode(bytes);
  }
}
