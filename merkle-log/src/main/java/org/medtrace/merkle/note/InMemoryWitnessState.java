package org.medtrace.merkle.note;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A {@link WitnessState} in memory, for tests and for a witness whose state a caller persists. */
public final class InMemoryWitnessState implements WitnessState {

  private final Map<String, String> lastCosigned = new HashMap<>();
  private final List<ForkEvidence> forks = new ArrayList<>();

  @Override
  public synchronized Optional<String> lastCosigned(String origin) {
    return Optional.ofNullable(lastCosigned.get(origin));
  }

  @Override
  public synchronized void recordCosigned(String origin, String signedCheckpoint) {
    lastCosigned.put(origin, signedCheckpoint);
  }

  @Override
  public synchronized void recordFork(ForkEvidence evidence) {
    forks.add(evidence);
  }

  @Override
  public synchronized List<ForkEvidence> forks() {
    return List.copyOf(forks);
  }
}
