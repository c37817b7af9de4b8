package org.medtrace.http;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * A statement prepared on its first use and again after a failed preparation, as the journal
 * plugin's own statements are: a node that started while Cassandra was unreachable MUST NOT keep
 * failing every read once Cassandra answers.
 */
final class PreparedOnDemand {

  private final CassandraSession session;
  private final String cql;
  private final AtomicReference<CompletionStage<PreparedStatement>> prepared = new AtomicReference<>();

  PreparedOnDemand(CassandraSession session, String cql) {
    this.session = session;
    this.cql = cql;
  }

  CompletionStage<PreparedStatement> get() {
    CompletionStage<PreparedStatement> current = prepared.get();
    if (current == null || current.toCompletableFuture().isCompletedExceptionally()) {
      prepared.compareAndSet(current, session.prepare(cql));
      return prepared.get();
    }
    return current;
  }
}
