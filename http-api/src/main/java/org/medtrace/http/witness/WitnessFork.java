package org.medtrace.http.witness;

import java.time.Instant;
import java.util.List;
import org.medtrace.actors.witness.LogWitness;

/**
 * Evidence that a log this witness follows misbehaved, as stored and as regulators read it.
 *
 * @param evidenceId hex SHA-256 over both notes ({@link LogWitness#evidenceId}): the same for the
 *     same pair, so a repeat is stored and alerted once
 * @param size the size of the checkpoint the witness had cosigned (for {@link Kind#SAME_SIZE_DIFFERENT_ROOT},
 *     also the size of the second one)
 * @param firstNote the signed checkpoint the witness had cosigned
 * @param secondNote the conflicting signed checkpoint it was then shown
 * @param consistencyProof the proof that came with the second note (empty for a same-size fork)
 */
public record WitnessFork(
    String evidenceId,
    String origin,
    Kind kind,
    long size,
    String firstNote,
    String secondNote,
    List<byte[]> consistencyProof,
    Instant recordedAt) {

  /** What the evidence shows. */
  public enum Kind {
    /**
     * Two checkpoints of one size with different roots, both signed by the log: proof of a fork
     * that anyone holding the log's public key can check.
     */
    SAME_SIZE_DIFFERENT_ROOT,
    /**
     * A correctly signed larger checkpoint whose consistency proof from the cosigned one does not
     * verify. The proof itself is not signed, so this is strong suspicion rather than proof: the
     * log MUST be asked for a consistency proof between the two; if it cannot give one, it forked.
     */
    INCONSISTENT_PROOF
  }

  public WitnessFork {
    consistencyProof = List.copyOf(consistencyProof);
  }
}
