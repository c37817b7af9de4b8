package org.medtrace.globallog;

/**
 * The publisher refused to sign a checkpoint: the tree it would sign is not consistent with the
 * slice's previous checkpoint (a different root at the same size, a smaller size, or a consistency
 * proof that does not verify), or the previous checkpoint does not verify with the log's key. This
 * means the stored log was changed: an operator MUST investigate; nothing is signed until then.
 */
public final class CheckpointRefusedException extends RuntimeException {

  public CheckpointRefusedException(String message) {
    super(message);
  }
}
