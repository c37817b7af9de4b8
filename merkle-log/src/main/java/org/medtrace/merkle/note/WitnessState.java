package org.medtrace.merkle.note;

import java.util.List;
import java.util.Optional;

/**
 * What a witness remembers: the last checkpoint it cosigned per origin, and the forks it saw. A
 * witness that forgets its state can be led to cosign a fork, so a durable implementation MUST
 * persist {@link #recordCosigned} before the cosignature is handed out.
 */
public interface WitnessState {

  /** The last signed checkpoint (the full note) this witness cosigned for {@code origin}. */
  Optional<String> lastCosigned(String origin);

  void recordCosigned(String origin, String signedCheckpoint);

  void recordFork(ForkEvidence evidence);

  List<ForkEvidence> forks();
}
