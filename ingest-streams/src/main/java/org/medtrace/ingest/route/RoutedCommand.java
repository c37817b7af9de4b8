package org.medtrace.ingest.route;

import java.util.Objects;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.medtrace.actors.ledger.CommandResult;

/**
 * One ledger write a decoded message asks for: which sharded entity, the command (given the reply
 * address) and the idempotency key it carries. The source message id MUST be stable across
 * redeliveries of the same message, so that the entity answers a redelivery "already recorded".
 *
 * @param description what the command does, for dead-letter messages ("Ship batch 0614.../L1")
 */
public record RoutedCommand<C>(
    EntityTypeKey<C> typeKey,
    String entityId,
    String sourceMessageId,
    Function<ActorRef<CommandResult>, C> command,
    String description) {

  public RoutedCommand {
    Objects.requireNonNull(typeKey, "typeKey");
    Objects.requireNonNull(command, "command");
    if (entityId == null || entityId.isBlank()) {
      throw new IllegalArgumentException("a routed command needs an entity id");
    }
    if (sourceMessageId == null || sourceMessageId.isBlank()) {
      throw new IllegalArgumentException("a routed command needs a source message id (its idempotency key)");
    }
  }

  /** The key that orders commands: two commands with the same key reach their entity in order. */
  public String entityKey() {
    return typeKey.name() + "|" + entityId;
  }
}
