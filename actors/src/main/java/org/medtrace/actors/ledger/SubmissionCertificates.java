package org.medtrace.actors.ledger;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * The certificates of accepted signed submissions — signed HTTP requests and signed Kafka records
 * alike — kept so that a history export can carry the certificate of every key id its events name
 * (merkle-log/FORMAT.md, history bundle v2), in the journal keyspace's {@code
 * submission_certificates} table (see {@code schema.cql}).
 *
 * <p>Why a table: a client may send its certificate inline (the HTTP header or the Kafka record
 * header) to a node whose trust directory has no copy, and trust directories are copied by hand, so
 * the directory alone cannot be relied on to still hold, at export time and on whichever node
 * exports, every certificate that ever signed. Storing the certificate in the event instead would
 * add some 400 bytes to every signed event and change the hashed ledger format, for nothing the key
 * id (the certificate's fingerprint) does not already pin. A row per key id is written once per
 * node process, and a fingerprint names one certificate, so rewriting it is harmless.
 *
 * <p>Guarantee: {@link #remember} completes only once the row is stored at LOCAL_QUORUM, and both
 * transports run a signed submission's commands only after that (the HTTP API before the handler,
 * the Kafka pipelines before routing the record; a failure is a 503, or a retry of the record); so
 * every event with a submission signature has its certificate in the table. Exports look in the
 * table first and then in the trust directory (for events stored before the table existed).
 *
 * <p>Plain bytes here, not certificate objects: this module knows nothing of the network CA
 * (identity), only what to store under which key id.
 */
public final class SubmissionCertificates {

  /** Thrown by {@link #certificate} when the table cannot be read: an export cannot be complete now. */
  public static final class Unavailable extends IllegalStateException {
    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** How long an export waits for one certificate's row. */
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

  private final CassandraSession session;
  private final String table;
  // Key ids whose row this process has stored: later submissions with them write nothing.
  private final Set<String> stored = ConcurrentHashMap.newKeySet();

  private SubmissionCertificates(JournalKeyspace keyspace) {
    this.session = keyspace.session();
    this.table = keyspace.table("submission_certificates");
  }

  /** The table in the journal keyspace, through the journal plugin's Cassandra session. */
  public static SubmissionCertificates onCassandra(ActorSystem<?> system) {
    return new SubmissionCertificates(JournalKeyspace.of(system));
  }

  /**
   * Stores the certificate {@code der} (its DER encoding) under {@code keyId}, the key id of the
   * submissions it signs, with the organisation it names; completes once it is durably stored.
   */
  public CompletionStage<Done> remember(String keyId, String organisation, byte[] der) {
    if (stored.contains(keyId)) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    SimpleStatement insert =
        SimpleStatement.newInstance(
                "INSERT INTO " + table + " (key_id, certificate, organisation) VALUES (?, ?, ?)", keyId, ByteBuffer.wrap(der), organisation)
            .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)
            .setIdempotent(true);
    return session
        .executeWrite(insert)
        .thenApply(
            done -> {
              stored.add(keyId);
              return done;
            });
  }

  /**
   * The stored certificate (DER) with key id {@code keyId}, if any. Blocking: for exports, on the
   * blocking dispatcher.
   *
   * @throws Unavailable when the table cannot be read in time
   */
  public Optional<byte[]> certificate(String keyId) {
    SimpleStatement select =
        SimpleStatement.newInstance("SELECT certificate FROM " + table + " WHERE key_id = ?", keyId)
            .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM);
    try {
      return session
          .selectOne(select)
          .toCompletableFuture()
          .get(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .map(row -> bytes(row.getByteBuffer("certificate")));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while reading the certificate of key id " + keyId, e);
    } catch (Exception e) {
      throw new Unavailable("the certificate of key id " + keyId + " cannot be read: " + e, e);
    }
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
