package org.medtrace.merkle.note;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * When a checkpoint counts as witnessed: at least {@code quorum} of the named witness keys have
 * cosigned it validly. Cosignatures by other keys are ignored (the spec requires it); a bad
 * cosignature by a named witness is reported and does not count.
 */
public record WitnessPolicy(int quorum, List<NoteKey> witnesses) {

  public WitnessPolicy {
    witnesses = List.copyOf(witnesses);
    if (quorum < 0 || quorum > witnesses.size()) {
      throw new IllegalArgumentException(
          "quorum " + quorum + " is not between 0 and the number of witnesses, " + witnesses.size());
    }
    for (NoteKey witness : witnesses) {
      if (witness.type() != SignatureType.COSIGNATURE_V1) {
        throw new IllegalArgumentException("witness key " + witness.name() + " is not a cosigner key");
      }
    }
  }

  /**
   * @param cosignedBy the names of the witnesses whose cosignature verified, in policy order
   * @param problems one sentence per named witness whose cosignature is present but bad
   */
  public record Verdict(int quorum, int witnessCount, List<String> cosignedBy, List<String> problems) {

    public boolean witnessed() {
      return cosignedBy.size() >= quorum;
    }
  }

  /** Evaluates the cosignatures on a signed checkpoint (the log's own signature is checked elsewhere). */
  public Verdict evaluate(SignedNote checkpointNote) {
    List<String> cosignedBy = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (NoteKey witness : witnesses) {
      try {
        Optional<NoteSignature> line = checkpointNote.signatureOf(witness);
        if (line.isPresent()) {
          Cosignature.verify(witness, checkpointNote.text(), line.get());
          cosignedBy.add(witness.name());
        }
      } catch (NoteException e) {
        problems.add(e.getMessage());
      }
    }
    return new Verdict(quorum, witnesses.size(), List.copyOf(cosignedBy), List.copyOf(problems));
  }
}
