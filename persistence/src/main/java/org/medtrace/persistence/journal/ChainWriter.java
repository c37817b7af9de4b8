package org.medtrace.persistence.journal;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.medtrace.persistence.chain.JournalRecord;

/**
 * Writes events sealed beforehand onto one entity's journal (persistence id {@code <entity type>|<entity
 * id>}, as the ledger entities write it), many per journal write, so that a long chain for the
 * verification figure is stored in seconds rather than through a hundred thousand commands. It
 * checks nothing: it is for the benchmark and the tests, where the verifier that reads the chain
 * back is what is measured or tested; the ledger's entities MUST NOT write through it.
 */
public final class ChainWriter extends EventSourcedBehaviorWithEnforcedReplies<ChainWriter.Append, JournalRecord, Long> {

  /** Persist {@code records} in one write, then reply with the number of events stored. */
  public record Append(List<JournalRecord> records, ActorRef<Long> replyTo) {}

  /** Writes the journal of persistence id {@code persistenceId} ({@code <entity type>|<entity id>}). */
  public static Behavior<Append> create(String persistenceId) {
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
