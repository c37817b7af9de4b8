package org.medtrace.globallog;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.medtrace.merkle.note.NoteSignature;
import org.medtrace.merkle.note.SignedNote;

/**
 * Where the checkpoint publisher hands each new checkpoint for cosigning (C2SP tlog-cosignature,
 * merkle-log/FORMAT.md section 5). An implementation sends it to the configured witnesses (other
 * organisations' nodes, each running a {@code Witness}) and answers with the cosignature lines it
 * collected; the publisher appends them to the stored checkpoint, whose witnessed state readers
 * then judge with a {@code WitnessPolicy}.
 *
 * <p>Implementations MUST NOT block; the publisher waits at most {@code witness-timeout} for the
 * answer and stores the checkpoint without cosignatures if none come. A cosignature that does not
 * verify is never counted by readers, so an implementation need not filter, but it SHOULD report
 * refusals and forks ({@code WitnessResponse.ForkDetected}) loudly.
 */
public interface CheckpointWitnesses {

  /** Consistency proofs of the slice's tree, for a witness whose last cosigned size is not {@code previous}. */
  @FunctionalInterface
  interface ConsistencyProofs {
    /** RFC 9162 PROOF(oldSize, D[0:newSize]); newSize at most the new checkpoint's size. */
    List<byte[]> between(long oldSize, long newSize);
  }

  /**
   * One new checkpoint.
   *
   * @param checkpoint the note as the log signed it
   * @param previous the slice's previous checkpoint, if any
   * @param proofFromPrevious the consistency proof from {@code previous}'s size to this one's
   *     (empty when there is no previous checkpoint)
   * @param proofs any other consistency proof up to this checkpoint's size
   */
  record Submission(
      int slice,
      SignedNote checkpoint,
      Optional<SignedNote> previous,
      List<byte[]> proofFromPrevious,
      ConsistencyProofs proofs) {

    public Submission {
      proofFromPrevious = List.copyOf(proofFromPrevious);
    }
  }

  /** Collects cosignatures of {@code submission}'s checkpoint: the signature lines to append. */
  CompletionStage<List<NoteSignature>> cosign(Submission submission);

  /** The default until witnesses are configured: nobody cosigns. */
  CheckpointWitnesses NONE = submission -> CompletableFuture.completedFuture(List.of());
}
