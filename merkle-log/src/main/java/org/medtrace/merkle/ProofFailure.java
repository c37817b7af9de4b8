package org.medtrace.merkle;

/** Why an inclusion or consistency proof does not verify. */
public enum ProofFailure {
  /** A hash (leaf hash, root or proof element) is missing or not 32 bytes. */
  MALFORMED_HASH,
  /** The leaf index is negative or not below the tree size, or a size is negative. */
  INDEX_OUT_OF_RANGE,
  /** The old size is larger than the new size: a log never shrinks. */
  SIZE_OUT_OF_RANGE,
  /** The proof has more or fewer hashes than the index and sizes call for. */
  WRONG_PROOF_LENGTH,
  /** The proof is well formed, but the root it leads to is not the one given. */
  ROOT_MISMATCH
}
