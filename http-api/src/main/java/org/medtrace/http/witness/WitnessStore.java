package org.medtrace.http.witness;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where a witness keeps what it MUST NOT forget: per log origin the last signed checkpoint it
 * cosigned, and the forks it saw. A witness that forgets its state can be led to cosign a fork, so
 * {@link #advance} MUST be durable when its stage completes, and is a compare-and-set: of two
 * requests that read the same state, at most one advances it.
 *
 * <p>{@code witness} (the witness's name) is part of every key, so that several witnesses can share
 * one keyspace (the local three-node cluster runs one witness per node on one Cassandra).
 */
public interface WitnessStore {

  /** The last signed checkpoint {@code witness} cosigned for {@code origin}. */
  CompletionStage<Optional<String>> latest(String witness, String origin);

  /**
   * Replaces the latest checkpoint of {@code origin} with {@code next} if it is still {@code
   * expected} (empty: there is none yet).
   *
   * @return whether it was replaced; false when another request advanced it first
   */
  CompletionStage<Boolean> advance(String witness, String origin, Optional<String> expected, String next, long nextSize);

  /**
   * Stores {@code fork} unless evidence with its id is stored already.
   *
   * @return the evidence as stored: {@code fork} if it is new, else the earlier record
   */
  CompletionStage<Recorded> recordFork(String witness, WitnessFork fork);

  /** What {@link #recordFork} did. */
  record Recorded(WitnessFork fork, boolean isNew) {}

  /** The forks {@code witness} recorded, at most {@code limit}, in origin and evidence id order. */
  CompletionStage<List<WitnessFork>> forks(String witness, int limit);
}
