package org.medtrace.merkle.note;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.medtrace.merkle.ProofResult;
import org.medtrace.merkle.ProofVerifier;

/**
 * A witness (C2SP tlog-cosignature, cosignature/v1): it cosigns a log's checkpoint only after
 * verifying the log's signature and that the checkpoint is consistent with the last one it
 * cosigned for that origin, so a log cannot show different histories to different readers
 * without a witness noticing.
 *
 * <p>Rules, per origin:
 *
 * <ul>
 *   <li>first checkpoint: cosigned on the log's signature alone (trust on first use);
 *   <li>same size, same root: cosigned again (with a new time);
 *   <li>same size, different root: a fork; both signed notes are recorded as {@link
 *       ForkEvidence} and reported, nothing is cosigned;
 *   <li>smaller size: refused;
 *   <li>larger size: cosigned only if the consistency proof from the last cosigned size verifies.
 * </ul>
 *
 * <p>Thread-safe: submissions are serialised, so two racing checkpoints cannot both be checked
 * against the same old state.
 */
public final class Witness {

  private final NoteSigner cosigner;
  private final Map<String, NoteKey> logKeysByOrigin;
  private final WitnessState state;
  private final Clock clock;

  /**
   * @param cosigner the witness's key, of type {@link SignatureType#COSIGNATURE_V1}
   * @param logKeysByOrigin the logs this witness follows: checkpoint origin to the log's key
   */
  public Witness(NoteSigner cosigner, Map<String, NoteKey> logKeysByOrigin, WitnessState state, Clock clock) {
    if (cosigner.verifierKey().type() != SignatureType.COSIGNATURE_V1) {
      throw new IllegalArgumentException("a witness signs with a cosignature/v1 key");
    }
    this.cosigner = cosigner;
    this.logKeysByOrigin = Map.copyOf(logKeysByOrigin);
    this.state = state;
    this.clock = clock;
  }

  public NoteKey verifierKey() {
    return cosigner.verifierKey();
  }

  /** The forks this witness has seen. */
  public List<ForkEvidence> forks() {
    return state.forks();
  }

  /**
   * Considers a signed checkpoint.
   *
   * @param signedCheckpoint the note as the log signed it
   * @param consistencyProof the proof from the size this witness last cosigned for the origin to the
   *     new size (empty for the first checkpoint or an unchanged size)
   */
  public synchronized WitnessResponse submit(String signedCheckpoint, List<byte[]> consistencyProof) {
    SignedCheckpoint parsed;
    try {
      parsed = SignedCheckpoint.parse(signedCheckpoint);
    } catch (NoteException e) {
      return new WitnessResponse.Refused(WitnessResponse.Reason.MALFORMED, e.getMessage());
    }
    SignedNote note = parsed.note();
    Checkpoint checkpoint = parsed.checkpoint();
    NoteKey logKey = logKeysByOrigin.get(checkpoint.origin());
    if (logKey == null) {
      return new WitnessResponse.Refused(
          WitnessResponse.Reason.UNKNOWN_LOG, "this witness does not follow " + checkpoint.origin());
    }
    try {
      note.verify(logKey);
    } catch (NoteException e) {
      return new WitnessResponse.Refused(
          e.problem() == NoteProblem.BAD_SIGNATURE
              ? WitnessResponse.Reason.BAD_LOG_SIGNATURE
              : WitnessResponse.Reason.UNKNOWN_LOG,
          e.getMessage());
    }
    Optional<String> lastNote = state.lastCosigned(checkpoint.origin());
    if (lastNote.isPresent()) {
      Checkpoint last = lastCheckpoint(lastNote.get());
      if (checkpoint.size() < last.size()) {
        return new WitnessResponse.Refused(
            WitnessResponse.Reason.OLDER_THAN_LAST,
            "size " + checkpoint.size() + " is smaller than the last cosigned size " + last.size());
      }
      if (checkpoint.size() == last.size() && !checkpoint.sameTreeAs(last)) {
        ForkEvidence evidence =
            new ForkEvidence(checkpoint.origin(), checkpoint.size(), lastNote.get(), note.format());
        state.recordFork(evidence);
        return new WitnessResponse.ForkDetected(evidence);
      }
      ProofResult consistency =
          ProofVerifier.verifyConsistency(
              last.size(), checkpoint.size(), last.rootHash(), checkpoint.rootHash(), consistencyProof);
      if (!consistency.isValid()) {
        return new WitnessResponse.Refused(
            WitnessResponse.Reason.INCONSISTENT,
            "not consistent with the cosigned size " + last.size() + ": " + consistency);
      }
    } else if (!consistencyProof.isEmpty()) {
      return new WitnessResponse.Refused(
          WitnessResponse.Reason.INCONSISTENT,
          "this witness has cosigned nothing for " + checkpoint.origin() + ", so the proof must be empty");
    }
    state.recordCosigned(checkpoint.origin(), note.format());
    return new WitnessResponse.Cosigned(Cosignature.sign(cosigner, note.text(), clock.instant()));
  }

  /**
   * The checkpoint of a note this witness stored itself.
   *
   * @throws IllegalStateException if it is not a signed checkpoint: the state was not written by a witness
   */
  public static Checkpoint lastCheckpoint(String note) {
    try {
      return SignedCheckpoint.parse(note).checkpoint();
    } catch (NoteException e) {
      throw new IllegalStateException("the witness state holds a note it did not write: " + e.getMessage(), e);
    }
  }
}
