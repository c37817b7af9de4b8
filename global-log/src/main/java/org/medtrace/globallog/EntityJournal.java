package org.medtrace.globallog;

import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
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

  /**
   * The log's own copy of the Cassandra plugin's settings ({@code medtrace.global-log.read-journal}
   * in reference.conf): the plugin reads a read journal's shared settings, events-by-tag included,
   * from the block one level above its query plugin id.
   */
  static final String LOG_PLUGIN = "medtrace.global-log.read-journal";

  /** The Cassandra plugin's block, shared with the journal and every other query. */
  static final String SHARED_PLUGIN = "pekko.persistence.cassandra";

  /**
   * What the log's copy MUST share with the plugin's block: where the events are and how they are
   * read. A copy that differs here was resolved before the node's settings were layered on it.
   */
  static final List<String> MUST_AGREE =
      List.of(
          "journal.keyspace", "journal.table", "journal.metadata-table", "events-by-tag.table", "events-by-tag.bucket-size",
          "events-by-tag.first-time-bucket", "session-provider", "session-dispatcher", "datastax-java-driver-config",
          "read-profile", "query.read-profile");

  private final ActorSystem<?> system;
  private final CassandraReadJournal readJournal;
  private final String readJournalPluginId;
  private final String persistenceIdsTable;
  private final Duration timeout;

  public EntityJournal(ActorSystem<?> system, Duration timeout) {
    this.system = system;
    this.readJournalPluginId = readJournalPluginId(system.settings().config());
    this.readJournal = PersistenceQuery.get(system).getReadJournalFor(CassandraReadJournal.class, readJournalPluginId);
    String plugin = readJournalPluginId.substring(0, readJournalPluginId.length() - ".query".length());
    Config pluginConfig = system.settings().config().getConfig(plugin);
    this.persistenceIdsTable =
        pluginConfig.getString("journal.keyspace") + "." + pluginConfig.getString("journal.all-persistence-ids-table");
    this.timeout = timeout;
  }

  /**
   * The plugin id of the log's read journal: its own ({@link #LOG_PLUGIN}{@code .query}) when that
   * block agrees with the plugin's on every key of {@link #MUST_AGREE}; otherwise the plugin's own
   * read journal, with a warning naming the first key that differs (then the log's tag streams
   * back-track as the plugin's do: slower, never wrong).
   */
  static String readJournalPluginId(Config config) {
    if (!config.hasPath(LOG_PLUGIN)) {
      log.warn("{} is not configured; the global log reads through {}", LOG_PLUGIN, CassandraReadJournal.Identifier());
      return CassandraReadJournal.Identifier();
    }
    Config own = config.getConfig(LOG_PLUGIN);
    Config shared = config.getConfig(SHARED_PLUGIN);
    for (String key : MUST_AGREE) {
      if (!own.getValue(key).unwrapped().equals(shared.getValue(key).unwrapped())) {
        log.warn(
            "{}.{} is {}, but {}.{} is {}: the log's read-journal settings were resolved before the node's were layered on"
                + " them; the global log reads through {} (its back-track settings)",
            LOG_PLUGIN, key, own.getValue(key).render(), SHARED_PLUGIN, key, shared.getValue(key).render(),
            CassandraReadJournal.Identifier());
        return CassandraReadJournal.Identifier();
      }
    }
    return LOG_PLUGIN + ".query";
  }

  /** The plugin id the log's queries use, see {@link #readJournalPluginId(Config)}. */
  String readJournalPluginId() {
    return readJournalPluginId;
  }

  CassandraReadJournal readJournal() {
    return readJournal;
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
            .setConsistencyLevel(DefaultConsistencyLevel.LOCAL_QUORUM);
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
