package org.medtrace.globallog;

import java.util.List;
import org.medtrace.merkle.LogLeaf;
import org.medtrace.merkle.MerkleTree;

/**
 * Step 2 of the log: Merkle integration. Adds the leaves the sequencer stored to the slice's tree
 * ({@link CassandraNodeStore}), in index order. The tree MUST NOT run ahead of the sequenced leaves,
 * and it never needs to: it integrates the leaf rows (as the sequencer claimed them, or read back),
 * so a crash at any point is repaired by integrating again from the recorded integrated size. The
 * tree's nodes are written a page of leaves at a time ({@link CassandraNodeStore#flush}); when
 * {@link #integrateUpTo} returns, what it integrated is durable.
 *
 * <p>Not thread-safe: one caller at a time (the slice writer's stream). Readers use their own
 * {@link CassandraNodeStore#forReader} view.
 */
public final class SliceIntegrator {

  /** Leaves read per query. */
  private static final int PAGE = 1000;

  private final int slice;
  private final LogTables tables;
  private final CassandraNodeStore store;
  private final MerkleTree tree;

  public SliceIntegrator(int slice, LogTables tables) {
    this.slice = slice;
    this.tables = tables;
    this.store = CassandraNodeStore.forWriter(tables, slice, tables.progress(slice).integratedSize());
    this.tree = new MerkleTree(store);
  }

  /** The slice's tree as integrated so far. */
  public MerkleTree tree() {
    return tree;
  }

  /**
   * Integrates every leaf below {@code sequencedSize}, where {@code lastSequenced} are the leaves
   * just below it as the sequencer claimed them ({@link SliceSequencer#takeAppended}): when the
   * tree reaches up to them they are added as they are, without reading their rows back; otherwise
   * (a tree behind after a restart) the rows are read. Returns the tree's new size.
   */
  public long integrateUpTo(long sequencedSize, List<LogLeaf> lastSequenced) {
    if (!lastSequenced.isEmpty() && tree.size() == sequencedSize - lastSequenced.size()) {
      for (LogLeaf leaf : lastSequenced) {
        tree.appendLeafHash(leaf.leafHash());
      }
      store.flush();
      return tree.size();
    }
    return integrateUpTo(sequencedSize);
  }

  /** Integrates every leaf below {@code sequencedSize}, read from the leaf rows; returns the tree's new size. */
  public long integrateUpTo(long sequencedSize) {
    while (tree.size() < sequencedSize) {
      List<LogTables.StoredLeaf> leaves =
          tables.leavesFrom(slice, tree.size(), (int) Math.min(PAGE, sequencedSize - tree.size()));
      if (leaves.isEmpty()) {
        throw new IllegalStateException(
            "slice " + slice + " has no leaf row at index " + tree.size() + " below its sequenced size " + sequencedSize);
      }
      for (LogTables.StoredLeaf leaf : leaves) {
        tree.appendLeafHash(leaf.leaf().leafHash());
      }
      // A page's nodes in one round of writes, then its size (the store defers them until here).
      store.flush();
    }
    return tree.size();
  }
}
