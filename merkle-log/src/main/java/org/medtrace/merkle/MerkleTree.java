package org.medtrace.merkle;

import java.util.ArrayList;
import java.util.List;

/**
 * An append-only RFC 9162 Merkle tree over a {@link NodeStore}: it appends leaves and answers the
 * root, inclusion proofs and consistency proofs at the current size or any earlier one.
 *
 * <p>Sizes are not limited to powers of two: the tree of {@code n} leaves is RFC 9162's MTH, split
 * at the largest power of two below {@code n}. Every subtree that MTH, PATH or PROOF needs is
 * either complete (read from the store) or split further, so any answer costs O(log² n) store
 * reads.
 *
 * <p>One writer at a time: {@link #append} MUST NOT be called concurrently (sequencing belongs to
 * the caller). Queries may run concurrently with an append for sizes already appended.
 */
public final class MerkleTree {

  private final NodeStore store;

  public MerkleTree(NodeStore store) {
    this.store = store;
  }

  /** A tree in memory, for tests and for tools that rebuild a tree from its leaves. */
  public static MerkleTree inMemory() {
    return new MerkleTree(new InMemoryNodeStore());
  }

  public long size() {
    return store.size();
  }

  /** Appends the leaf {@code leaf} (hashed here as an RFC 9162 leaf) and returns its index. */
  public long append(byte[] leaf) {
    return appendLeafHash(Rfc9162.leafHash(leaf));
  }

  /**
   * Appends a leaf by its leaf hash and returns its index. When this returns, the leaf is stored
   * as durably as the store makes it.
   */
  public long appendLeafHash(byte[] leafHash) {
    requireHash(leafHash, "leaf hash");
    long index = store.size();
    List<NodeStore.Node> completed = new ArrayList<>();
    completed.add(new NodeStore.Node(0, index, leafHash.clone()));
    // Each trailing 1 bit of the index is a left sibling whose subtree this leaf completes.
    byte[] hash = leafHash;
    long position = index;
    int level = 0;
    while ((position & 1) == 1) {
      hash = Rfc9162.nodeHash(store.node(level, position - 1), hash);
      position >>= 1;
      level++;
      completed.add(new NodeStore.Node(level, position, hash));
    }
    store.append(index, completed);
    return index;
  }

  /** The leaf hash stored at {@code index}. */
  public byte[] leafHash(long index) {
    if (index < 0 || index >= size()) {
      throw new IllegalArgumentException("leaf " + index + " is not in a tree of size " + size());
    }
    return store.node(0, index);
  }

  /** The root at the current size. */
  public byte[] rootHash() {
    return rootHash(size());
  }

  /** The root the tree had when it held {@code treeSize} leaves. */
  public byte[] rootHash(long treeSize) {
    requireSize(treeSize);
    return treeSize == 0 ? Rfc9162.emptyRoot() : subtreeHash(0, treeSize);
  }

  /** RFC 9162 PATH(index, D[0:treeSize]): the audit path of leaf {@code index}, leaf side first. */
  public List<byte[]> inclusionProof(long index, long treeSize) {
    requireSize(treeSize);
    if (index < 0 || index >= treeSize) {
      throw new IllegalArgumentException("leaf " + index + " is not in a tree of size " + treeSize);
    }
    List<byte[]> proof = new ArrayList<>();
    path(index, 0, treeSize, proof);
    return proof;
  }

  /**
   * RFC 9162 PROOF(oldSize, D[0:newSize]): the hashes that show the tree at {@code newSize}
   * extends the tree at {@code oldSize}. Empty when {@code oldSize} is 0 or equals {@code newSize}.
   */
  public List<byte[]> consistencyProof(long oldSize, long newSize) {
    requireSize(newSize);
    if (oldSize < 0 || oldSize > newSize) {
      throw new IllegalArgumentException(
          "old size " + oldSize + " is not between 0 and the new size " + newSize);
    }
    List<byte[]> proof = new ArrayList<>();
    if (oldSize > 0 && oldSize < newSize) {
      subproof(oldSize, 0, newSize, true, proof);
    }
    return proof;
  }

  private void path(long index, long start, long length, List<byte[]> proof) {
    if (length == 1) {
      return;
    }
    long k = Rfc9162.splitPoint(length);
    if (index < k) {
      path(index, start, k, proof);
      proof.add(subtreeHash(start + k, length - k));
    } else {
      path(index - k, start + k, length - k, proof);
      proof.add(subtreeHash(start, k));
    }
  }

  private void subproof(long oldSize, long start, long length, boolean wholeOldTree, List<byte[]> proof) {
    if (oldSize == length) {
      if (!wholeOldTree) {
        proof.add(subtreeHash(start, length));
      }
      return;
    }
    long k = Rfc9162.splitPoint(length);
    if (oldSize <= k) {
      subproof(oldSize, start, k, wholeOldTree, proof);
      proof.add(subtreeHash(start + k, length - k));
    } else {
      subproof(oldSize - k, start + k, length - k, false, proof);
      proof.add(subtreeHash(start, k));
    }
  }

  /**
   * MTH of leaves {@code [start, start + length)}. The recursions above only ask for ranges whose
   * start is a multiple of the largest power of two not above their length, so a power-of-two
   * range is always a complete node of the store.
   */
  private byte[] subtreeHash(long start, long length) {
    if (Long.bitCount(length) == 1) {
      int level = Long.numberOfTrailingZeros(length);
      return store.node(level, start >> level);
    }
    long k = Rfc9162.splitPoint(length);
    return Rfc9162.nodeHash(subtreeHash(start, k), subtreeHash(start + k, length - k));
  }

  private void requireSize(long treeSize) {
    long size = size();
    if (treeSize < 0 || treeSize > size) {
      throw new IllegalArgumentException("tree size " + treeSize + " is not between 0 and " + size);
    }
  }

  private static void requireHash(byte[] hash, String what) {
    if (hash == null || hash.length != Rfc9162.HASH_LENGTH) {
      throw new IllegalArgumentException(what + " must be " + Rfc9162.HASH_LENGTH + " bytes");
    }
  }
}
