package org.medtrace.merkle;

import java.util.List;

/**
 * Storage of one Merkle tree: the hash of every complete (perfect, aligned) subtree, addressed by
 * level and index — level 0 holds the leaf hashes, and the node at (level, index) covers leaves
 * {@code [index * 2^level, (index + 1) * 2^level)}. Roots and proofs for any size are assembled
 * from these, so a store never needs to hold an incomplete node.
 *
 * <p>The in-memory {@link InMemoryNodeStore} serves tests and the verifier; a node backs the tree
 * with its database by implementing this interface (one row per node, e.g. a Cassandra table keyed
 * by slice, level and index).
 *
 * <p>Implementations MUST make {@link #append} atomic and durable before it returns: after it
 * returns, {@link #size()} counts the new leaf and every node it lists is readable. A tree has a
 * single writer; readers may run concurrently with it.
 */
public interface NodeStore {

  /** A complete subtree's hash. */
  record Node(int level, long index, byte[] hash) {}

  /** The number of leaves appended so far. */
  long size();

  /**
   * The hash of the complete subtree at ({@code level}, {@code index}).
   *
   * @throws IllegalStateException if the store does not hold it (the subtree is not complete, or
   *     the store lost it): a caller asks only for nodes that {@link #append} wrote
   */
  byte[] node(int level, long index);

  /**
   * Stores leaf number {@code leafIndex} (which MUST equal {@link #size()}) together with the
   * nodes its arrival completes: the leaf hash at level 0 and every ancestor whose subtree it
   * fills.
   */
  void append(long leafIndex, List<Node> completedNodes);
}
