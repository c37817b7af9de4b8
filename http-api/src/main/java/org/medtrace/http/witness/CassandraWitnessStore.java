package org.medtrace.http.witness;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * {@link WitnessStore} in the journal keyspace ({@code witness_checkpoints}, {@code witness_forks};
 * see {@code schema.cql}). Advancing and recording a fork are lightweight transactions (Paxos at
 * LOCAL_SERIAL, committed at LOCAL_QUORUM), so two nodes of one organisation answering for the same
 * witness cannot both advance it, and a stage completes only once the write is acknowledged by a
 * quorum of replicas. Reads are at LOCAL_SERIAL, so they see every committed transaction.
 */
public final class CassandraWitnessStore implements WitnessStore {

  private final CassandraSession session;
  private final String checkpoints;
  private final String forks;
  private final Clock clock;

  CassandraWitnessStore(CassandraSession session, String keyspace, Clock clock) {
    this.session = session;
    this.checkpoints = keyspace + ".witness_checkpoints";
    this.forks = keyspace + ".witness_forks";
    this.clock = clock;
  }

  /** The store in the journal keyspace, through the journal plugin's Cassandra session. */
  public static CassandraWitnessStore onCassandra(ActorSystem<?> system) {
    String plugin = "pekko.persistence.cassandra";
    return new CassandraWitnessStore(
        CassandraSessionRegistry.get(system).sessionFor(plugin),
        system.settings().config().getString(plugin + ".journal.keyspace"),
        Clock.systemUTC());
  }

  @Override
  public CompletionStage<Optional<String>> latest(String witness, String origin) {
    return session
        .selectOne(
            SimpleStatement.newInstance(
                    "SELECT signed_checkpoint FROM " + checkpoints + " WHERE witness = ? AND origin = ?", witness, origin)
                .setConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL))
        .thenApply(row -> row.map(r -> r.getString("signed_checkpoint")));
  }

  @Override
  public CompletionStage<Boolean> advance(
      String witness, String origin, Optional<String> expected, String next, long nextSize) {
    Instant now = clock.instant();
    SimpleStatement statement =
        expected.isEmpty()
            ? SimpleStatement.newInstance(
                "INSERT INTO " + checkpoints + " (witness, origin, tree_size, signed_checkpoint, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?) IF NOT EXISTS",
                witness, origin, nextSize, next, now)
            : SimpleStatement.newInstance(
                "UPDATE " + checkpoints + " SET tree_size = ?, signed_checkpoint = ?, updated_at = ?"
                    + " WHERE witness = ? AND origin = ? IF signed_checkpoint = ?",
                nextSize, next, now, witness, origin, expected.get());
    return session
        .selectOne(lightweightTransaction(statement))
        .thenApply(row -> row.map(r -> r.getBoolean("[applied]")).orElse(false));
  }

  @Override
  public CompletionStage<Recorded> recordFork(String witness, WitnessFork fork) {
    SimpleStatement insert =
        SimpleStatement.newInstance(
            "INSERT INTO " + forks
                + " (witness, origin, evidence_id, kind, tree_size, first_note, second_note, consistency_proof, recorded_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS",
            witness,
            fork.origin(),
            fork.evidenceId(),
            fork.kind().name(),
            fork.size(),
            fork.firstNote(),
            fork.secondNote(),
            fork.consistencyProof().stream().map(ByteBuffer::wrap).toList(),
            fork.recordedAt());
    return session
        .selectOne(lightweightTransaction(insert))
        .thenApply(
            row -> {
              // Not applied: the LWT answers with the row that is there, the earlier record.
              boolean applied = row.map(r -> r.getBoolean("[applied]")).orElse(false);
              return applied ? new Recorded(fork, true) : new Recorded(toFork(row.orElseThrow()), false);
            });
  }

  @Override
  public CompletionStage<List<WitnessFork>> forks(String witness, int limit) {
    return session
        .selectAll(
            SimpleStatement.newInstance(
                    "SELECT origin, evidence_id, kind, tree_size, first_note, second_note, consistency_proof, recorded_at FROM "
                        + forks + " WHERE witness = ? LIMIT ?",
                    witness, limit)
                .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))
        .thenApply(rows -> rows.stream().map(CassandraWitnessStore::toFork).toList());
  }

  private static SimpleStatement lightweightTransaction(SimpleStatement statement) {
    return statement.setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM).setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL);
  }

  private static WitnessFork toFork(Row row) {
    List<ByteBuffer> proof = row.getList("consistency_proof", ByteBuffer.class);
    return new WitnessFork(
        row.getString("evidence_id"),
        row.getString("origin"),
        WitnessFork.Kind.valueOf(row.getString("kind")),
        row.getLong("tree_size"),
        row.getString("first_note"),
        row.getString("second_note"),
        proof == null ? List.of() : proof.stream().map(CassandraWitnessStore::bytes).toList(),
        row.getInstant("recorded_at"));
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }
}
