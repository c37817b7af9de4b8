package org.medtrace.globallog;

import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.device.MedicalDevice;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.actors.witness.LogWitness;
import org.medtrace.merkle.LogLeaf;
import org.medtrace.persistence.chain.ChainedEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal as the global log reads it: the ledger events of one entity, and every entity there
 * is. It is the source of truth the reconciler compares the log with; blocking calls, for the slice
 * writer's blocking dispatcher.
 */
public class EntityJournal {

  private static final Logger log = LoggerFactory.getLogger(EntityJournal.class);

  /** Separates entity type and id in a persistence id ({@code PersistenceId.of(type, id)}). */
  static final String PERSISTENCE_ID_SEPARATOR = "|";

  /** An entity in the journal. */
  public record Entity(String entityType, String entityId) {}

  /** The Cassandra plugin's block: the journal's keyspace and tables. */
  private static final String CASSANDRA_PLUGIN = "pekko.persistence.cassandra";

  private final ActorSystem<?> system;
  private final CassandraReadJournal readJournal;
  private final String persistenceIdsTable;
  private final Duration timeout;
  private final long targetPartitionSize;
  private final String readProfile;
  private final String probeCql;
  private volatile PreparedStatement probe;

  public EntityJournal(ActorSystem<?> system, Duration timeout) {
    this.system = system;
    this.readJournal = PersistenceQuery.get(system).getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    Config pluginConfig = system.settings().config().getConfig(CASSANDRA_PLUGIN);
    this.persistenceIdsTable =
        pluginConfig.getString("journal.keyspace") + "." + pluginConfig.getString("journal.all-persistence-ids-table");
    this.timeout = timeout;
    this.targetPartitionSize = pluginConfig.getLong("journal.target-partition-size");
    this.readProfile = pluginConfig.getString("query.read-profile");
    this.probeCql =
        "SELECT sequence_nr FROM " + pluginConfig.getString("journal.keyspace") + "." + pluginConfig.getString("journal.table")
            + " WHERE persistence_id = ? AND partition_nr IN (?, ?) AND sequence_nr = ?";
  }

  /**
   * Whether the journal holds a row of the entity with {@code sequenceNumber}: one query, where
   * reading the events through the plugin costs about a dozen (its deleted-to mark, the partitions
   * it searches). The plugin writes a row in the partition {@code (sequence number - 1) /
   * target-partition-size}, or in the next one when a write of several events crosses into it
   * (each write goes to the partition of its last event), so both are asked. Without a row there,
   * the entity has no event after {@code sequenceNumber - 1}: its events are written one after the
   * other, without gaps.
   */
  public CompletableFuture<Boolean> holdsAsync(String entityType, String entityId, long sequenceNumber) {
    long partition = (sequenceNumber - 1) / targetPartitionSize;
    return readJournal
        .session()
        .selectOne(
            probe()
                .bind(entityType + PERSISTENCE_ID_SEPARATOR + entityId, partition, partition + 1, sequenceNumber)
                .setExecutionProfileName(readProfile)
                .setTimeout(timeout))
        .toCompletableFuture()
        .thenApply(Optional::isPresent);
  }

  /** The probe's statement, prepared on first use (and again after a failed preparation). */
  private PreparedStatement probe() {
    PreparedStatement prepared = probe;
    if (prepared == null) {
      prepared = await(readJournal.session().prepare(probeCql).toCompletableFuture());
      probe = prepared;
    }
    return prepared;
  }

  /**
   * The entity's events with sequence numbers {@code from..to}, as log leaves, in order and without
   * gaps: the list stops before the first missing or unreadable row (an unreadable row is logged;
   * the log MUST NOT skip it, since the leaves of one entity keep its order).
   */
  public List<LogLeaf> events(String entityType, String entityId, long from, long to) {
    return chainedEvents(entityType, entityId, from, to).stream().map(ChainedLeaf::leaf).toList();
  }

  /**
   * An event as a log leaf, with the hash of its predecessor that it carries ({@code prev_hash}):
   * the link by which the sequencer checks that the leaf the log holds for the predecessor is the
   * event this one was built on.
   */
  public record ChainedLeaf(LogLeaf leaf, byte[] previousHash) {

    public static ChainedLeaf of(ChainedEvent event, long sequenceNumber) {
      return new ChainedLeaf(
          new LogLeaf(event.body().getEntityType(), event.body().getEntityId(), sequenceNumber, event.hash()),
          event.envelope().getPrevHash().toByteArray());
    }

    public long sequenceNumber() {
      return leaf.sequenceNumber();
    }

    /** Whether this event was built on {@code predecessor} (its prev_hash is that leaf's event hash). */
    public boolean follows(LogLeaf predecessor) {
      return Arrays.equals(previousHash, predecessor.eventHash());
    }
  }

  /** {@link #events}, each with its predecessor's hash. */
  public List<ChainedLeaf> chainedEvents(String entityType, String entityId, long from, long to) {
    return await(chainedEventsAsync(entityType, entityId, from, to));
  }

