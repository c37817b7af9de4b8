package org.medtrace.globallog;

import java.util.List;
import org.medtrace.merkle.MerkleTree;

/**
 * Step 2 of the log: Merkle integration. Adds the leaves the sequencer stored to the slice's tree
 * ({@link CassandraNodeStore}), in index order. The tree MUST NOT run ahead of the sequenced leaves,
 * and it never needs to: integration reads the leaf rows, so a crash at any point is repaired by
 * integrating again from the recorded integrated size. The tree's nodes are written a page of
 * leaves at a time ({@link CassandraNodeStore#flush}); when {@link #integrateUpTo} returns, what it
 * integrated is durable.
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

  /** Integrates every leaf below {@code sequencedSize}; returns the tree's new size. */
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
