package org.medtrace.globallog;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.medtrace.merkle.LogFormat;
import org.medtrace.merkle.LogLeaf;
import org.medtrace.merkle.MerkleTree;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.NoteException;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.merkle.note.WitnessPolicy;
import org.medtrace.verify.BundleWriter;
import org.medtrace.verify.HistoryBundle;
import org.medtrace.verify.SigningCertificates;

/**
 * The read side of the log: checkpoints, inclusion and consistency proofs, and history exports.
 * Every proof is into a published checkpoint (never a bare root), so that its reader can check the
 * log's signature on what the proof leads to. Blocking calls: run them on a blocking dispatcher.
 */
public final class LogReader {

  /** What the caller asked for is not in the log (or not in a checkpoint yet); the message says which. */
  public static final class NotInLogException extends RuntimeException {
    public NotInLogException(String message) {
      super(message);
    }
  }

  /**
   * The slice has checkpoints, but none of the newest {@link #WITNESSED_SEARCH_DEPTH} is cosigned
   * by the witness quorum (the witnesses are down, slow, refuse, or have not answered yet).
   *
   * @param latest the slice's latest checkpoint, and {@code latestVerdict} the policy's verdict on it
   */
  public static final class NotWitnessedException extends RuntimeException {
    private final transient LogTables.StoredCheckpoint latest;
    private final transient WitnessPolicy.Verdict latestVerdict;

    NotWitnessedException(int searched, LogTables.StoredCheckpoint latest, WitnessPolicy.Verdict latestVerdict) {
      super(
          "slice " + latest.slice() + ": none of its latest " + searched + " checkpoints is cosigned by at least "
              + latestVerdict.quorum() + " of the log's " + latestVerdict.witnessCount() + " witnesses; the latest, of size "
              + latest.treeSize() + ", is cosigned by "
              + (latestVerdict.cosignedBy().isEmpty() ? "none of them" : String.join(", ", latestVerdict.cosignedBy()))
              + (latestVerdict.problems().isEmpty() ? "" : " (bad cosignatures: " + String.join("; ", latestVerdict.problems()) + ")"));
      this.latest = latest;
      this.latestVerdict = latestVerdict;
    }

    public LogTables.StoredCheckpoint latest() {
      return latest;
    }

    public WitnessPolicy.Verdict latestVerdict() {
      return latestVerdict;
    }
  }

  /** A checkpoint the witness policy accepts, with the policy's verdict on it (who cosigned). */
  public record Witnessed(LogTables.StoredCheckpoint checkpoint, WitnessPolicy.Verdict verdict) {}

  /**
   * How many of a slice's newest checkpoints {@link #latestWitnessedCheckpoint} looks through for
   * one that the witnesses' quorum cosigned: at the default interval of 10 s, at least 2¾ hours of
   * a growing slice. It bounds the reads of a request while the witnesses are down; an older
   * witnessed checkpoint is too stale to show as the slice's state anyway.
   */
  public static final int WITNESSED_SEARCH_DEPTH = 1_000;

  /** An inclusion proof of one event's leaf into a checkpoint of its slice. */
  public record Inclusion(LogLeaf leaf, int slice, long leafIndex, LogTables.StoredCheckpoint checkpoint, List<byte[]> proof) {}

  private final LogTables tables;
  private final EntityJournal journal;
  private final NoteKey logKey;
  private final WitnessPolicy witnessPolicy;
  private final Map<String, PublicKey> organisationKeys;

  /**
   * @param witnessPolicy the configured witnesses and their quorum: which checkpoints count as
   *     witnessed, and the witnesses' keys for exports (no witnesses, quorum 0, until they exist)
   * @param organisationKeys the keys that sign events, by key id, for exports
   */
  public LogReader(
      LogTables tables, EntityJournal journal, NoteKey logKey, WitnessPolicy witnessPolicy, Map<String, PublicKey> organisationKeys) {
    this.tables = tables;
    this.journal = journal;
    this.logKey = logKey;
    this.witnessPolicy = witnessPolicy;
    this.organisationKeys = Map.copyOf(organisationKeys);
  }

