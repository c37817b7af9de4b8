package org.medtrace.merkle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The tree and both verifiers against the RFC 6962 reference values of Certificate Transparency. */
class ReferenceTreeGoldenTest {

  private static final Golden GOLDEN = Golden.load("rfc6962-reference-tree.properties");

  private static MerkleTree referenceTree() {
    MerkleTree tree = MerkleTree.inMemory();
    for (int i = 0; i < 8; i++) {
      assertEquals(i, tree.append(GOLDEN.hex("leaf." + i)));
    }
    return tree;
  }

  @Test
  void rootsAtEverySizeMatchTheReference() {
    MerkleTree tree = referenceTree();
    for (int size = 0; size <= 8; size++) {
      assertArrayEquals(GOLDEN.hex("root." + size), tree.rootHash(size), "root at size " + size);
    }
  }

  @Test
  void rootGrowsLeafByLeafAsTheReferenceSays() {
    MerkleTree tree = MerkleTree.inMemory();
    assertArrayEquals(GOLDEN.hex("root.0"), tree.rootHash());
    for (int i = 0; i < 8; i++) {
      tree.append(GOLDEN.hex("leaf." + i));
      assertArrayEquals(GOLDEN.hex("root." + (i + 1)), tree.rootHash(), "root after leaf " + i);
    }
  }

  @ParameterizedTest
  @CsvSource({"0,8", "5,8", "2,3", "1,5"})
  void inclusionProofsMatchTheReferenceAndVerify(long index, long size) {
    List<byte[]> expected = GOLDEN.hexList("inclusion." + index + "." + size);
    List<byte[]> proof = referenceTree().inclusionProof(index, size);
    assertEquals(expected.size(), proof.size());
    for (int i = 0; i < proof.size(); i++) {
      assertArrayEquals(expected.get(i), proof.get(i), "proof hash " + i);
    }
    byte[] leafHash = Rfc9162.leafHash(GOLDEN.hex("leaf." + index));
    ProofResult result = ProofVerifier.verifyInclusion(leafHash, index, size, expected, GOLDEN.hex("root." + size));
    assertTrue(result.isValid(), result.toString());
  }

  @ParameterizedTest
  @CsvSource({"1,8", "6,8", "2,5", "6,7"})
  void consistencyProofsMatchTheReferenceAndVerify(long oldSize, long newSize) {
    List<byte[]> expected = GOLDEN.hexList("consistency." + oldSize + "." + newSize);
    List<byte[]> proof = referenceTree().consistencyProof(oldSize, newSize);
    assertEquals(expected.size(), proof.size());
    for (int i = 0; i < proof.size(); i++) {
      assertArrayEquals(expected.get(i), proof.get(i), "proof hash " + i);
    }
    ProofResult result =
        ProofVerifier.verifyConsistency(
            oldSize, newSize, GOLDEN.hex("root." + oldSize), GOLDEN.hex("root." + newSize), expected);
    assertTrue(result.isValid(), result.toString());
  }

  @Test
  void emptyTreeRootIsTheHashOfNothing() {
    assertArrayEquals(GOLDEN.hex("root.0"), Rfc9162.emptyRoot());
  }
}
