package org.medtrace.actors.ledger;

import java.util.Optional;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.persistence.chain.ChainHead;

/**
 * What every entity state holds besides its domain fields: the head of its chain, whether the chain
 * it recovered from verifies, and which source messages it stored lately.
 *
 * @param <S> the implementing state type; transitions return new instances
 */
public interface LedgerState<S extends LedgerState<S>> extends CborSerializable {

  ChainHead head();

  /** Set when recovery met an event that does not extend the chain; says where and why. */
  Optional<String> brokenChain();

  S withHead(ChainHead head);

  /** The source message ids stored most recently, for idempotency. */
  RecentSources recentSources();

  S withRecentSources(RecentSources sources);

  S withBrokenChain(String description);

  /** The state after {@code event}, which has already been checked to extend the chain. */
  S apply(EventBody event);
}
