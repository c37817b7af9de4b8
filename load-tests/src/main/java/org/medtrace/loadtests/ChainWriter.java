package org.medtrace.loadtests;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.medtrace.persistence.chain.JournalRecord;

/**
 * Writes events sealed beforehand onto one entity's journal (persistence id {@code <entity type>|<entity
 * id>}, as the ledger entities write it), many per journal write, so that a long chain for the
 * verification figure is stored in seconds rather than through a hundred thousand commands. It
 * checks nothing: the verifier that reads the chain back is what is measured.
 */
final class ChainWriter extends EventSourcedBehaviorWithEnforcedReplies<ChainWriter.Append, JournalRecord, Long> {

  static final EntityTypeKey<Append> TYPE_KEY = EntityTypeKey.create(Append.class, "bench-chain-writer");

  /** Persist {@code records} in one write, then reply with the number of events stored. */
  record Append(List<JournalRecord> records, ActorRef<Long> replyTo) {}

  /** The sharding entity id is {@code <entity type>|<entity id>}, the persistence id it writes. */
  static Behavior<Append> create(String persistenceId) {
    return new ChainWriter(PersistenceId.ofUniqueId(persistenceId));
  }

  private ChainWriter(PersistenceId persistenceId) {
    super(persistenceId);
  }

  @Override
  public Long emptyState() {
    return 0L;
  }

  @Override
  public CommandHandlerWithReply<Append, JournalRecord, Long> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Append.class, (state, command) -> Effect().persist(command.records()).thenReply(command.replyTo(), count -> count))
        .build();
  }

  @Override
  public EventHandler<Long, JournalRecord> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((count, event) -> count + 1);
  }
}
