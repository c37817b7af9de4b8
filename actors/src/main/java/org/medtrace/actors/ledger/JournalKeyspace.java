package org.medtrace.actors.ledger;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * The journal keyspace, where the node keeps its own tables beside the journal's (schema.cql), with
 * the journal plugin's Cassandra session: one connection pool and the plugin's driver profiles for
 * both.
 *
 * @param name the keyspace, {@code pekko.persistence.cassandra.journal.keyspace}
 */
public record JournalKeyspace(CassandraSession session, String name) {

  private static final String PLUGIN = "pekko.persistence.cassandra";

  public static JournalKeyspace of(ActorSystem<?> system) {
    return new JournalKeyspace(
        CassandraSessionRegistry.get(system).sessionFor(PLUGIN), system.settings().config().getString(PLUGIN + ".journal.keyspace"));
  }

  /** The qualified name of {@code table} in this keyspace, for CQL. */
  public String table(String table) {
    return name + "." + table;
  }
}
