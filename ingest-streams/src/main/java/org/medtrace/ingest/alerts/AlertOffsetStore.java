package org.medtrace.ingest.alerts;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * Where each alert publisher has got to in the journal's events-by-tag stream: one row per
 * publisher id in {@code <journal keyspace>.alert_publisher_offsets} (see {@code schema.cql}).
 *
 * <p>The publisher MUST {@link #save} an offset only after Kafka has acknowledged the alert at that
 * offset; then a restart from {@link #load} republishes at most the alerts that were in flight, and
 * loses none. It uses the driver session of pekko-persistence-cassandra (from {@link
 * CassandraSessionRegistry}), so it talks to the same cluster as the journal, with an execution
 * profile of its configuration ({@code pekko-persistence-cassandra-profile} by default: the
 * journal's consistency level).
 */
public final class AlertOffsetStore {

  /** The configuration path of pekko-persistence-cassandra's session. */
  static final String SESSION_CONFIG_PATH = "pekko.persistence.cassandra";

  static final String TABLE = "alert_publisher_offsets";

  private final CassandraSession session;
  private final String profile;
  private final String select;
  private final String upsert;

  AlertOffsetStore(CassandraSession session, String keyspace, String profile) {
    this.session = session;
    this.profile = profile;
    this.select = "SELECT tag_offset FROM " + keyspace + "." + TABLE + " WHERE publisher_id = ?";
    this.upsert =
        "INSERT INTO "
            + keyspace
            + "."
            + TABLE
            + " (publisher_id, tag_offset, last_alert_id, updated_at) VALUES (?, ?, ?, ?)";
  }

  /** The store on the journal's Cassandra session, with the keyspace and profile of {@code settings}. */
  public static AlertOffsetStore create(
      ClassicActorSystemProvider system, AlertPublisherSettings settings) {
    return new AlertOffsetStore(
        CassandraSessionRegistry.get(system).sessionFor(SESSION_CONFIG_PATH),
        settings.offsetKeyspace(),
        settings.offsetProfile());
  }

  /** The offset last saved for this publisher; empty if it never saved one. */
  public CompletionStage<Optional<UUID>> load(String publisherId) {
    return prepare(select)
        .thenCompose(
            statement ->
                session.selectOne(
                    statement.bind(publisherId).setExecutionProfileName(profile)))
        .thenApply(row -> row.map(r -> r.getUuid("tag_offset")));
  }

  /**
   * Records that every alert up to and including {@code offset} is on the topic. Completes once
   * Cassandra has acknowledged the write at the profile's consistency level.
   */
  public CompletionStage<Done> save(String publisherId, UUID offset, String lastAlertId) {
    return prepare(upsert).thenCompose(
        statement ->
            session.executeWrite(
                statement
                    .bind(publisherId, offset, lastAlertId, Instant.now())
                    .setExecutionProfileName(profile)));
  }

  /**
   * Prepared on every use rather than once: the driver caches prepared statements by their text,
   * and a failed preparation (Cassandra unreachable at start-up) is then retried by the next
   * restart of the stream instead of being remembered for good.
   */
  private CompletionStage<PreparedStatement> prepare(String cql) {
    return session.prepare(cql);
  }
}
