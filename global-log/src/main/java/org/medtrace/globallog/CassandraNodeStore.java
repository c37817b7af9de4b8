package org.medtrace.globallog;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.medtrace.merkle.NodeStore;

/**
 * The Merkle tree of one slice in Cassandra ({@code log_nodes}, size in {@code log_slices.integrated_size}).
 *
 * <p>{@link #append} writes the completed nodes, then the new size: a reader that sees a size finds
 * every node it needs. A crash between the two leaves nodes beyond the size, which the next
 * integration rewrites with the same hashes (they depend only on the leaves).
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
    long key = key(level, index);
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

  @Override
  public synchronized void append(long leafIndex, List<Node> completedNodes) {
    if (!writable) {
      throw new IllegalStateException("a reader's view of slice " + slice + " is read-only");
    }
    if (leafIndex != size) {
      throw new IllegalArgumentException("leaf " + leafIndex + " appended to slice " + slice + " of size " + size);
    }
    tables.writeNodes(slice, completedNodes);
    tables.recordIntegratedSize(slice, leafIndex + 1);
    completedNodes.forEach(node -> cache.put(key(node.level(), node.index()), node.hash().clone()));
    size = leafIndex + 1;
  }

  /** Levels stay below 64, so the level fits in the top 6 bits of a node's cache key. */
  private static long key(int level, long index) {
    return ((long) level << 57) | index;
  }
}
