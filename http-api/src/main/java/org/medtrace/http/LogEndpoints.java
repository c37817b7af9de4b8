package org.medtrace.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.device.MedicalDevice;
import org.medtrace.actors.ledger.Role;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.globallog.LogReader;
import org.medtrace.globallog.LogTables;
import org.medtrace.http.auth.Caller;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.NoteException;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.verify.BundleWriter;
import org.medtrace.verify.SigningCertificates;

/**
 * The global verifiable log over HTTP (merkle-log/FORMAT.md): each slice's latest checkpoint (and
 * latest one that the configured witness quorum cosigned, judged here with the log's {@code
 * WitnessPolicy}), consistency proofs between checkpoint sizes, an event's inclusion proof
 * into a checkpoint, and an entity's history as a bundle for {@code medtrace-verify} (under each
 * entity's own path, with its readers). Hashes and
 * proofs are base64, as in checkpoints and bundles. Who may read what: {@link AccessRules}.
 */
final class LogEndpoints {

  static final String BASE = "/api/v1/log";

  /** A checkpoint as the API shows it; {@code checkpoint} is the signed note, to verify with the log key. */
  record CheckpointView(
      int slice, String origin, long treeSize, String rootHash, Optional<Instant> time, int cosignatures, String checkpoint) {}

  /**
   * The latest checkpoint that the log's witness policy accepts: {@code checkpoint} carries the
   * cosignature lines, {@code cosignedBy} names the configured witnesses whose cosignature verified
   * (at least {@code quorum} of {@code witnesses}).
   */
  record WitnessedCheckpointView(
      int slice,
      String origin,
      long treeSize,
      String rootHash,
      Optional<Instant> time,
      int cosignatures,
      String checkpoint,
      int quorum,
      List<String> witnesses,
      List<String> cosignedBy) {}

  record ConsistencyView(int slice, long fromSize, long toSize, List<String> proof) {}

  record InclusionView(
      String entityType,
      String entityId,
      long sequenceNumber,
      int slice,
      long leafIndex,
      String leafHash,
      long treeSize,
      List<String> proof,
      String checkpoint) {}

  private final Optional<LogReader> reader;
  private final SigningCertificates certificates;
  private final Executor blocking;

  /** @param certificates where exports find the certificates of their events' submission signatures, and the CRL */
  LogEndpoints(Optional<LogReader> reader, SigningCertificates certificates, Executor blocking) {
    this.reader = reader;
    this.certificates = certificates;
    this.blocking = blocking;
  }

  List<Endpoint> endpoints() {
    return List.of(
        Endpoint.secured(
            "GET", BASE + "/slices/{slice}/checkpoint", "getLatestCheckpoint", AccessRules.LOG_READERS,
            call -> read(log -> view(log.latestCheckpoint(slice(call))))),
        Endpoint.secured(
            "GET", BASE + "/slices/{slice}/checkpoint/witnessed", "getLatestWitnessedCheckpoint", AccessRules.LOG_READERS,
            call -> read(log -> witnessed(log, slice(call)))),
        Endpoint.secured(
            "GET", BASE + "/slices/{slice}/consistency", "getConsistencyProof", AccessRules.LOG_READERS,
            call -> {
              int slice = slice(call);
              long from = call.longQuery("from", 0).orElseThrow(() -> Problem.invalidField("from", "query parameter 'from' is required"));
              Optional<Long> to = call.longQuery("to", 0);
              return read(
                  log -> {
                    long toSize = to.orElseGet(() -> log.latestCheckpoint(slice).treeSize());
                    return ApiResponse.ok(new ConsistencyView(slice, from, toSize, base64(log.consistencyProof(slice, from, toSize))));
                  });
            }),
        Endpoint.secured(
            "GET", BatchEndpoints.ONE + "/log/events/{sequenceNumber}/inclusion", "getBatchInclusionProof", AccessRules.BATCH_READERS,
            call -> inclusion(DrugBatch.ENTITY_TYPE, BatchEndpoints.batchId(call).entityId(), call)),
        Endpoint.secured(
            "GET", BatchEndpoints.ONE + "/log/export", "exportBatchHistory", AccessRules.BATCH_READERS,
            call -> export(DrugBatch.ENTITY_TYPE, BatchEndpoints.batchId(call).entityId())),
        Endpoint.secured(
            "GET", DeviceEndpoints.ONE + "/log/events/{sequenceNumber}/inclusion", "getDeviceInclusionProof", AccessRules.DEVICE_READERS,
            call -> inclusion(MedicalDevice.ENTITY_TYPE, DeviceEndpoints.deviceId(call.path("deviceId"), "deviceId"), call)),
        Endpoint.secured(
            "GET", DeviceEndpoints.ONE + "/log/export", "exportDeviceHistory", AccessRules.DEVICE_READERS,
            call -> export(MedicalDevice.ENTITY_TYPE, DeviceEndpoints.deviceId(call.path("deviceId"), "deviceId"))),
        Endpoint.secured(
            "GET", PatientEndpoints.BASE + "/log/events/{sequenceNumber}/inclusion", "getPatientInclusionProof",
            AccessRules.PATIENT_PROOF_READERS,
            call -> inclusion(PatientRecord.ENTITY_TYPE, ownPatient(call), call)),
        Endpoint.secured(
            "GET", PatientEndpoints.BASE + "/log/export", "exportPatientHistory", AccessRules.PATIENT_HISTORY_EXPORTERS,
            call -> export(PatientRecord.ENTITY_TYPE, ownPatient(call))));
  }

