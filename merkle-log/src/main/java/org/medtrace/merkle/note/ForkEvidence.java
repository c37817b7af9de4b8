package org.medtrace.merkle.note;

/**
 * Proof that a log forked: two checkpoints for the same origin and tree size with different roots,
 * both validly signed by the log. Anyone holding the log's public key can check it; a log MUST
 * never sign both.
 *
 * @param firstNote the signed checkpoint the witness had cosigned
 * @param secondNote the conflicting signed checkpoint it was then shown
 */
public record ForkEvidence(String origin, long size, String firstNote, String secondNote) {}
