package org.medtrace.merkle.note;

/** Why a signed note, checkpoint or cosignature is rejected. */
public enum NoteProblem {
  /** Not a signed note: bad UTF-8, control characters, no blank line, a bad signature line. */
  MALFORMED_NOTE,
  /** The note text is not a checkpoint: origin, size or root hash missing or malformed. */
  MALFORMED_CHECKPOINT,
  /** No signature line comes from the expected key (name and key id): the key is unknown. */
  UNKNOWN_KEY,
  /** A signature line from the expected key does not verify over the note text. */
  BAD_SIGNATURE,
  /** A verifier key (vkey) cannot be parsed or is not an Ed25519 key of a supported type. */
  MALFORMED_KEY
}