  /** The latest checkpoint the witness quorum cosigned, or a 503 that says what the latest one has. */
  private static ApiResponse witnessed(LogReader log, int slice) {
    LogReader.Witnessed witnessed;
    try {
      witnessed = log.latestWitnessedCheckpoint(slice);
    } catch (LogReader.NotWitnessedException e) {
      throw new Problem(
          Problem.Type.CHECKPOINT_NOT_WITNESSED,
          e.getMessage(),
          Map.of(
              "quorum", e.latestVerdict().quorum(),
              "witnesses", witnessNames(log),
              "latestTreeSize", e.latest().treeSize(),
              "latestCosignedBy", e.latestVerdict().cosignedBy()));
    }
    LogTables.StoredCheckpoint stored = witnessed.checkpoint();
    CheckpointView view = checkpointView(stored, stored.cosignedNote());
    return ApiResponse.ok(
        new WitnessedCheckpointView(
            view.slice(), view.origin(), view.treeSize(), view.rootHash(), view.time(), view.cosignatures(), view.checkpoint(),
            witnessed.verdict().quorum(), witnessNames(log), witnessed.verdict().cosignedBy()));
  }

  private static List<String> witnessNames(LogReader log) {
    return log.witnessPolicy().witnesses().stream().map(NoteKey::name).toList();
  }

  private CompletionStage<ApiResponse> inclusion(String entityType, String entityId, Call call) {
    long sequenceNumber = sequenceNumber(call);
    OptionalLong treeSize = call.longQuery("treeSize", 1).map(OptionalLong::of).orElse(OptionalLong.empty());
    return read(log -> ApiResponse.ok(view(log.inclusion(entityType, entityId, sequenceNumber, treeSize))));
  }

  private CompletionStage<ApiResponse> export(String entityType, String entityId) {
    return read(
        log -> ApiResponse.raw("application/json", BundleWriter.toJson(log.export(entityType, entityId, certificates)).getBytes(StandardCharsets.UTF_8)));
  }

  /** The patient of the path; a patient reads only their own proofs and history. */
  private static String ownPatient(Call call) {
    String patient = PatientEndpoints.patientId(call);
    Caller caller = call.callerOrFail();
    if (caller.role() == Role.PATIENT && !caller.isPatient(patient)) {
      throw new Problem(Problem.Type.FORBIDDEN, "a patient reads only their own log entries, not those of " + patient);
    }
    return patient;
  }

  private CompletionStage<ApiResponse> read(Function<LogReader, ApiResponse> query) {
    LogReader log =
        reader.orElseThrow(
            () -> new Problem(Problem.Type.NOT_FOUND, "this node has no log key: it publishes no checkpoints to prove against"));
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return query.apply(log);
          } catch (LogReader.NotInLogException e) {
            throw new Problem(Problem.Type.NOT_FOUND, e.getMessage());
          } catch (IllegalArgumentException e) {
            throw new Problem(Problem.Type.INVALID_FIELD, e.getMessage());
          }
        },
        blocking);
  }

  private static ApiResponse view(LogTables.StoredCheckpoint stored) {
    return ApiResponse.ok(checkpointView(stored, stored.note()));
  }

  private static CheckpointView checkpointView(LogTables.StoredCheckpoint stored, String note) {
    try {
      SignedNote signed = SignedNote.parse(note);
      Checkpoint checkpoint = Checkpoint.parse(signed.text());
      return new CheckpointView(
              stored.slice(),
              checkpoint.origin(),
              checkpoint.size(),
              Base64.getEncoder().encodeToString(checkpoint.rootHash()),
              checkpoint.time(),
              signed.signatures().size() - 1,
              note);
    } catch (NoteException e) {
      throw new IllegalStateException("slice " + stored.slice() + " stores a checkpoint that is not a signed note: " + e.getMessage(), e);
    }
  }

  private static InclusionView view(LogReader.Inclusion inclusion) {
    return new InclusionView(
        inclusion.leaf().entityType(),
        inclusion.leaf().entityId(),
        inclusion.leaf().sequenceNumber(),
        inclusion.slice(),
        inclusion.leafIndex(),
        Base64.getEncoder().encodeToString(inclusion.leaf().leafHash()),
        inclusion.checkpoint().treeSize(),
        base64(inclusion.proof()),
        inclusion.checkpoint().note());
  }

  private static List<String> base64(List<byte[]> hashes) {
    return hashes.stream().map(Base64.getEncoder()::encodeToString).toList();
  }

  private static int slice(Call call) {
    String value = call.path("slice");
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw Problem.invalidField("slice", "slice must be a number between 0 and 15, was '" + value + "'");
    }
  }

  private static long sequenceNumber(Call call) {
    String value = call.path("sequenceNumber");
    try {
      long sequenceNumber = Long.parseLong(value);
      if (sequenceNumber >= 1) {
        return sequenceNumber;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw Problem.invalidField("sequenceNumber", "sequenceNumber must be a whole number from 1, was '" + value + "'");
  }
}
