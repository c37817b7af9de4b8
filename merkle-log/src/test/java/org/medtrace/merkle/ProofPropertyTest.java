package org.medtrace.merkle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Properties of the tree and the verifiers over random trees (seeded, so a failure reproduces):
 * every honest proof verifies, and any single change to a proof, root, leaf hash, index or size
 * makes it fail. The roots are checked against a naive recursive MTH written from the RFC's
 * definition, independent of the stored-node arithmetic.
 */
class ProofPropertyTest {

  private static final long SEED = 20261128L;
  private static final int CASES = 400;
  private static final int MAX_SIZE = 300;

  @Test
  void rootsAtEverySizeEqualTheRfcDefinition() {
    Random random = new Random(SEED);
    List<byte[]> leaves = randomLeaves(random, MAX_SIZE);
    MerkleTree tree = treeOf(leaves);
    for (int size = 0; size <= MAX_SIZE; size++) {
      assertArrayEquals(naiveRoot(leaves.subList(0, size)), tree.rootHash(size), "root at size " + size);
    }
  }

  @Test
  void everyInclusionProofVerifiesAndEverySingleChangeBreaksIt() {
    Random random = new Random(SEED + 1);
    for (int c = 0; c < CASES; c++) {
      int treeLength = 1 + random.nextInt(MAX_SIZE);
      List<byte[]> leaves = randomLeaves(random, treeLength);
      MerkleTree tree = treeOf(leaves);
      long size = 1 + random.nextInt(treeLength);
      long index = random.nextInt((int) size);
      byte[] leafHash = Rfc9162.leafHash(leaves.get((int) index));
      byte[] root = tree.rootHash(size);
      List<byte[]> proof = tree.inclusionProof(index, size);
      String where = "case " + c + ": leaf " + index + " of " + size;

      assertTrue(ProofVerifier.verifyInclusion(leafHash, index, size, proof, root).isValid(), where);

      for (int i = 0; i < proof.size(); i++) {
        List<byte[]> changed = copy(proof);
        changed.set(i, flipRandomBit(random, changed.get(i)));
        assertInvalid(ProofVerifier.verifyInclusion(leafHash, index, size, changed, root), where + ", proof hash " + i);
      }
      assertInvalid(ProofVerifier.verifyInclusion(leafHash, index, size, proof, flipRandomBit(random, root)), where + ", root");
      assertInvalid(
          ProofVerifier.verifyInclusion(flipRandomBit(random, leafHash), index, size, proof, root), where + ", leaf hash");
      for (long otherIndex : new long[] {index - 1, index + 1, index ^ 2, size, -1}) {
        if (otherIndex != index && !isSameLeafHash(leaves, otherIndex, index)) {
          assertInvalid(
              ProofVerifier.verifyInclusion(leafHash, otherIndex, size, proof, root), where + ", index " + otherIndex);
        }
      }
      // A proof does not name the size: another size whose audit path has the same shape reads
      // the same hashes the same way (only the signed checkpoint binds size to root). Any other
      // size MUST fail.
      for (long otherSize : new long[] {size * 2, size / 2, size + 1, size - 1, index + 1, 0}) {
        if (otherSize != size) {
          boolean sameShape = otherSize > index && inclusionShape(index, otherSize).equals(inclusionShape(index, size));
          assertEquals(
              sameShape,
              ProofVerifier.verifyInclusion(leafHash, index, otherSize, proof, root).isValid(),
              where + ", size " + otherSize + (sameShape ? " has the same path shape" : ""));
        }
      }
      if (!proof.isEmpty()) {
        assertInvalid(
            ProofVerifier.verifyInclusion(leafHash, index, size, proof.subList(0, proof.size() - 1), root),
            where + ", last hash removed");
      }
      List<byte[]> longer = copy(proof);
      longer.add(root);
      assertInvalid(ProofVerifier.verifyInclusion(leafHash, index, size, longer, root), where + ", hash appended");
    }
  }

