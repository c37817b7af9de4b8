package org.medtrace.persistence.chain;

import java.util.Optional;
import org.medtrace.ledger.v1.LedgerEvent;

/**
 * A journal row whose bytes could not be decoded as a ledger event (tampering, corruption, or a
 * format this code does not know). It is never written; it exists only on the read side.
 *
 * @param storedBytes the bytes as found in the journal
 * @param envelope the envelope, when it decoded but its body did not; the verifier then reports a
 *     hash mismatch if the body bytes no longer match the stored hash, which is the more precise
 *     finding
 * @param problem why the row could not be decoded
 */
public record UnreadableRecord(byte[] storedBytes, Optional<LedgerEvent> envelope, String problem)
    implements JournalRecord {}
