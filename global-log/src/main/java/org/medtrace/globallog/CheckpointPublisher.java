package org.medtrace.globallog;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.medtrace.merkle.LogFormat;
import org.medtrace.merkle.MerkleTree;
import org.medtrace.merkle.ProofResult;
import org.medtrace.merkle.ProofVerifier;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.NoteException;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.merkle.witness.CheckpointWitnesses;
import org.medtrace.merkle.witness.WitnessingResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 3 of the log: checkpoint publishing. Signs a C2SP checkpoint of the slice's integrated tree
 * (merkle-log/FORMAT.md section 4), stores it, and hands it to the log's {@link CheckpointWitnesses}
 * (with the size of the slice's previous checkpoint and the consistency proof from it); the
 * cosignatures they return are stored with it ({@code cosigned_note}) when they arrive.
 *
 * <p>Before signing it MUST check the new tree against the slice's previous checkpoint: that
 * checkpoint verifies with the log's key (or is, to the byte, the one this publisher signed and
 * stored last), the size did not shrink, and the RFC 9162 consistency
 * proof from the previous size to the new one verifies. If any check fails it signs nothing
 * ({@link CheckpointRefusedException}). Two checkpoints of one slice MUST NOT have the same size
 * (the row is written with {@code IF NOT EXISTS}); an unchanged tree gets no new checkpoint.
 *
 * <p>Publishing MUST NOT wait for the witnesses: {@link #publish} returns once the checkpoint is
 * stored, and the witnesses' answer is attached whenever it comes. Per slice at most one checkpoint
 * is with the witnesses at a time (one round, given up after {@code witnessRoundTimeout}); a
 * checkpoint published meanwhile waits for the round to end, and a newer one replaces it. So a
 * witness that hangs delays no checkpoint, a later checkpoint can be witnessed when an earlier one
 * never was (cosigning it covers the earlier history through its consistency proof), and a witness
 * is never asked about two checkpoints of one slice at once.
 */
public final class CheckpointPublisher {

  private static final Logger log = LoggerFactory.getLogger(CheckpointPublisher.class);

  private final LogTables tables;
  private final NoteSigner signer;
  private final CheckpointWitnesses witnesses;
  private final Duration witnessRoundTimeout;
  private final Clock clock;
  private final Executor blocking;
  private final Map<Integer, SliceRounds> rounds = new ConcurrentHashMap<>();
  /** Each slice's checkpoint as this publisher stored it last. */
  private final Map<Integer, Published> lastPublished = new ConcurrentHashMap<>();

  /**
   * @param witnessRoundTimeout how long one slice's witnesses may take to answer for a checkpoint
   *     before the slice's next checkpoint is handed to them
   * @param blocking where the witnesses' answers are stored (blocking Cassandra writes)
   */
  public CheckpointPublisher(
      LogTables tables,
      NoteSigner signer,
      CheckpointWitnesses witnesses,
      Duration witnessRoundTimeout,
      Clock clock,
      Executor blocking) {
    this.tables = tables;
    this.signer = signer;
    this.witnesses = witnesses;
    this.witnessRoundTimeout = witnessRoundTimeout;
    this.clock = clock;
    this.blocking = blocking;
  }

  /**
   * Publishes a checkpoint of {@code tree} (the slice's tree at its integrated size) if it grew
   * since the last one, or if the slice has none yet, and hands it to the witnesses without waiting
   * for them.
   *
   * @return the signed checkpoint, as stored (without cosignatures: they are attached to the stored
   *     row when they arrive); empty if nothing new to sign
   * @throws CheckpointRefusedException see the class comment
   */
  public Optional<SignedNote> publish(int slice, MerkleTree tree) {
    long size = tree.size();
    byte[] root = tree.rootHash(size);
    Optional<LogTables.StoredCheckpoint> latest = tables.latestCheckpoint(slice);
    long previousSize = 0;
    List<byte[]> proof = List.of();
    if (latest.isPresent()) {
      Checkpoint previous = previousCheckpoint(slice, latest.get());
      if (size < previous.size()) {
        throw new CheckpointRefusedException(
            "slice " + slice + " has " + size + " leaves, fewer than its checkpoint of size " + previous.size());
      }
      proof = tree.consistencyProof(previous.size(), size);
      ProofResult consistent = ProofVerifier.verifyConsistency(previous.size(), size, previous.rootHash(), root, proof);
      if (!consistent.isValid()) {
        throw new CheckpointRefusedException(
            "slice " + slice + "'s tree of size " + size + " is not consistent with its checkpoint of size " + previous.size() + ": " + consistent);
      }
      if (size == previous.size()) {
        return Optional.empty();
      }
      previousSize = previous.size();
    }
    Checkpoint checkpoint = Checkpoint.at(LogFormat.sliceOrigin(signer.verifierKey().name(), slice), size, root, clock.instant());
    SignedNote signed = checkpoint.sign(signer);
    if (!tables.insertCheckpoint(slice, size, signed.format(), clock.instant())) {
      throw new ConcurrentWriterException("slice " + slice + " already has a checkpoint of size " + size);
    }
    lastPublished.put(slice, new Published(signed.format(), checkpoint));
    Round round = new Round(slice, size, signed.format(), previousSize, proof);
    rounds.computeIfAbsent(slice, s -> new SliceRounds()).offer(round).ifPresent(this::start);
    return Optional.of(signed);
  }

  /**
   * The slice's stored latest checkpoint, checked with the log key. The note this publisher stored
   * last needs no second check: it is the very text it signed (an Ed25519 check costs about as much
   * as the signature, every interval and slice); any other text, one another writer stored or one
   * changed in the table, is verified.
   */
  private Checkpoint previousCheckpoint(int slice, LogTables.StoredCheckpoint stored) {
    Published published = lastPublished.get(slice);
    if (published != null && published.note().equals(stored.note())) {
      return published.checkpoint();
    }
    try {
      return Checkpoint.verify(SignedNote.parse(stored.note()), signer.verifierKey());
    } catch (NoteException e) {
      throw new CheckpointRefusedException(
          "slice " + slice + "'s checkpoint of size " + stored.treeSize() + " does not verify with the log key: " + e.getMessage());
    }
  }

  /** A checkpoint as this publisher signed and stored it: the note's text and what it says. */
  private record Published(String note, Checkpoint checkpoint) {}

  /** A stored checkpoint to hand to the witnesses, with what they need to check it against the previous one. */
  private record Round(int slice, long size, String signedCheckpoint, long previousSize, List<byte[]> proof) {}

  /** One slice's witnessing: the round with the witnesses, and the newest checkpoint waiting for it to end. */
  private static final class SliceRounds {
    private boolean running;
    private Round waiting;

    /** The round to start now, or empty if one is running (then {@code round} waits, replacing any older one). */
    synchronized Optional<Round> offer(Round round) {
      if (running) {
        waiting = round;
        return Optional.empty();
      }
      running = true;
      return Optional.of(round);
    }

    /** Ends the running round; returns the waiting one to start next, if any. */
    synchronized Optional<Round> finished() {
      Optional<Round> next = Optional.ofNullable(waiting);
      waiting = null;
      running = next.isPresent();
      return next;
    }
  }

  private void start(Round round) {
    CompletableFuture<WitnessingResult> answer;
    try {
      answer = witnesses.cosign(round.signedCheckpoint(), round.previousSize(), round.proof()).toCompletableFuture();
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    // A copy, so that giving up on the round does not complete the witnesses' own future.
    answer
        .copy()
        .orTimeout(witnessRoundTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .handleAsync(
            (result, error) -> {
              attach(round, result, error);
              return null;
            },
            blocking)
        .whenComplete(
            (ignored, error) -> {
              if (error != null) {
                log.warn("Slice {}: the cosignatures of the checkpoint of size {} could not be stored", round.slice(), round.size(), error);
              }
              rounds.get(round.slice()).finished().ifPresent(this::start);
            });
  }

  /**
   * Stores the witnesses' cosignatures with the checkpoint, if there are any. Witnessing never stops
   * the log: without an answer the checkpoint stays stored (and is served unwitnessed).
   */
  private void attach(Round round, WitnessingResult result, Throwable error) {
    if (error != null) {
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      if (cause instanceof TimeoutException) {
        log.warn(
            "Slice {}: no answer from the witnesses within {} for the checkpoint of size {}; it stays without cosignatures",
            round.slice(), witnessRoundTimeout, round.size());
      } else {
        log.warn("Slice {}: collecting cosignatures for the checkpoint of size {} failed; it stays without them", round.slice(), round.size(), cause);
      }
      return;
    }
    if (result.witnessed()) {
      log.debug("Slice {}: checkpoint of size {} {}", round.slice(), round.size(), result.summary());
    } else if (result.verdict().witnessCount() > 0) {
      log.warn("Slice {}: checkpoint of size {} stored {}", round.slice(), round.size(), result.summary());
    }
    if (!result.cosignatures().isEmpty()) {
      tables.recordCosignedNote(round.slice(), round.size(), result.cosignedCheckpoint());
    }
  }
}
