package org.medtrace.merkle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.medtrace.merkle.note.Checkpoint;

/** Every event lands in its entity's slice, and each slice's checkpoint proves its own leaves. */
class SlicedLogTest {

  @Test
  void eventsGoToTheirEntitysSliceAndAreProvableThere() {
    SlicedLog log = SlicedLog.inMemory("medtrace.example/ledger");
    List<LogLeaf> leaves = new ArrayList<>();
    List<SlicedLog.Position> positions = new ArrayList<>();
    for (int entity = 0; entity < 40; entity++) {
      for (long seq = 1; seq <= 3; seq++) {
        byte[] hash = new byte[32];
        hash[0] = (byte) entity;
        hash[1] = (byte) seq;
        LogLeaf leaf = new LogLeaf("patient-record", "MRN-" + entity, seq, hash);
        leaves.add(leaf);
        positions.add(log.append(leaf));
      }
    }
    Instant now = Instant.ofEpochSecond(1_790_000_000L);
    long total = 0;
    for (int slice = 0; slice < LogFormat.SLICE_COUNT; slice++) {
      total += log.slice(slice).size();
    }
    assertEquals(leaves.size(), total);
    for (int i = 0; i < leaves.size(); i++) {
      LogLeaf leaf = leaves.get(i);
      SlicedLog.Position position = positions.get(i);
      assertEquals(leaf.slice(), position.slice());
      Checkpoint checkpoint = log.checkpoint(position.slice(), now);
      assertEquals("medtrace.example/ledger/slice-" + position.slice(), checkpoint.origin());
      List<byte[]> proof = log.slice(position.slice()).inclusionProof(position.leafIndex(), checkpoint.size());
      assertTrue(
          ProofVerifier.verifyInclusion(leaf.leafHash(), position.leafIndex(), checkpoint.size(), proof, checkpoint.rootHash())
              .isValid(),
          leaf.toString());
    }
  }
}
