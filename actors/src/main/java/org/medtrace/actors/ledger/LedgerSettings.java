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
 */
public record LedgerSettings(
    Clock clock, Optional<LedgerSigner> signer, int snapshotEvery, int idempotencyWindow) {

  public LedgerSettings {
    if (snapshotEvery < 1) {
      throw new IllegalArgumentException("snapshotEvery must be at least 1, was " + snapshotEvery);
    }
    if (idempotencyWindow < 1) {
      throw new IllegalArgumentException("idempotencyWindow must be at least 1, was " + idempotencyWindow);
    }
  }

  public static LedgerSettings defaults() {
    return new LedgerSettings(Clock.systemUTC(), Optional.empty(), 100, 1000);
  }
}
