package org.medtrace.merkle.note;

/** A note, checkpoint, cosignature or key was rejected; {@link #problem()} says which rule it broke. */
public final class NoteException extends Exception {

  private static final long serialVersionUID = 1L;

  private final NoteProblem problem;

  public NoteException(NoteProblem problem, String detail) {
    super(detail);
    this.problem = problem;
  }

  public NoteProblem problem() {
    return problem;
  }

  @Override
  public String toString() {
    return problem + ": " + getMessage();
  }
}
