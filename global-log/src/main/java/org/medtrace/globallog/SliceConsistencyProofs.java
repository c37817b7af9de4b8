package org.medtrace.globallog;

import java.util.List;
import org.medtrace.merkle.LogFormat;
import org.medtrace.merkle.MerkleTree;
import org.medtrace.merkle.witness.HttpCheckpointWitnesses;

/**
 * Consistency proofs from the slices' stored trees, for a witness that last cosigned another size
 * than the slice's previous checkpoint (it missed checkpoints while down): the witnesses re-ask it
 * with a proof from its size.
 */
final class SliceConsistencyProofs implements HttpCheckpointWitnesses.ConsistencyProofs {

  private final LogTables tables;
  private final String logName;

  SliceConsistencyProofs(LogTables tables, String logName) {
    this.tables = tables;
    this.logName = logName;
  }

  @Override
  public List<byte[]> between(String origin, long oldSize, long newSize) {
    return new MerkleTree(CassandraNodeStore.forReader(tables, slice(origin))).consistencyProof(oldSize, newSize);
  }

  private int slice(String origin) {
    String prefix = logName + LogFormat.SLICE_ORIGIN_INFIX;
    if (origin.startsWith(prefix)) {
      try {
        int slice = Integer.parseInt(origin.substring(prefix.length()));
        if (LogFormat.sliceOrigin(logName, slice).equals(origin)) {
          return slice;
        }
      } catch (NumberFormatException e) {
        // not one of this log's origins; refused below
      }
    }
    throw new IllegalArgumentException("not an origin of the log " + logName + ": " + origin);
  }
}