  public NoteKey logKey() {
    return logKey;
  }

  /** The slice's latest checkpoint, with the cosignatures it has (possibly none). */
  public LogTables.StoredCheckpoint latestCheckpoint(int slice) {
    requireSlice(slice);
    return tables.latestCheckpoint(slice).orElseThrow(() -> new NotInLogException("slice " + slice + " has no checkpoint yet"));
  }

  /** The configured witnesses and how many of them must cosign a checkpoint. */
  public WitnessPolicy witnessPolicy() {
    return witnessPolicy;
  }

  /**
   * The slice's latest checkpoint that the log's {@link WitnessPolicy} accepts: signed by the log
   * key, with valid cosignatures by at least the quorum of the configured witnesses (cosignatures
   * by other keys, or that do not verify, do not count). A checkpoint waiting for its cosignatures
   * is passed over for an older one that has them.
   *
   * @throws NotInLogException if the log has no witnesses (then nothing is witnessed) or the slice
   *     has no checkpoint yet
   * @throws NotWitnessedException if none of the slice's newest {@link #WITNESSED_SEARCH_DEPTH}
   *     checkpoints is accepted
   */
  public Witnessed latestWitnessedCheckpoint(int slice) {
    requireSlice(slice);
    if (witnessPolicy.witnesses().isEmpty()) {
      throw new NotInLogException(
          "this log has no witnesses (medtrace.global-log.witnesses.list is empty), so none of its checkpoints is witnessed;"
              + " GET /api/v1/log/slices/" + slice + "/checkpoint serves the latest signed one");
    }
    LogTables.StoredCheckpoint latest = null;
    WitnessPolicy.Verdict latestVerdict = null;
    int searched = 0;
    Iterator<LogTables.StoredCheckpoint> checkpoints = tables.checkpointsNewestFirst(slice, WITNESSED_SEARCH_DEPTH).iterator();
    while (checkpoints.hasNext()) {
      LogTables.StoredCheckpoint stored = checkpoints.next();
      searched++;
      WitnessPolicy.Verdict verdict = witnessPolicy.evaluate(parse(stored.cosignedNote()));
      if (latest == null) {
        latest = stored;
        latestVerdict = verdict;
      }
      if (verdict.witnessed()) {
        verified(stored.cosignedNote());
        return new Witnessed(stored, verdict);
      }
    }
    if (latest == null) {
      throw new NotInLogException("slice " + slice + " has no checkpoint yet");
    }
    throw new NotWitnessedException(searched, latest, latestVerdict);
  }

  /** The slice's checkpoint of {@code treeSize} leaves. */
  public LogTables.StoredCheckpoint checkpoint(int slice, long treeSize) {
    requireSlice(slice);
    return tables
        .checkpoint(slice, treeSize)
        .orElseThrow(() -> new NotInLogException("slice " + slice + " has no checkpoint of size " + treeSize));
  }

  /** RFC 9162 PROOF(fromSize, D[0:toSize]) of the slice's tree; {@code toSize} at most the latest checkpoint's size. */
  public List<byte[]> consistencyProof(int slice, long fromSize, long toSize) {
    long latest = latestCheckpoint(slice).treeSize();
    if (fromSize < 0 || fromSize > toSize || toSize > latest) {
      throw new IllegalArgumentException(
          "sizes must satisfy 0 <= from <= to <= " + latest + " (the latest checkpoint's size), got " + fromSize + " and " + toSize);
    }
    return tree(slice).consistencyProof(fromSize, toSize);
  }

