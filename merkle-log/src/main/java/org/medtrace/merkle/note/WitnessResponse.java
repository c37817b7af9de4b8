package org.medtrace.merkle.note;

/** What a {@link Witness} answers to a new checkpoint. */
public sealed interface WitnessResponse {

  /** The witness verified the checkpoint and its consistency, and cosigned it. */
  record Cosigned(NoteSignature cosignature) implements WitnessResponse {}

  /** The witness refused to cosign; nothing about its state changed. */
  record Refused(Reason reason, String detail) implements WitnessResponse {}

  /**
   * The log signed two different roots for one size. The witness recorded the evidence and will
   * not cosign; whoever runs the witness MUST raise an alert.
   */
  record ForkDetected(ForkEvidence evidence) implements WitnessResponse {}

  /** Why a witness refused. */
  enum Reason {
    /** The note or its checkpoint text is malformed. */
    MALFORMED,
    /** The witness does not know the checkpoint's origin, or the log's key did not sign it. */
    UNKNOWN_LOG,
    /** The log's signature does not verify. */
    BAD_LOG_SIGNATURE,
    /** The checkpoint is smaller than the one the witness last cosigned. */
    OLDER_THAN_LAST,
    /** The consistency proof from the last cosigned checkpoint does not verify. */
    INCONSISTENT
  }
}
