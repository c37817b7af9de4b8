package org.medtrace.http.witness;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.medtrace.actors.witness.LogWitness;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.ForkEvidence;
import org.medtrace.merkle.note.NoteException;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.NoteProblem;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignedCheckpoint;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.merkle.note.Witness;
import org.medtrace.merkle.note.WitnessResponse;
import org.medtrace.merkle.note.WitnessResponse.Reason;
import org.medtrace.merkle.note.WitnessState;

/**
 * A witness run by one organisation for other organisations' logs (C2SP tlog-witness,
 * add-checkpoint; see {@link org.medtrace.merkle.witness.WitnessProtocol}). The cosigning rules
 * are {@link Witness}'s; this class adds what a service needs around them:
 *
 * <ul>
 *   <li>The caller states the old size it proves from; it MUST be the size this witness last
 *       cosigned for the origin (0 if none), otherwise the answer is {@link Outcome.SizeMismatch}
 *       with the witness's size, and nothing changes.
 *   <li>The state is in a {@link WitnessStore}. A cosignature is returned only after the store has
 *       durably advanced to the cosigned checkpoint, by compare-and-set against the state the
 *       decision was made on: of two concurrent requests, one advances and the other gets a size
 *       mismatch. A failed or timed-out store write fails the stage, and no cosignature leaves.
 *   <li>A fork — a second root for the cosigned size, or a correctly signed larger checkpoint
 *       whose proof does not verify — is stored as {@link WitnessFork} evidence (both signed notes)
 *       and raised through the {@link ForkAlarm} (log and metric), once per distinct pair. Then,
 *       every time, also when the evidence was stored before, it is recorded as an alert through
 *       {@link ForkAlerts} (one alert per evidence id), and only then is the refusal returned. If
 *       that recording fails, the request fails (the API answers 503 with {@code Retry-After}):
 *       the log's retry shows the fork again and records the alert then, and so does the periodic
 *       {@link #alertStoredForks} if no log shows it again: at least once. The
 *       witness's state is left as it was: it keeps following the history it cosigned.
 *   <li>A refusal changes nothing else.
 * </ul>
 */
public final class WitnessService {

  /** What came of one add-checkpoint request. */
  public sealed interface Outcome {

    /** Cosigned; {@code cosignatureLines} are the note signature lines to append to the checkpoint. */
    record Cosigned(String origin, long size, String cosignatureLines) implements Outcome {}

    /** {@code oldSize} is not what this witness last cosigned for the origin. */
    record SizeMismatch(long witnessSize, String detail) implements Outcome {}

    /** Refused (malformed, unknown log, bad signature, inconsistent without evidence); nothing stored. */
    record Refused(Reason reason, String detail) implements Outcome {}

    /** Refused, and the evidence of a fork was stored (now or by an earlier request), alarmed and alerted. */
    record ForkRecorded(WitnessFork fork, String detail) implements Outcome {}
  }

  /**
   * The most stored forks one {@link #alertStoredForks} goes through. Each is a log caught
   * misbehaving, so a witness that stores more than this has bigger problems than a late alert.
   */
  public static final int MAX_FORKS_PER_SWEEP = 10_000;

  private final String name;
  private final NoteSigner cosigner;
  private final Map<String, NoteKey> trustedLogs;
  private final WitnessStore store;
  private final ForkAlarm alarm;
  private final ForkAlerts alerts;
  private final Clock clock;
  private final Duration storeTimeout;

  public WitnessService(
      NoteSigner cosigner,
      Map<String, NoteKey> trustedLogs,
      WitnessStore store,
      ForkAlarm alarm,
      ForkAlerts alerts,
      Clock clock,
      Duration storeTimeout) {
    // Built once here so that a wrong key type fails at start-up, not on the first request.
    new Witness(cosigner, trustedLogs, new Snapshot(Optional.empty()), clock);
    this.name = cosigner.verifierKey().name();
    this.cosigner = cosigner;
    this.trustedLogs = Map.copyOf(trustedLogs);
    this.store = store;
    this.alarm = alarm;
    this.alerts = alerts;
    this.clock = clock;
    this.storeTimeout = storeTimeout;
  }

  /** The witness's name (its key's name). */
  public String name() {
    return name;
  }

  /** The cosigner key, for the logs' configuration. */
  public NoteKey verifierKey() {
    return cosigner.verifierKey();
  }

  /** The origins this witness follows. */
  public List<String> trustedOrigins() {
    return trustedLogs.keySet().stream().sorted().toList();
  }

  /** Stored fork evidence, at most {@code limit}. */
  public CompletionStage<List<WitnessFork>> forks(int limit) {
    return bounded(store.forks(name, limit));
  }

