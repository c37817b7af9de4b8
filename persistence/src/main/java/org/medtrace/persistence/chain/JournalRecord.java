package org.medtrace.persistence.chain;

/**
 * What one journal row decodes to: a readable {@link ChainedEvent}, or an {@link UnreadableRecord}
 * when the stored bytes are not a valid ledger event. The serializer never throws on bad bytes, so
 * that the verifier can name the row and an entity can refuse to extend a broken chain, instead of a
 * replay failing with no position.
 */
public sealed interface JournalRecord permits ChainedEvent, UnreadableRecord {}
