package org.medtrace.persistence.journal;

import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.javadsl.Sink;
import org.medtrace.persistence.chain.ChainVerifier;
import org.medtrace.persistence.chain.JournalRecord;
import org.medtrace.persistence.chain.TrustedKeys;
import org.medtrace.persistence.chain.UnreadableRecord;
import org.medtrace.persistence.chain.VerificationResult;

/**
 * Verifies an entity's chain as the journal holds it: reads every row of the entity in sequence
 * order through Pekko persistence query, a few chunks ahead ({@link ChunkedJournalReader}), and
 * stops at the first break (no further chunk is started then).
 *
 * <p>The persistence id of an entity is {@code <entity type>|<entity id>}, the entity type being
 * the sharding type name; it is the same on every node and in every export.
 */
public final class JournalChainVerifier {

  /**
   * Rows handed to {@link ChainVerifier#acceptAll} at once, whose signatures it checks in parallel:
   * enough to keep every core busy, few enough that a break is found soon after it is read.
   */
  public static final int ROWS_CHECKED_AT_ONCE = 256;

  private final ChunkedJournalReader reader;
  private final TrustedKeys trustedKeys;
  private final ActorSystem<?> system;

  public JournalChainVerifier(
      CurrentEventsByPersistenceIdQuery readJournal, TrustedKeys trustedKeys, ActorSystem<?> system) {
    this(new ChunkedJournalReader(readJournal, system), trustedKeys, system);
  }

  public JournalChainVerifier(ChunkedJournalReader reader, TrustedKeys trustedKeys, ActorSystem<?> system) {
    this.reader = reader;
    this.trustedKeys = trustedKeys;
    this.system = system;
  }

  /** A verifier over the Cassandra journal configured for {@code system}. */
  public static JournalChainVerifier onCassandra(ActorSystem<?> system, TrustedKeys trustedKeys) {
    CassandraReadJournal readJournal =
        PersistenceQuery.get(system)
            .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    return new JournalChainVerifier(readJournal, trustedKeys, system);
  }

  public static String persistenceId(String entityType, String entityId) {
    return PersistenceId.of(entityType, entityId).id();
  }

  public CompletionStage<VerificationResult> verify(String entityType, String entityId) {
    ChainVerifier verifier = new ChainVerifier(entityType, entityId, trustedKeys);
    return reader
        .currentEvents(persistenceId(entityType, entityId), 1L)
        .map(envelope -> new ChainVerifier.StoredRow(envelope.sequenceNr(), asRecord(envelope.event())))
        .grouped(ROWS_CHECKED_AT_ONCE)
        .map(verifier::acceptAll)
        .takeWhile(Optional::isEmpty)
        .runWith(Sink.ignore(), system)
        .thenApply(done -> verifier.result());
  }

  private static JournalRecord asRecord(Object event) {
    return event instanceof JournalRecord record
        ? record
        : new UnreadableRecord(
            new byte[0], Optional.empty(), "not a ledger event: " + event.getClass().getName());
  }
}