  /**
   * {@link #chainedEvents} without waiting, so that a caller can have several entities' reads in
   * flight; {@link #await} it.
   */
  public CompletableFuture<List<ChainedLeaf>> chainedEventsAsync(String entityType, String entityId, long from, long to) {
    return rowsAsync(entityType, entityId, from, to)
        .thenApply(rows -> rows.stream().map(row -> ChainedLeaf.of(row.event(), row.sequenceNumber())).toList());
  }

  /**
   * The entity's stored rows with sequence numbers {@code from..to}: the bytes exactly as the
   * journal holds them (for exports), under the same rules as {@link #events}.
   */
  public List<byte[]> storedEvents(String entityType, String entityId, long from, long to) {
    // The journal serializer stores envelope.toByteArray(), and a parsed protobuf message writes
    // the same bytes again; the hash covers only the body bytes, which are kept as they are.
    return rows(entityType, entityId, from, to).stream().map(row -> row.event().envelope().toByteArray()).toList();
  }

  private record Row(long sequenceNumber, ChainedEvent event) {}

  private List<Row> rows(String entityType, String entityId, long from, long to) {
    return await(rowsAsync(entityType, entityId, from, to));
  }

  private CompletableFuture<List<Row>> rowsAsync(String entityType, String entityId, long from, long to) {
    String persistenceId = entityType + PERSISTENCE_ID_SEPARATOR + entityId;
    return readJournal
        .currentEventsByPersistenceId(persistenceId, from, to)
        .runWith(Sink.seq(), system)
        .toCompletableFuture()
        .thenApply(envelopes -> rows(persistenceId, from, envelopes));
  }

  private static List<Row> rows(String persistenceId, long from, List<EventEnvelope> envelopes) {
    List<Row> rows = new ArrayList<>();
    long expected = from;
    for (EventEnvelope envelope : envelopes) {
      if (envelope.sequenceNr() != expected) {
        break;
      }
      if (!(envelope.event() instanceof ChainedEvent event)) {
        log.error(
            "{} #{} is not a readable ledger event; the global log holds {} up to #{} until it is repaired",
            persistenceId, expected, persistenceId, expected - 1);
        break;
      }
      rows.add(new Row(envelope.sequenceNr(), event));
      expected++;
    }
    return rows;
  }

  /** The entity types whose journals are ledger chains; other persistent actors in the keyspace are not logged. */
  static final Set<String> LEDGER_ENTITY_TYPES =
      Set.of(DrugBatch.ENTITY_TYPE, MedicalDevice.ENTITY_TYPE, PatientRecord.ENTITY_TYPE, LogWitness.ENTITY_TYPE);

  /**
   * A page of the journal's persistence ids, in Cassandra's token order: the ledger entities among
   * them, and the token to continue after (empty when the page reached the last id).
   */
  public record EntityPage(List<Entity> entities, OptionalLong continueAfter) {}

  /** The token before every persistence id's: a page from here starts at the first id. */
  public static final long FIRST_TOKEN = Long.MIN_VALUE;

  /**
   * Up to {@code limit} persistence ids after token {@code afterToken} (from the plugin's
   * all_persistence_ids table, which the currentPersistenceIds query reads whole), with the ledger
   * entities among them: one bounded read, so that a caller can walk any number of entities a page
   * at a time.
   */
  public EntityPage entityPage(long afterToken, int limit) {
    SimpleStatement page =
        SimpleStatement.newInstance(
                "SELECT token(persistence_id) AS position, persistence_id FROM " + persistenceIdsTable
                    + " WHERE token(persistence_id) > ? LIMIT ?",
                afterToken, limit)
            .setConsistencyLevel(DefaultConsistencyLevel.LOCAL_QUORUM)
            .setTimeout(timeout);
    List<com.datastax.oss.driver.api.core.cql.Row> rows = await(readJournal.session().selectAll(page).toCompletableFuture());
    List<Entity> entities = new ArrayList<>(rows.size());
    rows.forEach(row -> ledgerEntity(row.getString("persistence_id")).ifPresent(entities::add));
    return new EntityPage(
        entities, rows.size() < limit ? OptionalLong.empty() : OptionalLong.of(rows.get(rows.size() - 1).getLong("position")));
  }

  private static Optional<Entity> ledgerEntity(String persistenceId) {
    int separator = persistenceId.indexOf(PERSISTENCE_ID_SEPARATOR);
    if (separator > 0 && separator < persistenceId.length() - 1 && LEDGER_ENTITY_TYPES.contains(persistenceId.substring(0, separator))) {
      return Optional.of(new Entity(persistenceId.substring(0, separator), persistenceId.substring(separator + 1)));
    }
    return Optional.empty();
  }

  /** Every ledger entity the journal has events of (all persistence ids in one read: for tests and tools). */
  public List<Entity> entities() {
    List<String> ids = await(readJournal.currentPersistenceIds().runWith(Sink.seq(), system).toCompletableFuture());
    List<Entity> entities = new ArrayList<>(ids.size());
    ids.forEach(id -> ledgerEntity(id).ifPresent(entities::add));
    return entities;
  }

  /** The result of one of this journal's reads, waiting at most the journal timeout. */
  <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the journal", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("could not read the journal: " + e, e);
    }
  }
}
