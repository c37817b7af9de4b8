package org.medtrace.verify;

import java.util.List;

/**
 * The outcome of verifying a bundle.
 *
 * @param summary one line saying what was verified (printed when nothing failed)
 * @param failures one line per failed check, naming the event, proof or signature and why; empty
 *     when the bundle verified
 * @param warnings what the verdict rests on that the user did not supply (keys taken from the
 *     bundle)
 */
public record VerificationReport(String summary, List<String> failures, List<String> warnings) {

  public VerificationReport {
    failures = List.copyOf(failures);
    warnings = List.copyOf(warnings);
  }

  public boolean verified() {
    return failures.isEmpty();
  }
}
