package org.medtrace.globallog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.medtrace.merkle.LogLeaf;

/**
 * The writers' messages cross nodes (an entity hands its events to the writer of its slice,
 * wherever it runs): they survive the node's serialization, hashes byte for byte, and a hand-over
 * becomes the chained leaves the sequencer checks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SliceWriterMessagesTest {

  private final ActorTestKit testKit = ActorTestKit.create();
  private final SerializationTestKit serialization = new SerializationTestKit(testKit.system());

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private static byte[] hash(int fill) {
    byte[] hash = new byte[32];
    Arrays.fill(hash, (byte) fill);
    return hash;
  }

  @Test
  void aHandOverSurvivesSerializationAndBecomesChainedLeaves() {
    SliceWriter.Committed committed =
        new SliceWriter.Committed("drug-batch", "09506000134352/L-1", 7, hash(6), List.of(hash(7), hash(8)));
    SliceWriter.Committed copy = (SliceWriter.Committed) serialization.verifySerialization(committed, false);
    assertEquals(committed.entityType(), copy.entityType());
    assertEquals(committed.entityId(), copy.entityId());
    assertEquals(7, copy.firstSequenceNumber());
    assertArrayEquals(hash(6), copy.previousHash());
    assertEquals(2, copy.eventHashes().size());
    assertArrayEquals(hash(8), copy.eventHashes().get(1));

    List<EntityJournal.ChainedLeaf> leaves = copy.leaves();
    assertEquals(new LogLeaf("drug-batch", "09506000134352/L-1", 7, hash(7)), leaves.get(0).leaf());
    assertArrayEquals(hash(6), leaves.get(0).previousHash());
    assertEquals(8, leaves.get(1).sequenceNumber());
    // Each event after the first is built on the one before it.
    assertTrue(leaves.get(1).follows(leaves.get(0).leaf()));
  }

  @Test
  void aKeepAliveSurvivesSerialization() {
    SliceWriter.KeepAlive keepAlive = new SliceWriter.KeepAlive("pekko://medtrace@10.0.0.1:25520");
    assertEquals(keepAlive, serialization.verifySerialization(keepAlive, true));
  }
}