  /**
   * The inclusion proof of event {@code sequenceNumber} of the entity into its slice's checkpoint
   * of {@code treeSize} leaves, or the latest checkpoint.
   */
  public Inclusion inclusion(String entityType, String entityId, long sequenceNumber, OptionalLong treeSize) {
    LogTables.Position position =
        tables
            .position(entityType, entityId, sequenceNumber)
            .orElseThrow(() -> new NotInLogException(entityType + " " + entityId + " #" + sequenceNumber + " is not in the log (yet)"));
    LogTables.StoredCheckpoint checkpoint =
        treeSize.isPresent() ? checkpoint(position.slice(), treeSize.getAsLong()) : latestCheckpoint(position.slice());
    if (position.leafIndex() >= checkpoint.treeSize()) {
      throw new NotInLogException(
          entityType + " " + entityId + " #" + sequenceNumber + " is leaf " + position.leafIndex() + " of slice " + position.slice()
              + ", not in its checkpoint of size " + checkpoint.treeSize() + " (yet)");
    }
    LogTables.StoredLeaf leaf = tables.leavesFrom(position.slice(), position.leafIndex(), 1).get(0);
    List<byte[]> proof = tree(position.slice()).inclusionProof(position.leafIndex(), checkpoint.treeSize());
    return new Inclusion(leaf.leaf(), position.slice(), position.leafIndex(), checkpoint, proof);
  }

  /**
   * The entity's history as a bundle (merkle-log/FORMAT.md section 6) that {@code medtrace-verify}
   * checks offline: its stored events from #1 up to the last one in its slice's latest checkpoint,
   * each with its inclusion proof into that checkpoint, the checkpoint with its cosignatures, the
   * keys, and from {@code certificates} the certificate of every key id that signed a submission
   * stored in those events, with the network CA's CRL. Events after the checkpoint are left out (the
   * next checkpoint includes them).
   */
  public HistoryBundle export(String entityType, String entityId, SigningCertificates certificates) {
    List<LogTables.Position> positions = tables.positions(entityType, entityId);
    if (positions.isEmpty()) {
      throw new NotInLogException(entityType + " " + entityId + " has no events in the log (yet)");
    }
    int slice = positions.get(0).slice();
    LogTables.StoredCheckpoint checkpoint = latestCheckpoint(slice);
    List<LogTables.Position> included =
        positions.stream().filter(position -> position.leafIndex() < checkpoint.treeSize()).toList();
    if (included.isEmpty()) {
      throw new NotInLogException(entityType + " " + entityId + " has no events in a checkpoint yet");
    }
    List<byte[]> stored = journal.storedEvents(entityType, entityId, 1, included.size());
    if (stored.size() != included.size()) {
      throw new IllegalStateException(
          "the journal of " + entityType + " " + entityId + " has " + stored.size() + " readable events where the log holds " + included.size());
    }
    MerkleTree tree = tree(slice);
    List<BundleWriter.EventProof> events = new ArrayList<>();
    for (int i = 0; i < included.size(); i++) {
      long leafIndex = included.get(i).leafIndex();
      events.add(new BundleWriter.EventProof(stored.get(i), slice, leafIndex, tree.inclusionProof(leafIndex, checkpoint.treeSize())));
    }
    return BundleWriter.assemble(
        entityType, entityId, events, parse(checkpoint.cosignedNote()), logKey, witnessPolicy.witnesses(), organisationKeys, certificates);
  }

  /** The checkpoint text of a stored note, after checking the log's signature on it. */
  public Checkpoint verified(String note) {
    try {
      return Checkpoint.verify(SignedNote.parse(note), logKey);
    } catch (NoteException e) {
      throw new IllegalStateException("a stored checkpoint does not verify with the log key: " + e.getMessage(), e);
    }
  }

  private MerkleTree tree(int slice) {
    return new MerkleTree(CassandraNodeStore.forReader(tables, slice));
  }

  private static SignedNote parse(String note) {
    try {
      return SignedNote.parse(note);
    } catch (NoteException e) {
      throw new IllegalStateException("a stored checkpoint is not a signed note: " + e.getMessage(), e);
    }
  }

  private static void requireSlice(int slice) {
    if (slice < 0 || slice >= LogFormat.SLICE_COUNT) {
      throw new IllegalArgumentException("slice must be between 0 and " + (LogFormat.SLICE_COUNT - 1) + ", was " + slice);
    }
  }
}
