package org.medtrace.merkle.witness;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.Cosignature;
import org.medtrace.merkle.note.NoteException;
import org.medtrace.merkle.note.NoteSignature;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.merkle.note.WitnessPolicy;

/**
 * {@link CheckpointWitnesses} over HTTP ({@link WitnessProtocol}): asks all witnesses at once, each
 * within {@code timeout}, verifies every cosignature against the witness's configured key, and
 * judges the result with a {@link WitnessPolicy} of those keys and {@code quorum}.
 *
 * <p>A witness that answers 409 (it last cosigned another size than {@code oldSize}, e.g. because it
 * missed checkpoints while down) is asked once more with a proof from its size, when a {@link
 * ConsistencyProofs} source is given; without one, the 409 is reported as its failure.
 */
public final class HttpCheckpointWitnesses implements CheckpointWitnesses {

  /** The log's consistency proofs, for re-asking a witness that is at another size. */
  @FunctionalInterface
  public interface ConsistencyProofs {
    /** The RFC 9162 proof from {@code oldSize} to {@code newSize} in the tree of {@code origin}. */
    List<byte[]> between(String origin, long oldSize, long newSize);
  }

  private final List<WitnessEndpoint> witnesses;
  private final WitnessPolicy policy;
  private final Duration timeout;
  private final HttpClient client;
  private final Optional<ConsistencyProofs> proofs;

  /**
   * @param quorum how many of {@code witnesses} must cosign (k of n)
   * @param timeout how long each witness gets per request
   */
  public HttpCheckpointWitnesses(
      List<WitnessEndpoint> witnesses, int quorum, Duration timeout, Optional<ConsistencyProofs> proofs) {
    this(witnesses, quorum, timeout, proofs, HttpClient.newBuilder().connectTimeout(timeout).build());
  }

  public HttpCheckpointWitnesses(
      List<WitnessEndpoint> witnesses, int quorum, Duration timeout, Optional<ConsistencyProofs> proofs, HttpClient client) {
    this.witnesses = List.copyOf(witnesses);
    this.policy = new WitnessPolicy(quorum, this.witnesses.stream().map(WitnessEndpoint::key).toList());
    this.timeout = timeout;
    this.client = client;
    this.proofs = proofs;
    if (this.witnesses.stream().map(WitnessEndpoint::name).distinct().count() != this.witnesses.size()) {
      throw new IllegalArgumentException("two witnesses have the same name");
    }
  }

  @Override
  public WitnessPolicy policy() {
    return policy;
  }

  @Override
  public CompletionStage<WitnessingResult> cosign(String signedCheckpoint, long oldSize, List<byte[]> consistencyProof) {
    SignedNote note;
    Checkpoint checkpoint;
    try {
      note = WitnessingResult.parse(signedCheckpoint);
      checkpoint = Checkpoint.parse(note.text());
    } catch (IllegalArgumentException | NoteException e) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("not a signed checkpoint: " + e.getMessage(), e));
    }
    List<CompletableFuture<Answer>> answers = new ArrayList<>(witnesses.size());
    for (WitnessEndpoint witness : witnesses) {
      answers.add(ask(witness, note, checkpoint, oldSize, consistencyProof, true));
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .thenApply(
            all -> {
              List<NoteSignature> cosignatures = new ArrayList<>();
              Map<String, String> failures = new LinkedHashMap<>();
              for (CompletableFuture<Answer> future : answers) {
                Answer answer = future.join();
                answer.cosignature().ifPresentOrElse(cosignatures::add, () -> failures.put(answer.witness(), answer.failure()));
              }
              return WitnessingResult.of(policy, signedCheckpoint, cosignatures, failures);
            });
  }

  /** One witness's answer: a verified cosignature, or why there is none. */
  private record Answer(String witness, Optional<NoteSignature> cosignature, String failure) {
    static Answer failed(WitnessEndpoint witness, String failure) {
      return new Answer(witness.name(), Optional.empty(), failure);
    }
  }

  private CompletableFuture<Answer> ask(
      WitnessEndpoint witness, SignedNote note, Checkpoint checkpoint, long oldSize, List<byte[]> proof, boolean mayRetry) {
    HttpRequest request =
        HttpRequest.newBuilder(witness.addCheckpointUrl())
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(WitnessProtocol.requestBody(oldSize, proof, note.format()), StandardCharsets.UTF_8))
            .build();
    return client
        .sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
        .orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .thenCompose(
            response -> {
              if (response.statusCode() == 409 && mayRetry) {
                Optional<Long> witnessSize = WitnessProtocol.witnessSize(response.body());
                if (witnessSize.isPresent() && retryable(witnessSize.get(), checkpoint)) {
                  List<byte[]> fromWitness =
                      witnessSize.get() == 0 || witnessSize.get() == checkpoint.size()
                          ? List.of()
                          : proofs.get().between(checkpoint.origin(), witnessSize.get(), checkpoint.size());
                  return ask(witness, note, checkpoint, witnessSize.get(), fromWitness, false);
                }
              }
              return CompletableFuture.completedFuture(answer(witness, note, response));
            })
        .exceptionally(error -> Answer.failed(witness, describe(error)));
  }

  /** A witness behind the log can catch up; one ahead of it (or at its size without proofs to give) cannot. */
  private boolean retryable(long witnessSize, Checkpoint checkpoint) {
    if (witnessSize > checkpoint.size()) {
      return false;
    }
    return witnessSize == checkpoint.size() || witnessSize == 0 || proofs.isPresent();
  }

  private static Answer answer(WitnessEndpoint witness, SignedNote note, HttpResponse<String> response) {
    if (response.statusCode() != 200) {
      return Answer.failed(witness, "refused with HTTP " + response.statusCode() + ": " + abbreviate(response.body()));
    }
    try {
      // The answer is signature lines; appended to the note, they parse as its signatures.
      SignedNote cosigned = SignedNote.parse(note.format() + response.body());
      Optional<NoteSignature> line = cosigned.signatureOf(witness.key());
      if (line.isEmpty()) {
        return Answer.failed(witness, "answered without a cosignature by its key " + witness.key().name() + "+" + witness.key().keyIdHex());
      }
      Cosignature.verify(witness.key(), note.text(), line.get());
      return new Answer(witness.name(), line, "");
    } catch (NoteException e) {
      return Answer.failed(witness, "answered a cosignature that does not verify: " + e.getMessage());
    }
  }

  private static String describe(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof TimeoutException || cause instanceof java.net.http.HttpTimeoutException) {
      return "did not answer in time";
    }
    return "unreachable: " + cause;
  }

  private static String abbreviate(String body) {
    String oneLine = body.replaceAll("\\s+", " ").strip();
    return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "…";
  }
}
