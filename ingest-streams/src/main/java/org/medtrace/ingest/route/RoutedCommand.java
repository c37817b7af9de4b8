package org.medtrace.ingest.route;

import java.util.Objects;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.actors.ledger.SubmissionSignature;

/**
 * One ledger write a decoded message asks for: which sharded entity, who acts, the command (given
 * the acting party and the reply address) and the idempotency key it carries. The source message
 * id MUST be stable across redeliveries of the same message, so that the entity answers a
 * redelivery "already recorded".
 *
 * <p>The party is a field of its own, not captured in the command, so that a signed record's
 * checked signature can be attached to it after decoding ({@link #signedWith}).
 *
 * @param description what the command does, for dead-letter messages ("Ship batch 0614.../L1")
 */
public record RoutedCommand<C>(
    EntityTypeKey<C> typeKey,
    String entityId,
    String sourceMessageId,
    ActingParty party,
    Factory<C> factory,
    String description) {

  /** Makes the entity's command for an acting party and a reply address. */
  @FunctionalInterface
  public interface Factory<C> {
    C create(ActingParty party, ActorRef<CommandResult> replyTo);
  }

  public RoutedCommand {
    Objects.requireNonNull(typeKey, "typeKey");
    Objects.requireNonNull(party, "party");
    Objects.requireNonNull(factory, "factory");
    if (entityId == null || entityId.isBlank()) {
      throw new IllegalArgumentException("a routed command needs an entity id");
    }
    if (sourceMessageId == null || sourceMessageId.isBlank()) {
      throw new IllegalArgumentException("a routed command needs a source message id (its idempotency key)");
    }
  }

  /** The command to send, given the reply address. */
  public Function<ActorRef<CommandResult>, C> command() {
    return replyTo -> factory.create(party, replyTo);
  }

  /** This command with its party's request signed: the events it causes store {@code signature}. */
  public RoutedCommand<C> signedWith(SubmissionSignature signature) {
    return new RoutedCommand<>(typeKey, entityId, sourceMessageId, party.withSubmission(signature), factory, description);
  }

  /** The key that orders commands: two commands with the same key reach their entity in order. */
  public String entityKey() {
    return typeKey.name() + "|" + entityId;
  }
}
