package org.medtrace.http;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.nio.ByteBuffer;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.medtrace.identity.IssuedCertificate;
import org.medtrace.identity.NetworkTrust;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.verify.SigningCertificates;

/**
 * The certificates of accepted signed submissions, kept so that a history export can carry the
 * certificate of every key id its events name (merkle-log/FORMAT.md, history bundle v2), in the
 * journal keyspace's {@code submission_certificates} table (see {@code schema.cql}).
 *
 * <p>Why a table: a client may send its certificate inline ({@code Medtrace-Certificate}) to a node
 * whose trust directory has no copy, and trust directories are copied by hand, so the directory
 * alone cannot be relied on to still hold, at export time and on whichever node exports, every
 * certificate that ever signed. Storing the certificate in the event instead would add some 400
 * bytes to every signed event and change the hashed ledger format, for nothing the key id (the
 * certificate's fingerprint) does not already pin. A row per key id is written once per node
 * process, and a fingerprint names one certificate, so rewriting it is harmless.
 *
 * <p>Guarantee: {@link #remember} completes only once the row is stored at LOCAL_QUORUM, and the
 * API runs a signed request's handler only after that; so every event with a submission signature
 * has its certificate in the table. Exports look in the table first and then in the trust
 * directory (for events stored before the table existed).
 */
final class SubmissionCertificates {

  /** How long an export waits for one certificate's row. */
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

  private final CassandraSession session;
  private final String table;
  // Key ids whose row this process has stored: later submissions with them write nothing.
  private final Set<String> stored = ConcurrentHashMap.newKeySet();

  SubmissionCertificates(CassandraSession session, String keyspace) {
    this.session = session;
    this.table = keyspace + ".submission_certificates";
  }

  /** The table in the journal keyspace, through the journal plugin's Cassandra session. */
  static SubmissionCertificates onCassandra(ActorSystem<?> system) {
    String plugin = "pekko.persistence.cassandra";
    return new SubmissionCertificates(
        CassandraSessionRegistry.get(system).sessionFor(plugin), system.settings().config().getString(plugin + ".journal.keyspace"));
  }

  /** Stores {@code certificate} under its key id; completes once it is durably stored. */
  CompletionStage<Done> remember(IssuedCertificate certificate) {
    if (stored.contains(certificate.keyId())) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    byte[] der = encoded(certificate.certificate());
    SimpleStatement insert =
        SimpleStatement.newInstance(
                "INSERT INTO " + table + " (key_id, certificate, organisation) VALUES (?, ?, ?)",
                certificate.keyId(), ByteBuffer.wrap(der), certificate.organisation())
            .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)
            .setIdempotent(true);
    return session
        .executeWrite(insert)
        .thenApply(
            done -> {
              stored.add(certificate.keyId());
              return done;
            });
  }

  /** The stored certificate (DER) with key id {@code keyId}, if any. Blocking: for exports, on the blocking dispatcher. */
  Optional<byte[]> certificate(String keyId) {
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
      throw new IllegalStateException("interrupted while reading the certificate of key id " + keyId, e);
    } catch (Exception e) {
      throw new IllegalStateException("the certificate of key id " + keyId + " cannot be read: " + e, e);
    }
  }

  /**
   * What exports carry: the certificates of this table, then of the trust directory's {@code certs/},
   * the certificates of the log's and the witnesses' note keys, the CRL and the network policy from
   * the trust directory (when the node has one).
   */
  SigningCertificates forExport(Supplier<Optional<NetworkTrust>> trust) {
    return new SigningCertificates() {
      @Override
      public Optional<byte[]> certificate(String keyId) {
        Optional<byte[]> stored = SubmissionCertificates.this.certificate(keyId);
        if (stored.isPresent()) {
          return stored;
        }
        return trust.get().flatMap(t -> SigningCertificates.of(t).certificate(keyId));
      }

      @Override
      public List<byte[]> certificatesOfKey(NoteKey key) {
        return trust.get().map(t -> SigningCertificates.of(t).certificatesOfKey(key)).orElse(List.of());
      }

      @Override
      public Optional<byte[]> crl() {
        return trust.get().flatMap(t -> SigningCertificates.of(t).crl());
      }

      @Override
      public Optional<String> networkPolicy() {
        return trust.get().flatMap(t -> SigningCertificates.of(t).networkPolicy());
      }
    };
  }

  private static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("a trusted certificate cannot be encoded", e);
    }
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
