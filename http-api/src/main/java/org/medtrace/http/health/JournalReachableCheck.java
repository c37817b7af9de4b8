package org.medtrace.http.health;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * Readiness (Pekko Management health check): the journal's Cassandra answers a trivial query
 * through the journal plugin's own session, so commands can be persisted. A failure or a timeout
 * (the check timeout) makes the node not ready.
 */
public final class JournalReachableCheck implements Supplier<CompletionStage<Boolean>> {

  static final String JOURNAL_PLUGIN = "pekko.persistence.cassandra";
  private static final SimpleStatement PING = SimpleStatement.newInstance("SELECT release_version FROM system.local");

  private final CassandraSession session;

  public JournalReachableCheck(ActorSystem system) {
    this.session = CassandraSessionRegistry.get(Adapter.toTyped(system)).sessionFor(JOURNAL_PLUGIN);
  }

  @Override
  public CompletionStage<Boolean> get() {
    return session.selectOne(PING).thenApply(row -> row.isPresent());
  }
}
