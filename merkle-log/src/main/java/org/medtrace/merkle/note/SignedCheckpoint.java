package org.medtrace.merkle.note;

/** A signed note together with the checkpoint its text holds (signatures not yet verified). */
public record SignedCheckpoint(SignedNote note, Checkpoint checkpoint) {

  /** Parses a signed checkpoint note strictly (see {@link SignedNote#parse} and {@link Checkpoint#parse}). */
  public static SignedCheckpoint parse(String signedCheckpoint) throws NoteException {
    SignedNote note = SignedNote.parse(signedCheckpoint);
    return new SignedCheckpoint(note, Checkpoint.parse(note.text()));
  }
}
