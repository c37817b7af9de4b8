package org.medtrace.actors.ledger;

import java.time.Clock;
import java.util.Optional;
import org.medtrace.persistence.chain.LedgerSigner;

/**
 * Settings every entity shares.
 *
 * @param clock the source of recorded-at times and of "now" in rules (expiry, consent)
 * @param signer signs every sealed event's hash when present
 * @param snapshotEvery a snapshot (with the chain head) every this many events; recovery replays
 *     at most this many events after it
 * @param idempotencyWindow how many recent source message ids each entity remembers, so that a
 *     redelivered message within them produces no second event (see {@link RecentSources})
 * @param commitFeed where every entity hands the events it has stored (the global log's writers)
 */
public record LedgerSettings(
    Clock clock, Optional<LedgerSigner> signer, int snapshotEvery, int idempotencyWindow, CommitFeed commitFeed) {

  public LedgerSettings {
    if (snapshotEvery < 1) {
      throw new IllegalArgumentException("snapshotEvery must be at least 1, was " + snapshotEvery);
    }
    if (idempotencyWindow < 1) {
      throw new IllegalArgumentException("idempotencyWindow must be at least 1, was " + idempotencyWindow);
    }
  }

  /** Settings whose entities hand their events to no one ({@link CommitFeed#NONE}). */
  public LedgerSettings(Clock clock, Optional<LedgerSigner> signer, int snapshotEvery, int idempotencyWindow) {
    this(clock, signer, snapshotEvery, idempotencyWindow, CommitFeed.NONE);
  }

  /** These settings, with entities handing their stored events to {@code feed}. */
  public LedgerSettings withCommitFeed(CommitFeed feed) {
    return new LedgerSettings(clock, signer, snapshotEvery, idempotencyWindow, feed);
  }

  public static LedgerSettings defaults() {
    return new LedgerSettings(Clock.systemUTC(), Optional.empty(), 100, 1000);
  }
}
