package org.medtrace.actors.ledger;

/** The reply to every command that writes to the ledger. */
public sealed interface CommandResult extends CborSerializable {

  /**
   * The command's events are durably stored: the chain now ends at {@code sequenceNumber} with
   * hash {@code headHash}.
   */
  record Accepted(long sequenceNumber, String headHash) implements CommandResult {}

  /**
   * The command's source message was stored before, ending at {@code sequenceNumber}: a redelivery
   * or a retry. Nothing new was stored; for the sender it is as good as {@link Accepted}.
   */
  record AlreadyRecorded(String sourceMessageId, long sequenceNumber) implements CommandResult {}

  /**
   * The command was refused for {@code reason}, explained in {@code message}. Nothing was stored,
   * except for {@link Rejection#REFUSED_AND_RECORDED}, where the refusal is on the chain up to
   * {@code recordedUpTo} (0 otherwise).
   */
  record Rejected(Rejection reason, String message, long recordedUpTo) implements CommandResult {
    public Rejected(Rejection reason, String message) {
      this(reason, message, 0);
    }
  }
}