  /**
   * Considers {@code signedCheckpoint}, proven consistent from {@code oldSize} by {@code
   * consistencyProof}; see the class comment.
   */
  public CompletionStage<Outcome> addCheckpoint(long oldSize, List<byte[]> consistencyProof, String signedCheckpoint) {
    SignedCheckpoint parsed;
    try {
      parsed = SignedCheckpoint.parse(signedCheckpoint);
    } catch (NoteException e) {
      return done(new Outcome.Refused(Reason.MALFORMED, e.getMessage()));
    }
    SignedNote note = parsed.note();
    Checkpoint checkpoint = parsed.checkpoint();
    // The log's signature first: nobody learns this witness's state without a checkpoint of a log it follows.
    NoteKey logKey = trustedLogs.get(checkpoint.origin());
    if (logKey == null) {
      return done(new Outcome.Refused(Reason.UNKNOWN_LOG, "this witness does not follow the log " + checkpoint.origin()));
    }
    try {
      note.verify(logKey);
    } catch (NoteException e) {
      return done(
          new Outcome.Refused(e.problem() == NoteProblem.BAD_SIGNATURE ? Reason.BAD_LOG_SIGNATURE : Reason.UNKNOWN_LOG, e.getMessage()));
    }
    if (oldSize < 0 || oldSize > checkpoint.size()) {
      return done(
          new Outcome.Refused(
              Reason.MALFORMED, "oldSize " + oldSize + " is not between 0 and the checkpoint's size " + checkpoint.size()));
    }
    String origin = checkpoint.origin();
    return bounded(store.latest(name, origin))
        .thenCompose(
            latest -> {
              long witnessSize = latest.map(WitnessService::sizeOf).orElse(0L);
              if (oldSize != witnessSize) {
                return done(mismatch(origin, oldSize, witnessSize));
              }
              Snapshot snapshot = new Snapshot(latest);
              WitnessResponse response = new Witness(cosigner, trustedLogs, snapshot, clock).submit(signedCheckpoint, consistencyProof);
              if (response instanceof WitnessResponse.Cosigned cosigned) {
                return bounded(store.advance(name, origin, latest, snapshot.recorded.orElseThrow(), checkpoint.size()))
                    .thenCompose(
                        advanced ->
                            advanced
                                ? done(new Outcome.Cosigned(origin, checkpoint.size(), cosigned.cosignature().line() + "\n"))
                                : bounded(store.latest(name, origin))
                                    .thenApply(now -> mismatch(origin, oldSize, now.map(WitnessService::sizeOf).orElse(0L))));
              }
              if (response instanceof WitnessResponse.ForkDetected fork) {
                return recordFork(
                    fork.evidence(),
                    WitnessFork.Kind.SAME_SIZE_DIFFERENT_ROOT,
                    List.of(),
                    "the log signed two different roots for size " + checkpoint.size() + " of " + origin);
              }
              WitnessResponse.Refused refused = (WitnessResponse.Refused) response;
              if (refused.reason() == Reason.INCONSISTENT && latest.isPresent()) {
                return recordFork(
                    new ForkEvidence(origin, witnessSize, latest.get(), signedCheckpoint),
                    WitnessFork.Kind.INCONSISTENT_PROOF,
                    consistencyProof,
                    refused.detail());
              }
              return done(new Outcome.Refused(refused.reason(), refused.detail()));
            });
  }

  private CompletionStage<Outcome> recordFork(ForkEvidence evidence, WitnessFork.Kind kind, List<byte[]> proof, String detail) {
    WitnessFork fork =
        new WitnessFork(
            LogWitness.evidenceId(evidence.firstNote(), evidence.secondNote()),
            evidence.origin(),
            kind,
            evidence.size(),
            evidence.firstNote(),
            evidence.secondNote(),
            proof,
            clock.instant());
    return bounded(store.recordFork(name, fork))
        .thenCompose(
            recorded -> {
              if (recorded.isNew()) {
                alarm.raise(name, recorded.fork());
              }
              // Every time, not only for new evidence: an earlier request may have stored the
              // evidence and then failed to record the alert.
              return bounded(alerts.record(name, recorded.fork()))
                  .thenApply(alerted -> new Outcome.ForkRecorded(recorded.fork(), detail));
            });
  }

  /**
   * Records the alert of every piece of fork evidence this witness stored (at most {@link
   * #MAX_FORKS_PER_SWEEP}), one after the other. It completes when all are recorded (most were
   * before: the ledger keeps one alert per evidence id) and fails on the first that cannot be. It
   * is what makes the alert of evidence whose recording failed appear when no log shows the fork
   * again; the node runs it every {@code medtrace.witness.alert-sweep-interval}.
   *
   * @return how many pieces of evidence it went through
   */
  public CompletionStage<Integer> alertStoredForks() {
    return forks(MAX_FORKS_PER_SWEEP)
        .thenCompose(
            forks -> {
              CompletionStage<Void> recorded = done(null);
              for (WitnessFork fork : forks) {
                recorded = recorded.thenCompose(previous -> bounded(alerts.record(name, fork)));
              }
              return recorded.thenApply(all -> forks.size());
            });
  }

  private static Outcome mismatch(String origin, long oldSize, long witnessSize) {
    return new Outcome.SizeMismatch(
        witnessSize,
        "oldSize " + oldSize + " is not the size this witness last cosigned for " + origin + " (" + witnessSize
            + "); send a consistency proof from " + witnessSize);
  }

  private static long sizeOf(String storedNote) {
    return Witness.lastCheckpoint(storedNote).size();
  }

  private <T> CompletionStage<T> bounded(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(storeTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }

  /**
   * The state one request decides on: what the store held when it was read, and what {@link
   * Witness} would record. The store is advanced from it by compare-and-set afterwards.
   */
  private static final class Snapshot implements WitnessState {
    private final Optional<String> latest;
    private Optional<String> recorded = Optional.empty();

    Snapshot(Optional<String> latest) {
      this.latest = latest;
    }

    @Override
    public Optional<String> lastCosigned(String origin) {
      return latest;
    }

    @Override
    public void recordCosigned(String origin, String signedCheckpoint) {
      recorded = Optional.of(signedCheckpoint);
    }

    @Override
    public void recordFork(ForkEvidence evidence) {
      // The service stores the evidence itself (recordFork above), with the proof and its kind.
    }

    @Override
    public List<ForkEvidence> forks() {
      return List.of();
    }
  }
}
