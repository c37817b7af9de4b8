package org.medtrace.actors.ledger;

import java.util.List;
import org.medtrace.persistence.chain.ChainedEvent;

/**
 * Where a ledger entity hands the events it has just stored: the global log's writers, which
 * append them to the verifiable log without reading them back from the journal.
 *
 * <p>It is called after the persist succeeded and before the command's reply, on the entity's
 * thread, so it MUST NOT block. It is a fast path, not the guarantee: what it loses (a node that
 * crashes before the hand-over arrives, a writer that is moving) the log's reconciler finds in the
 * journal itself.
 */
@FunctionalInterface
public interface CommitFeed {

  /** A feed that hands nothing anywhere: entities without a global log (unit tests, tools). */
  CommitFeed NONE = events -> {};

  /** {@code events}, all of one entity, in sequence order, are durably stored. */
  void committed(List<ChainedEvent> events);
}
