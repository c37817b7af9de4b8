package org.medtrace.http.witness;

import static org.medtrace.http.Call.required;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.medtrace.actors.ledger.Role;
import org.medtrace.http.ApiResponse;
import org.medtrace.http.Call;
import org.medtrace.http.Endpoint;
import org.medtrace.http.Problem;
import org.medtrace.merkle.witness.WitnessProtocol;

/**
 * The witness's endpoints. {@code add-checkpoint} and the witness's description are public, as in
 * C2SP tlog-witness: what authenticates a request is the log's signature on the checkpoint, and
 * only checkpoints of followed logs change anything. The fork evidence is for the alert readers.
 */
public final class WitnessEndpoints {

  public static final String BASE = "/api/v1/witness";

  /** The add-checkpoint body ({@link WitnessProtocol#requestBody}). */
  record AddCheckpointRequest(Long oldSize, List<String> consistencyProof, String checkpoint) {}

  /** What a log operator needs to list this witness: its name and cosigner key (vkey), the logs it follows. */
  record WitnessView(String name, String key, boolean developmentSelfWitness, List<String> followedOrigins) {}

  record ForkView(
      String evidenceId, String origin, String kind, long size, String firstNote, String secondNote, List<String> consistencyProof, Instant recordedAt) {}

  record ForksPage(String witness, List<ForkView> forks) {}

  private static final int HASH_BYTES = 32;

  private final Optional<WitnessService> service;
  private final boolean selfWitness;
  private final Set<Role> evidenceReaders;
  private final int maxPageSize;

  /**
   * @param service empty when this node runs no witness: the endpoints then answer 404
   * @param evidenceReaders who may read fork evidence (the alert readers)
   */
  public WitnessEndpoints(Optional<WitnessService> service, boolean selfWitness, Set<Role> evidenceReaders, int maxPageSize) {
    this.service = service;
    this.selfWitness = selfWitness;
    this.evidenceReaders = Set.copyOf(evidenceReaders);
    this.maxPageSize = maxPageSize;
  }

  public List<Endpoint> endpoints() {
    return List.of(
        Endpoint.open("POST", WitnessProtocol.ADD_CHECKPOINT_PATH, "addCheckpoint", this::addCheckpoint),
        Endpoint.open("GET", BASE, "getWitness", this::describe),
        Endpoint.secured("GET", BASE + "/forks", "listWitnessForks", evidenceReaders, this::forks));
  }

  private CompletionStage<ApiResponse> describe(Call call) {
    WitnessService witness = witness();
    return CompletableFuture.completedFuture(
        ApiResponse.ok(new WitnessView(witness.name(), witness.verifierKey().vkey(), selfWitness, witness.trustedOrigins())));
  }

  private CompletionStage<ApiResponse> forks(Call call) {
    WitnessService witness = witness();
    return witness
        .forks(call.intQuery("limit", Math.min(100, maxPageSize), 1, maxPageSize))
        .thenApply(forks -> ApiResponse.ok(new ForksPage(witness.name(), forks.stream().map(WitnessEndpoints::view).toList())));
  }

  private CompletionStage<ApiResponse> addCheckpoint(Call call) {
    WitnessService witness = witness();
    AddCheckpointRequest request = call.body(AddCheckpointRequest.class);
    long oldSize = required("oldSize", request.oldSize());
    String checkpoint = required("checkpoint", request.checkpoint());
    List<byte[]> proof = proofHashes(Optional.ofNullable(request.consistencyProof()).orElse(List.of()));
    return witness.addCheckpoint(oldSize, proof, checkpoint).thenApply(WitnessEndpoints::response);
  }

  private static ApiResponse response(WitnessService.Outcome outcome) {
    if (outcome instanceof WitnessService.Outcome.Cosigned cosigned) {
      return ApiResponse.raw("text/plain; charset=UTF-8", cosigned.cosignatureLines().getBytes(StandardCharsets.UTF_8));
    }
    if (outcome instanceof WitnessService.Outcome.SizeMismatch mismatch) {
      throw new Problem(
          Problem.Type.WITNESS_SIZE_MISMATCH, mismatch.detail(), Map.<String, Object>of(WitnessProtocol.WITNESS_SIZE_MEMBER, mismatch.witnessSize()));
    }
    if (outcome instanceof WitnessService.Outcome.ForkRecorded recorded) {
      WitnessFork fork = recorded.fork();
      Map<String, Object> evidence = new LinkedHashMap<>();
      evidence.put("reason", fork.kind().name());
      evidence.put("evidenceId", fork.evidenceId());
      evidence.put("evidenceRecordedAt", fork.recordedAt().toString());
      throw new Problem(
          fork.kind() == WitnessFork.Kind.SAME_SIZE_DIFFERENT_ROOT ? Problem.Type.LOG_FORK_DETECTED : Problem.Type.CHECKPOINT_INCONSISTENT,
          recorded.detail() + "; evidence " + fork.evidenceId() + " recorded and alerted",
          evidence);
    }
    WitnessService.Outcome.Refused refused = (WitnessService.Outcome.Refused) outcome;
    Problem.Type type =
        switch (refused.reason()) {
          case MALFORMED -> Problem.Type.MALFORMED_REQUEST;
          case UNKNOWN_LOG, BAD_LOG_SIGNATURE -> Problem.Type.CHECKPOINT_NOT_TRUSTED;
          case OLDER_THAN_LAST, INCONSISTENT -> Problem.Type.CHECKPOINT_INCONSISTENT;
        };
    throw new Problem(type, refused.detail(), Map.<String, Object>of("reason", refused.reason().name()));
  }

  private static List<byte[]> proofHashes(List<String> encoded) {
    if (encoded.size() > WitnessProtocol.MAX_PROOF_HASHES) {
      throw Problem.invalidField(
          "consistencyProof", "a consistency proof has at most " + WitnessProtocol.MAX_PROOF_HASHES + " hashes, not " + encoded.size());
    }
    List<byte[]> hashes = new ArrayList<>(encoded.size());
    for (int i = 0; i < encoded.size(); i++) {
      byte[] hash;
      try {
        hash = Base64.getDecoder().decode(required("consistencyProof[" + i + "]", encoded.get(i)));
      } catch (IllegalArgumentException e) {
        throw Problem.invalidField("consistencyProof", "consistencyProof[" + i + "] is not base64: " + e.getMessage());
      }
      if (hash.length != HASH_BYTES) {
        throw Problem.invalidField("consistencyProof", "consistencyProof[" + i + "] is " + hash.length + " bytes, not a SHA-256 hash");
      }
      hashes.add(hash);
    }
    return hashes;
  }

  private WitnessService witness() {
    return service.orElseThrow(
        () -> new Problem(Problem.Type.NOT_FOUND, "this node runs no witness (medtrace.witness.enabled is off)"));
  }

  private static ForkView view(WitnessFork fork) {
    return new ForkView(
        fork.evidenceId(),
        fork.origin(),
        fork.kind().name(),
        fork.size(),
        fork.firstNote(),
        fork.secondNote(),
        fork.consistencyProof().stream().map(Base64.getEncoder()::encodeToString).toList(),
        fork.recordedAt());
  }
}
