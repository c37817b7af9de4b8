package org.medtrace.http.witness;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.medtrace.merkle.MerkleTree;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignatureType;

/** A small log for witness tests: an in-memory tree of one origin and a signing key. */
public final class TestLog {

  public final String origin;
  public final NoteSigner signer;
  public final MerkleTree tree = MerkleTree.inMemory();

  public TestLog(String logName, String origin) {
    this(NoteSigner.generate(logName, SignatureType.ED25519), origin);
  }

  public TestLog(NoteSigner signer, String origin) {
    this.origin = origin;
    this.signer = signer;
  }

  /** Appends {@code count} leaves named after {@code label}. */
  public TestLog grow(int count, String label) {
    for (int i = 0; i < count; i++) {
      tree.append((label + "-" + tree.size()).getBytes(StandardCharsets.UTF_8));
    }
    return this;
  }

  /** The signed checkpoint of the current tree. */
  public String checkpoint() {
    return checkpoint(tree.size());
  }

  /** The signed checkpoint of the tree at {@code size}. */
  public String checkpoint(long size) {
    return Checkpoint.at(origin, size, tree.rootHash(size), Instant.ofEpochSecond(1_790_000_000L + size)).sign(signer).format();
  }

  /** A checkpoint of {@code size} with another root, signed with this log's key: a fork. */
  public String forkedCheckpoint(long size) {
    MerkleTree other = MerkleTree.inMemory();
    for (long i = 0; i < size; i++) {
      other.append(("forked-" + i).getBytes(StandardCharsets.UTF_8));
    }
    return Checkpoint.at(origin, size, other.rootHash(), Instant.ofEpochSecond(1_790_000_000L + size)).sign(signer).format();
  }

  public List<byte[]> proof(long oldSize, long newSize) {
    return tree.consistencyProof(oldSize, newSize);
  }
}
