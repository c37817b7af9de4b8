package org.medtrace.globallog;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
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
 * cosignatures they return are stored with it ({@code cosigned_note}).
 *
 * <p>Before signing it MUST check the new tree against the slice's previous checkpoint: that
 * checkpoint verifies with the log's key, the size did not shrink, and the RFC 9162 consistency
 * proof from the previous size to the new one verifies. If any check fails it signs nothing
 * ({@link CheckpointRefusedException}). Two checkpoints of one slice MUST NOT have the same size
 * (the row is written with {@code IF NOT EXISTS}); an unchanged tree gets no new checkpoint.
 */
public final class CheckpointPublisher {

  private static final Logger log = LoggerFactory.getLogger(CheckpointPublisher.class);

  private final LogTables tables;
  private final NoteSigner signer;
  private final CheckpointWitnesses witnesses;
  private final Duration witnessTimeout;
  private final Clock clock;

  public CheckpointPublisher(
      LogTables tables, NoteSigner signer, CheckpointWitnesses witnesses, Duration witnessTimeout, Clock clock) {
    this.tables = tables;
    this.signer = signer;
    this.witnesses = witnesses;
    this.witnessTimeout = witnessTimeout;
    this.clock = clock;
  }

  /**
   * Publishes a checkpoint of {@code tree} (the slice's tree at its integrated size) if it grew
   * since the last one, or if the slice has none yet.
   *
   * @return the signed checkpoint, with the cosignatures collected; empty if nothing new to sign
   * @throws CheckpointRefusedException see the class comment
   */
  public Optional<SignedNote> publish(int slice, MerkleTree tree) {
    long size = tree.size();
    byte[] root = tree.rootHash(size);
    Optional<LogTables.StoredCheckpoint> latest = tables.latestCheckpoint(slice);
    long previousSize = 0;
    List<byte[]> proof = List.of();
    if (latest.isPresent()) {
      SignedNote note;
      Checkpoint previous;
      try {
        note = SignedNote.parse(latest.get().note());
        previous = Checkpoint.verify(note, signer.verifierKey());
      } catch (NoteException e) {
        throw new CheckpointRefusedException(
            "slice " + slice + "'s checkpoint of size " + latest.get().treeSize() + " does not verify with the log key: " + e.getMessage());
      }
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
    Optional<WitnessingResult> witnessing = collect(slice, signed, previousSize, proof);
    if (witnessing.isEmpty() || witnessing.get().cosignatures().isEmpty()) {
      return Optional.of(signed);
    }
    String cosigned = witnessing.get().cosignedCheckpoint();
    tables.recordCosignedNote(slice, size, cosigned);
    try {
      return Optional.of(SignedNote.parse(cosigned));
    } catch (NoteException e) {
      throw new IllegalStateException("the witnesses returned a note that does not parse: " + e.getMessage(), e);
    }
  }

  /**
   * The witnesses' answer, or empty if they gave none within {@code witnessTimeout}. Witnessing
   * never stops the log: the checkpoint is stored (and served unwitnessed) either way.
   */
  private Optional<WitnessingResult> collect(int slice, SignedNote signed, long previousSize, List<byte[]> proof) {
    try {
      WitnessingResult result =
          witnesses.cosign(signed.format(), previousSize, proof).toCompletableFuture().get(witnessTimeout.toMillis(), TimeUnit.MILLISECONDS);
      if (result.witnessed()) {
        log.debug("Slice {}: checkpoint of size {} {}", slice, signed.text().lines().skip(1).findFirst().orElse("?"), result.summary());
      } else if (result.verdict().witnessCount() > 0) {
        log.warn("Slice {}: checkpoint stored {}", slice, result.summary());
      }
      return Optional.of(result);
    } catch (TimeoutException e) {
      log.warn("Slice {}: no answer from the witnesses within {}; the checkpoint is stored without cosignatures", slice, witnessTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("Slice {}: collecting cosignatures failed; the checkpoint is stored without them", slice, e);
    }
    return Optional.empty();
  }
}
