package org.medtrace.merkle;

import java.util.Optional;

/**
 * The verdict of a proof check: valid, or the {@link ProofFailure} and a sentence saying what
 * exactly did not fit.
 */
public record ProofResult(Optional<ProofFailure> failure, String detail) {

  private static final ProofResult VALID = new ProofResult(Optional.empty(), "valid");

  public static ProofResult valid() {
    return VALID;
  }

  public static ProofResult invalid(ProofFailure failure, String detail) {
    return new ProofResult(Optional.of(failure), detail);
  }

  public boolean isValid() {
    return failure.isEmpty();
  }

  @Override
  public String toString() {
    return failure.map(f -> f + ": " + detail).orElse("valid");
  }
}
