package org.medtrace.merkle.witness;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.medtrace.merkle.note.WitnessPolicy;

/**
 * The log's side of witnessing: hands each new signed checkpoint, with a consistency proof from the
 * previous one, to the configured witnesses and collects their cosignatures.
 *
 * <p>Guarantees of every implementation:
 *
 * <ul>
 *   <li>A cosignature in the result MUST have been verified against the configured key of the
 *       witness that returned it; anything else is a failure of that witness, never a cosignature.
 *   <li>A witness that is down, slow, refuses or answers garbage MUST NOT fail the returned stage:
 *       its failure is named in {@link WitnessingResult#failures()}. The stage fails only when the
 *       checkpoint itself is unusable (not a signed checkpoint note).
 *   <li>Whether the checkpoint counts as witnessed is decided by {@link #policy()} ({@link
 *       WitnessPolicy#evaluate}) over the cosigned note, the same rule an offline verifier applies.
 * </ul>
 */
public interface CheckpointWitnesses {

  /**
   * Asks every witness to cosign {@code signedCheckpoint}.
   *
   * @param signedCheckpoint the checkpoint note exactly as the log signed it
   * @param oldSize the size of the last checkpoint of the same origin the log handed to witnesses (0
   *     for the first one)
   * @param consistencyProof the RFC 9162 consistency proof from {@code oldSize} to the checkpoint's
   *     size (empty when {@code oldSize} is 0 or equals the checkpoint's size)
   */
  CompletionStage<WitnessingResult> cosign(String signedCheckpoint, long oldSize, List<byte[]> consistencyProof);

  /** Which witnesses count and how many must cosign. */
  WitnessPolicy policy();

  /**
   * No witnesses, quorum 0: every checkpoint is returned as signed, "witnessed" by nobody. For a
   * log that has not configured witnesses yet; {@link WitnessingResult#summary()} says so.
   */
  static CheckpointWitnesses none() {
    WitnessPolicy nobody = new WitnessPolicy(0, List.of());
    return new CheckpointWitnesses() {
      @Override
      public CompletionStage<WitnessingResult> cosign(String signedCheckpoint, long oldSize, List<byte[]> consistencyProof) {
        try {
          return CompletableFuture.completedFuture(WitnessingResult.of(nobody, signedCheckpoint, List.of(), java.util.Map.of()));
        } catch (IllegalArgumentException e) {
          return CompletableFuture.failedFuture(e);
        }
      }

      @Override
      public WitnessPolicy policy() {
        return nobody;
      }
    };
  }
}
