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
 */
public record LedgerSettings(Clock clock, Optional<LedgerSigner> signer, int snapshotEvery) {

  public LedgerSettings {
    if (snapshotEvery < 1) {
      throw new IllegalArgumentException("snapshotEvery must be at least 1, was " + snapshotEvery);
    }
  }

  public static LedgerSettings defaults() {
    return new LedgerSettings(Clock.systemUTC(), Optional.empty(), 100);
  }
}
