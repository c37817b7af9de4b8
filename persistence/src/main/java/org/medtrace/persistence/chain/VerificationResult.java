package org.medtrace.persistence.chain;

/** The outcome of verifying one entity's chain. */
public sealed interface VerificationResult {

  String entityType();

  String entityId();

  /**
   * Every event from 1 to {@code length} links correctly; {@code headHashHex} is the last event's
   * hash (the genesis value when there are no events).
   */
  record Intact(String entityType, String entityId, long length, String headHashHex)
      implements VerificationResult {}

  /**
   * The chain is broken at {@code sequenceNumber}, the first position that does not verify; the
   * {@code intactLength} events before it do.
   */
  record Broken(
      String entityType,
      String entityId,
      long sequenceNumber,
      BreakReason reason,
      String detail,
      long intactLength)
      implements VerificationResult {}
}
