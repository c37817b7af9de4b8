package org.medtrace.merkle.witness;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.medtrace.merkle.note.NoteException;
import org.medtrace.merkle.note.NoteSignature;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.merkle.note.WitnessPolicy;

/**
 * What the witnesses did with one checkpoint.
 *
 * @param cosignedCheckpoint the log's signed note with every verified cosignature line appended:
 *     what the log publishes and exports
 * @param cosignatures the verified cosignature lines, in the policy's witness order
 * @param failures witness name to why it did not cosign (down, timed out, refused with its reason, a
 *     cosignature that does not verify)
 * @param verdict the policy's verdict over {@code cosignedCheckpoint}
 */
public record WitnessingResult(
    String cosignedCheckpoint, List<NoteSignature> cosignatures, Map<String, String> failures, WitnessPolicy.Verdict verdict) {

  public WitnessingResult {
    cosignatures = List.copyOf(cosignatures);
    failures = Map.copyOf(failures);
  }

  /** Whether at least the policy's quorum of witnesses cosigned. */
  public boolean witnessed() {
    return verdict.witnessed();
  }

  /** One line for logs and operators, e.g. "witnessed: 2 of 3 cosigned (quorum 2): a, b; c: timed out". */
  public String summary() {
    String head =
        (witnessed() ? "witnessed" : "NOT witnessed")
            + ": "
            + verdict.cosignedBy().size()
            + " of "
            + verdict.witnessCount()
            + " cosigned (quorum "
            + verdict.quorum()
            + ")";
    if (verdict.witnessCount() == 0) {
      head += "; no witnesses are configured";
    }
    if (!verdict.cosignedBy().isEmpty()) {
      head += ": " + String.join(", ", verdict.cosignedBy());
    }
    if (!failures.isEmpty()) {
      head +=
          "; "
              + new TreeMap<>(failures)
                  .entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("; "));
    }
    return head;
  }

  /**
   * The result for {@code signedCheckpoint} with {@code cosignatures} appended, judged by {@code
   * policy}.
   *
   * @throws IllegalArgumentException if {@code signedCheckpoint} is not a signed note
   */
  static WitnessingResult of(
      WitnessPolicy policy, String signedCheckpoint, List<NoteSignature> cosignatures, Map<String, String> failures) {
    SignedNote note = parse(signedCheckpoint);
    for (NoteSignature cosignature : cosignatures) {
      note = note.withSignature(cosignature);
    }
    return new WitnessingResult(note.format(), cosignatures, failures, policy.evaluate(note));
  }

  static SignedNote parse(String signedCheckpoint) {
    try {
      return SignedNote.parse(signedCheckpoint);
    } catch (NoteException e) {
      throw new IllegalArgumentException("not a signed checkpoint note: " + e.getMessage(), e);
    }
  }
}
