package org.medtrace.merkle;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The verification algorithms of RFC 9162: inclusion (section 2.1.3.2) and consistency (section
 * 2.1.4.2). They need only hashes and sizes, never the tree.
 *
 * <p>Both are total: on hostile input (null or wrongly sized hashes, negative sizes, an index at or
 * beyond the size, proofs too long or too short) they return a {@link ProofResult} naming the
 * failure and MUST NOT throw.
 */
public final class ProofVerifier {

  private static final HexFormat HEX = HexFormat.of();

  private ProofVerifier() {}

  /** Checks that {@code leafHash} is leaf {@code index} of the tree of {@code treeSize} leaves whose root is {@code root}. */
  public static ProofResult verifyInclusion(
      byte[] leafHash, long index, long treeSize, List<byte[]> proof, byte[] root) {
    ProofResult shape = checkHashes(proof, "leaf hash", leafHash, "root", root);
    if (!shape.isValid()) {
      return shape;
    }
    if (index < 0 || treeSize <= 0 || index >= treeSize) {
      return ProofResult.invalid(
          ProofFailure.INDEX_OUT_OF_RANGE, "leaf index " + index + " is not in a tree of size " + treeSize);
    }
    long fn = index;
    long sn = treeSize - 1;
    byte[] r = leafHash;
    for (byte[] p : proof) {
      if (sn == 0) {
        return ProofResult.invalid(
            ProofFailure.WRONG_PROOF_LENGTH,
            "inclusion proof of " + proof.size() + " hashes is too long for leaf " + index + " of " + treeSize);
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = Rfc9162.nodeHash(p, r);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      } else {
        r = Rfc9162.nodeHash(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    if (sn != 0) {
      return ProofResult.invalid(
          ProofFailure.WRONG_PROOF_LENGTH,
          "inclusion proof of " + proof.size() + " hashes is too short for leaf " + index + " of " + treeSize);
    }
    if (!MessageDigest.isEqual(r, root)) {
      return ProofResult.invalid(
          ProofFailure.ROOT_MISMATCH,
          "the proof leads to root " + HEX.formatHex(r) + ", not " + HEX.formatHex(root));
    }
    return ProofResult.valid();
  }

  /** Checks that the tree of {@code newSize} leaves with root {@code newRoot} extends the one of {@code oldSize} with {@code oldRoot}. */
  public static ProofResult verifyConsistency(
      long oldSize, long newSize, byte[] oldRoot, byte[] newRoot, List<byte[]> proof) {
    ProofResult shape = checkHashes(proof, "old root", oldRoot, "new root", newRoot);
    if (!shape.isValid()) {
      return shape;
    }
    if (oldSize < 0 || newSize < 0) {
      return ProofResult.invalid(
          ProofFailure.INDEX_OUT_OF_RANGE, "sizes " + oldSize + " and " + newSize + " must not be negative");
    }
    if (oldSize > newSize) {
      return ProofResult.invalid(
          ProofFailure.SIZE_OUT_OF_RANGE, "old size " + oldSize + " is larger than new size " + newSize);
    }
    if (oldSize == newSize || oldSize == 0) {
      if (!proof.isEmpty()) {
        return ProofResult.invalid(
            ProofFailure.WRONG_PROOF_LENGTH,
            "a consistency proof from size " + oldSize + " to " + newSize + " must be empty");
      }
      if (oldSize == newSize && !MessageDigest.isEqual(oldRoot, newRoot)) {
        return ProofResult.invalid(
            ProofFailure.ROOT_MISMATCH, "two different roots for the same size " + oldSize);
      }
      return ProofResult.valid();
    }
    if (proof.isEmpty()) {
      return ProofResult.invalid(
          ProofFailure.WRONG_PROOF_LENGTH,
          "a consistency proof from size " + oldSize + " to " + newSize + " cannot be empty");
    }
    List<byte[]> path = new ArrayList<>(proof);
    if (Long.bitCount(oldSize) == 1) {
      // The old tree is a complete subtree of the new one; its root is the proof's first node.
      path.add(0, oldRoot);
    }
    long fn = oldSize - 1;
    long sn = newSize - 1;
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    byte[] fr = path.get(0);
    byte[] sr = path.get(0);
    for (byte[] c : path.subList(1, path.size())) {
      if (sn == 0) {
        return ProofResult.invalid(
            ProofFailure.WRONG_PROOF_LENGTH,
            "consistency proof of " + proof.size() + " hashes is too long for " + oldSize + " to " + newSize);
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = Rfc9162.nodeHash(c, fr);
        sr = Rfc9162.nodeHash(c, sr);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      } else {
        sr = Rfc9162.nodeHash(sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    if (sn != 0) {
      return ProofResult.invalid(
          ProofFailure.WRONG_PROOF_LENGTH,
          "consistency proof of " + proof.size() + " hashes is too short for " + oldSize + " to " + newSize);
    }
    if (!MessageDigest.isEqual(fr, oldRoot)) {
      return ProofResult.invalid(
          ProofFailure.ROOT_MISMATCH,
          "the proof leads to old root " + HEX.formatHex(fr) + ", not " + HEX.formatHex(oldRoot));
    }
    if (!MessageDigest.isEqual(sr, newRoot)) {
      return ProofResult.invalid(
          ProofFailure.ROOT_MISMATCH,
          "the proof leads to new root " + HEX.formatHex(sr) + ", not " + HEX.formatHex(newRoot));
    }
    return ProofResult.valid();
  }

  private static ProofResult checkHashes(
      List<byte[]> proof, String firstName, byte[] first, String secondName, byte[] second) {
    if (!isHash(first)) {
      return malformed(firstName, first);
    }
    if (!isHash(second)) {
      return malformed(secondName, second);
    }
    if (proof == null) {
      return ProofResult.invalid(ProofFailure.MALFORMED_HASH, "the proof is missing");
    }
    // A proof has at most one hash per level of a tree of at most 2^63 leaves.
    if (proof.size() > Long.SIZE) {
      return ProofResult.invalid(
          ProofFailure.WRONG_PROOF_LENGTH, "a proof of " + proof.size() + " hashes is longer than any tree allows");
    }
    for (int i = 0; i < proof.size(); i++) {
      if (!isHash(proof.get(i))) {
        return malformed("proof hash " + i, proof.get(i));
      }
    }
    return ProofResult.valid();
  }

  private static boolean isHash(byte[] hash) {
    return hash != null && hash.length == Rfc9162.HASH_LENGTH;
  }

  private static ProofResult malformed(String what, byte[] hash) {
    return ProofResult.invalid(
        ProofFailure.MALFORMED_HASH,
        what + " is " + (hash == null ? "missing" : hash.length + " bytes") + ", not " + Rfc9162.HASH_LENGTH);
  }
}
