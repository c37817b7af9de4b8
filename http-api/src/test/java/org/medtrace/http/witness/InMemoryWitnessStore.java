package org.medtrace.http.witness;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A {@link WitnessStore} in memory with the same compare-and-set rules, for the service's unit tests. */
final class InMemoryWitnessStore implements WitnessStore {

  private final Map<String, String> latest = new HashMap<>();
  private final Map<String, WitnessFork> forks = new LinkedHashMap<>();
  /** Runs before every advance: a test's chance to let "another request" win the race. */
  Runnable beforeAdvance = () -> {};
  boolean failWrites = false;

  @Override
  public synchronized CompletionStage<Optional<String>> latest(String witness, String origin) {
    return CompletableFuture.completedFuture(Optional.ofNullable(latest.get(witness + "|" + origin)));
  }

  @Override
  public CompletionStage<Boolean> advance(String witness, String origin, Optional<String> expected, String next, long nextSize) {
    beforeAdvance.run();
    synchronized (this) {
      if (failWrites) {
        return CompletableFuture.failedFuture(new IllegalStateException("the store is down"));
      }
      String key = witness + "|" + origin;
      if (!Optional.ofNullable(latest.get(key)).equals(expected)) {
        return CompletableFuture.completedFuture(false);
      }
      latest.put(key, next);
      return CompletableFuture.completedFuture(true);
    }
  }

  /** Sets the state directly, as another node's request would. */
  synchronized void put(String witness, String origin, String note) {
    latest.put(witness + "|" + origin, note);
  }

  @Override
  public synchronized CompletionStage<Recorded> recordFork(String witness, WitnessFork fork) {
    WitnessFork earlier = forks.putIfAbsent(witness + "|" + fork.evidenceId(), fork);
    return CompletableFuture.completedFuture(earlier == null ? new Recorded(fork, true) : new Recorded(earlier, false));
  }

  @Override
  public synchronized CompletionStage<List<WitnessFork>> forks(String witness, int limit) {
    List<WitnessFork> out = new ArrayList<>();
    forks.forEach((key, fork) -> {
      if (key.startsWith(witness + "|") && out.size() < limit) {
        out.add(fork);
      }
    });
    return CompletableFuture.completedFuture(out);
  }
}
