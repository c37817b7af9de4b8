package org.medtrace.actors.ledger;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * A command that appends to an entity's chain. Its reply comes only after the resulting events are
 * durably stored, or says why nothing was stored.
 */
public interface LedgerWrite {

  ActingParty party();

  /** Idempotency key of the message the command came from; empty where there is none. */
  String sourceMessageId();

  ActorRef<CommandResult> replyTo();
}