  @Test
  void everyConsistencyProofVerifiesAndEverySingleChangeBreaksIt() {
    Random random = new Random(SEED + 2);
    for (int c = 0; c < CASES; c++) {
      int treeLength = 2 + random.nextInt(MAX_SIZE - 1);
      MerkleTree tree = treeOf(randomLeaves(random, treeLength));
      long newSize = 2 + random.nextInt(treeLength - 1);
      long oldSize = 1 + random.nextInt((int) newSize - 1);
      byte[] oldRoot = tree.rootHash(oldSize);
      byte[] newRoot = tree.rootHash(newSize);
      List<byte[]> proof = tree.consistencyProof(oldSize, newSize);
      String where = "case " + c + ": " + oldSize + " to " + newSize;

      assertTrue(ProofVerifier.verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof).isValid(), where);

      for (int i = 0; i < proof.size(); i++) {
        List<byte[]> changed = copy(proof);
        changed.set(i, flipRandomBit(random, changed.get(i)));
        assertInvalid(ProofVerifier.verifyConsistency(oldSize, newSize, oldRoot, newRoot, changed), where + ", proof hash " + i);
      }
      assertInvalid(
          ProofVerifier.verifyConsistency(oldSize, newSize, flipRandomBit(random, oldRoot), newRoot, proof), where + ", old root");
      assertInvalid(
          ProofVerifier.verifyConsistency(oldSize, newSize, oldRoot, flipRandomBit(random, newRoot), proof), where + ", new root");
      assertInvalid(ProofVerifier.verifyConsistency(oldSize, newSize, newRoot, oldRoot, proof), where + ", roots swapped");
      assertInvalid(ProofVerifier.verifyConsistency(newSize, oldSize, oldRoot, newRoot, proof), where + ", sizes swapped");
      // As for inclusion, sizes whose proof has the same shape are indistinguishable; all others MUST fail.
      for (long[] sizes :
          new long[][] {
            {oldSize - 1, newSize}, {oldSize + 1, newSize}, {oldSize ^ 2, newSize},
            {oldSize, newSize - 1}, {oldSize, newSize + 1}, {oldSize, newSize * 2}
          }) {
        if ((sizes[0] != oldSize || sizes[1] != newSize) && sizes[0] > 0 && sizes[0] < sizes[1]) {
          boolean sameShape =
              consistencyShape(sizes[0], sizes[1]).equals(consistencyShape(oldSize, newSize));
          assertEquals(
              sameShape,
              ProofVerifier.verifyConsistency(sizes[0], sizes[1], oldRoot, newRoot, proof).isValid(),
              where + ", sizes " + sizes[0] + " to " + sizes[1] + (sameShape ? " have the same proof shape" : ""));
        }
      }
      assertInvalid(
          ProofVerifier.verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof.subList(0, proof.size() - 1)),
          where + ", last hash removed");
      List<byte[]> longer = copy(proof);
      longer.add(newRoot);
      assertInvalid(ProofVerifier.verifyConsistency(oldSize, newSize, oldRoot, newRoot, longer), where + ", hash appended");
    }
  }

  @Test
  void hostileInputIsReportedNeverThrown() {
    byte[] hash = new byte[32];
    List<byte[]> empty = List.of();
    assertFailure(ProofFailure.MALFORMED_HASH, ProofVerifier.verifyInclusion(null, 0, 1, empty, hash));
    assertFailure(ProofFailure.MALFORMED_HASH, ProofVerifier.verifyInclusion(hash, 0, 1, empty, new byte[31]));
    assertFailure(ProofFailure.MALFORMED_HASH, ProofVerifier.verifyInclusion(hash, 0, 2, null, hash));
    List<byte[]> withNull = new ArrayList<>();
    withNull.add(null);
    assertFailure(ProofFailure.MALFORMED_HASH, ProofVerifier.verifyInclusion(hash, 0, 2, withNull, hash));
    assertFailure(ProofFailure.MALFORMED_HASH, ProofVerifier.verifyInclusion(hash, 0, 2, List.of(new byte[33]), hash));
    assertFailure(ProofFailure.INDEX_OUT_OF_RANGE, ProofVerifier.verifyInclusion(hash, 1, 1, empty, hash));
    assertFailure(ProofFailure.INDEX_OUT_OF_RANGE, ProofVerifier.verifyInclusion(hash, -1, 1, empty, hash));
    assertFailure(ProofFailure.INDEX_OUT_OF_RANGE, ProofVerifier.verifyInclusion(hash, 0, 0, empty, hash));
    assertFailure(ProofFailure.INDEX_OUT_OF_RANGE, ProofVerifier.verifyInclusion(hash, Long.MAX_VALUE, Long.MIN_VALUE, empty, hash));
    assertFailure(ProofFailure.WRONG_PROOF_LENGTH, ProofVerifier.verifyInclusion(hash, 0, 1, List.of(hash), hash));
    assertFailure(ProofFailure.WRONG_PROOF_LENGTH, ProofVerifier.verifyInclusion(hash, 0, Long.MAX_VALUE, empty, hash));
    List<byte[]> huge = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      huge.add(hash);
    }
    assertFailure(ProofFailure.WRONG_PROOF_LENGTH, ProofVerifier.verifyInclusion(hash, 0, Long.MAX_VALUE, huge, hash));

    assertFailure(ProofFailure.MALFORMED_HASH, ProofVerifier.verifyConsistency(1, 2, null, hash, empty));
    assertFailure(ProofFailure.MALFORMED_HASH, ProofVerifier.verifyConsistency(1, 2, hash, new byte[0], empty));
    assertFailure(ProofFailure.INDEX_OUT_OF_RANGE, ProofVerifier.verifyConsistency(-1, 2, hash, hash, empty));
    assertFailure(ProofFailure.SIZE_OUT_OF_RANGE, ProofVerifier.verifyConsistency(3, 2, hash, hash, List.of(hash)));
    assertFailure(ProofFailure.WRONG_PROOF_LENGTH, ProofVerifier.verifyConsistency(1, 2, hash, hash, empty));
    assertFailure(ProofFailure.WRONG_PROOF_LENGTH, ProofVerifier.verifyConsistency(2, 2, hash, hash, List.of(hash)));
    assertFailure(ProofFailure.WRONG_PROOF_LENGTH, ProofVerifier.verifyConsistency(0, 2, hash, hash, List.of(hash)));
    assertFailure(ProofFailure.ROOT_MISMATCH, ProofVerifier.verifyConsistency(2, 2, hash, otherHash(), empty));
    assertFailure(ProofFailure.WRONG_PROOF_LENGTH, ProofVerifier.verifyConsistency(3, Long.MAX_VALUE, hash, hash, List.of(hash)));
    assertTrue(ProofVerifier.verifyConsistency(0, 5, hash, new byte[32], empty).isValid(), "anything extends the empty tree");
  }

  @Test
  void treeRefusesQueriesBeyondItsSize() {
    MerkleTree tree = treeOf(randomLeaves(new Random(SEED), 5));
    for (Runnable call :
        List.<Runnable>of(
            () -> tree.rootHash(6),
            () -> tree.rootHash(-1),
            () -> tree.inclusionProof(5, 5),
            () -> tree.inclusionProof(0, 6),
            () -> tree.consistencyProof(4, 6),
            () -> tree.consistencyProof(5, 4),
            () -> tree.appendLeafHash(new byte[31]))) {
      try {
        call.run();
        throw new AssertionError("expected a refusal");
      } catch (IllegalArgumentException expected) {
        // refused with a message, as it should be
      }
    }
    assertEquals(5, tree.size());
  }

  private static boolean isSameLeafHash(List<byte[]> leaves, long otherIndex, long index) {
    return otherIndex >= 0
        && otherIndex < leaves.size()
        && java.util.Arrays.equals(leaves.get((int) otherIndex), leaves.get((int) index));
  }

  /** The sides of the siblings on leaf {@code index}'s audit path, from RFC 9162's PATH recursion. */
  private static List<String> inclusionShape(long index, long size) {
    List<String> shape = new ArrayList<>();
    long start = 0;
    long length = size;
    List<String> reversed = new ArrayList<>();
    while (length > 1) {
      long k = Long.highestOneBit(length - 1);
      if (index - start < k) {
        reversed.add("right");
        length = k;
      } else {
        reversed.add("left");
        start += k;
        length -= k;
      }
    }
    for (int i = reversed.size() - 1; i >= 0; i--) {
      shape.add(reversed.get(i));
    }
    return shape;
  }

  /** The roles of the hashes of PROOF(oldSize, newSize), from RFC 9162's SUBPROOF recursion. */
  private static List<String> consistencyShape(long oldSize, long newSize) {
    List<String> shape = new ArrayList<>();
    subproofShape(oldSize, newSize, true, shape);
    return shape;
  }

  private static void subproofShape(long m, long n, boolean wholeOldTree, List<String> shape) {
    if (m == n) {
      shape.add(wholeOldTree ? "old-root" : "seed");
      return;
    }
    long k = Long.highestOneBit(n - 1);
    if (m <= k) {
      subproofShape(m, k, wholeOldTree, shape);
      shape.add("new-only");
    } else {
      subproofShape(m - k, n - k, false, shape);
      shape.add("both");
    }
  }

  private static void assertInvalid(ProofResult result, String where) {
    assertFalse(result.isValid(), where + " verified but must not");
  }

  private static void assertFailure(ProofFailure expected, ProofResult result) {
    assertEquals(expected, result.failure().orElseThrow(() -> new AssertionError("verified: " + result)), result.detail());
  }

  private static byte[] flipRandomBit(Random random, byte[] hash) {
    byte[] changed = hash.clone();
    int bit = random.nextInt(changed.length * 8);
    changed[bit / 8] ^= (byte) (1 << (bit % 8));
    return changed;
  }

  private static List<byte[]> copy(List<byte[]> proof) {
    return new ArrayList<>(proof);
  }

  private static List<byte[]> randomLeaves(Random random, int count) {
    List<byte[]> leaves = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] leaf = new byte[random.nextInt(40)];
      random.nextBytes(leaf);
      leaves.add(leaf);
    }
    return leaves;
  }

  private static MerkleTree treeOf(List<byte[]> leaves) {
    MerkleTree tree = MerkleTree.inMemory();
    leaves.forEach(tree::append);
    return tree;
  }

  /** MTH(D[n]) of RFC 9162 section 2.1.1, literally. */
  private static byte[] naiveRoot(List<byte[]> leaves) {
    int n = leaves.size();
    if (n == 0) {
      return Rfc9162.emptyRoot();
    }
    if (n == 1) {
      return Rfc9162.leafHash(leaves.get(0));
    }
    int k = 1;
    while (k * 2 < n) {
      k *= 2;
    }
    return Rfc9162.nodeHash(naiveRoot(leaves.subList(0, k)), naiveRoot(leaves.subList(k, n)));
  }

  private static byte[] otherHash() {
    byte[] hash = new byte[32];
    hash[0] = 1;
    return hash;
  }
}
