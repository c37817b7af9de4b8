package org.medtrace.merkle;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.medtrace.merkle.note.Checkpoint;

/**
 * The medtrace log: {@link LogFormat#SLICE_COUNT} independent trees, each leaf in the slice of its
 * entity. This is the piece a node wires up: it appends each committed event's {@link LogLeaf} and
 * periodically takes a {@link #checkpoint} of each slice to sign and send to witnesses.
 *
 * <p>Appends to one slice are serialised here; different slices append independently. For the log
 * to stay verifiable the caller MUST append each event once: after a crash, compare what the slice
 * holds with the journal before appending again (a reconciler), since a returned position means the
 * leaf is stored.
 */
public final class SlicedLog {

  /** Where a leaf went. */
  public record Position(int slice, long leafIndex) {}

  private final String logName;
  private final List<MerkleTree> slices = new ArrayList<>();

  /**
   * @param logName the log's name, also its key name; origins are {@code <logName>/slice-<n>}
   * @param storeForSlice the node store of each slice (in memory, or a database table per slice)
   */
  public SlicedLog(String logName, IntFunction<NodeStore> storeForSlice) {
    this.logName = logName;
    for (int slice = 0; slice < LogFormat.SLICE_COUNT; slice++) {
      slices.add(new MerkleTree(storeForSlice.apply(slice)));
    }
  }

  public static SlicedLog inMemory(String logName) {
    return new SlicedLog(logName, slice -> new InMemoryNodeStore());
  }

  public String logName() {
    return logName;
  }

  /** Appends a leaf to its entity's slice. */
  public Position append(LogLeaf leaf) {
    int slice = leaf.slice();
    MerkleTree tree = slices.get(slice);
    synchronized (tree) {
      return new Position(slice, tree.appendLeafHash(leaf.leafHash()));
    }
  }

  /** The tree of one slice, for roots and proofs. */
  public MerkleTree slice(int slice) {
    if (slice < 0 || slice >= LogFormat.SLICE_COUNT) {
      throw new IllegalArgumentException("slice " + slice + " is not between 0 and " + (LogFormat.SLICE_COUNT - 1));
    }
    return slices.get(slice);
  }

  /** The unsigned checkpoint of a slice at its current size, stamped with {@code time}. */
  public Checkpoint checkpoint(int slice, Instant time) {
    MerkleTree tree = slice(slice);
    synchronized (tree) {
      long size = tree.size();
      return Checkpoint.at(LogFormat.sliceOrigin(logName, slice), size, tree.rootHash(size), time);
    }
  }
}
