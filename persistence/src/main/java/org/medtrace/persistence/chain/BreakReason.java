package org.medtrace.persistence.chain;

/** Why a chain is not intact at the sequence number a verifier names. */
public enum BreakReason {
  /** The stored hash is not SHA-256(prefix || prev_hash || body) of the stored bytes: something was edited. */
  HASH_MISMATCH,
  /**
   * The event does not follow its predecessor: its prev_hash is not the previous event's hash, or
   * it was recorded for another position or entity (rows moved or swapped).
   */
  BROKEN_LINK,
  /** A sequence number is missing: a row was deleted. */
  SEQUENCE_GAP,
  /** The stored bytes are not a ledger event this verifier can read. */
  UNREADABLE_ROW,
  /** A signature is present but invalid, or made with a key the verifier does not trust. */
  BAD_SIGNATURE
}
