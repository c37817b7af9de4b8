package org.medtrace.globallog;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.medtrace.merkle.NodeStore;

/**
 * The Merkle tree of one slice in Cassandra ({@code log_nodes}, size in {@code log_slices.integrated_size}).
 *
 * <p>The writer's instance defers its writes: {@link #append} keeps the completed nodes in memory
 * (where {@link #node} finds them), and {@link #flush} writes every node appended since the last
 * flush, all at once, then the new size. So integrating a page of leaves costs one round of node
 * writes and one size write instead of both per leaf. A reader that sees a size finds every node
 * it needs, since the size is written only after its nodes. A crash (or a failed write) before
 * the size is written leaves nodes beyond the recorded size, which the next integration rewrites
 * with the same hashes (they depend only on the leaves); until {@link #flush} returns, nothing
 * appended since the previous flush counts as integrated. Here the writer's store departs from
 * {@link NodeStore}'s "durable when append returns": its one user, {@link SliceIntegrator},
 * flushes before it returns, and nothing else holds the writer's tree in between. After a failed
 * flush the instance refuses further use (its memory is ahead of the table); the writer recovers
 * a new one from the tables.
 *
 * <p>The writer's instance keeps the most recently used nodes in memory: appending needs the left
 * siblings on the tree's right edge, which it wrote shortly before. A reader's instance is fixed at
 * the size it was opened with.
 */
public final class CassandraNodeStore implements NodeStore {

  /** Nodes cached per writer: far more than the right edge of any tree (about 64 nodes). */
  static final int CACHED_NODES = 4096;

  private final LogTables tables;
  private final int slice;
  private final boolean writable;
  private long size;
  /**
   * Nodes appended since the last flush (a page of leaves: about twice as many nodes), by cache
   * key: {@link #node} finds them here whatever the cache has evicted, since the table has none of
   * them yet.
   */
  private final Map<Long, Node> pending = new LinkedHashMap<>();
  private boolean failed;
  private final Map<Long, byte[]> cache =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
          return size() > CACHED_NODES;
        }
      };

  private CassandraNodeStore(LogTables tables, int slice, long size, boolean writable) {
    this.tables = tables;
    this.slice = slice;
    this.size = size;
    this.writable = writable;
  }

  /** The store of the slice's one writer, at its integrated size. */
  static CassandraNodeStore forWriter(LogTables tables, int slice, long integratedSize) {
    return new CassandraNodeStore(tables, slice, integratedSize, true);
  }

  /** A read-only view of the slice's tree at its integrated size now. */
  public static CassandraNodeStore forReader(LogTables tables, int slice) {
    return new CassandraNodeStore(tables, slice, tables.progress(slice).integratedSize(), false);
  }

  @Override
  public synchronized long size() {
    return size;
  }

  @Override
  public synchronized byte[] node(int level, long index) {
    checkUsable();
    long key = key(level, index);
    Node unflushed = pending.get(key);
    if (unflushed != null) {
      return unflushed.hash().clone();
    }
    byte[] cached = cache.get(key);
    if (cached != null) {
      return cached.clone();
    }
    byte[] hash =
        tables
            .node(slice, level, index)
            .orElseThrow(
                () -> new IllegalStateException("slice " + slice + " has no tree node at level " + level + ", index " + index));
    cache.put(key, hash);
    return hash.clone();
  }

  /** Keeps the leaf's nodes for the next {@link #flush}; see the class comment. */
  @Override
  public synchronized void append(long leafIndex, List<Node> completedNodes) {
    if (!writable) {
      throw new IllegalStateException("a reader's view of slice " + slice + " is read-only");
    }
    checkUsable();
    if (leafIndex != size) {
      throw new IllegalArgumentException("leaf " + leafIndex + " appended to slice " + slice + " of size " + size);
    }
    for (Node node : completedNodes) {
      pending.put(key(node.level(), node.index()), new Node(node.level(), node.index(), node.hash().clone()));
    }
    size = leafIndex + 1;
  }

  /**
   * Writes the nodes appended since the last flush, then the integrated size: when it returns, the
   * tree of {@link #size()} leaves is durable and readers see it.
   */
  synchronized void flush() {
    checkUsable();
    if (pending.isEmpty()) {
      return;
    }
    try {
      tables.writeNodes(slice, List.copyOf(pending.values()));
      tables.recordIntegratedSize(slice, size);
    } catch (RuntimeException e) {
      failed = true;
      throw e;
    }
    pending.forEach((key, node) -> cache.put(key, node.hash()));
    pending.clear();
  }

  private void checkUsable() {
    if (failed) {
      throw new IllegalStateException("the tree of slice " + slice + " failed to flush; the writer must recover it from the tables");
    }
  }

  /** Levels stay below 64, so the level fits in the top 6 bits of a node's cache key. */
  private static long key(int level, long index) {
    return ((long) level << 57) | index;
  }
}
