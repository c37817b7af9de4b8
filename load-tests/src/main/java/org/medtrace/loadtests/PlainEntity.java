package org.medtrace.loadtests;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;

/**
 * Part (b)'s entity: Pekko Persistence with nothing of medtrace's: no hash chain, no signature, no
 * idempotency window, no validation. Its events are opaque byte arrays (Pekko's built-in byte-array
 * serializer) of a stored medtrace event's size; its state is the event count.
 */
final class PlainEntity extends EventSourcedBehaviorWithEnforcedReplies<PlainEntity.Append, byte[], Long> {

  static final EntityTypeKey<Append> TYPE_KEY = EntityTypeKey.create(Append.class, "bench-plain");

  /** Store {@code payload} as the next event, then reply with its sequence number. */
  record Append(byte[] payload, ActorRef<Long> replyTo) {}

  static Behavior<Append> create(String entityId) {
    return new PlainEntity(PersistenceId.of(TYPE_KEY.name(), entityId));
  }

  private PlainEntity(PersistenceId persistenceId) {
    super(persistenceId);
  }

  @Override
  public Long emptyState() {
    return 0L;
  }

  @Override
  public CommandHandlerWithReply<Append, byte[], Long> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Append.class, (state, command) -> Effect().persist(command.payload()).thenReply(command.replyTo(), count -> count))
        .build();
  }

  @Override
  public EventHandler<Long, byte[]> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((count, event) -> count + 1);
  }
}
