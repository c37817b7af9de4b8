package org.medtrace.persistence.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.persistence.cassandra.RealCassandra;
import org.medtrace.persistence.chain.BreakReason;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.LedgerFixtures;
import org.medtrace.persistence.chain.TrustedKeys;
import org.medtrace.persistence.chain.VerificationResult;

/**
 * The chunked read against a real Cassandra journal, with chunks of 3 sequence numbers and 2 read
 * at once so that a chain of a dozen events crosses several chunk boundaries: it gives the rows the
 * one whole-journal query gives, in order, and the chain verifier fed from it finds a missing row
 * wherever it is, a chunk's last row included.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChunkedJournalReaderTest {

  private static final String JOURNAL = "chunked_reader_journal";
  private static final String SNAPSHOTS = "chunked_reader_snapshot";
  private static final int ROWS_PER_CHUNK = 3;
  private static final int CHUNKS_IN_FLIGHT = 2;

  private ActorTestKit testKit;
  private CassandraReadJournal readJournal;

  @BeforeAll
  void startSystem() {
    RealCassandra.createKeyspaces(JOURNAL, SNAPSHOTS);
    testKit =
        ActorTestKit.create(
            "ChunkedJournalReaderTest", RealCassandra.pekkoConfig(JOURNAL, SNAPSHOTS).withFallback(ConfigFactory.load()));
    readJournal =
        PersistenceQuery.get(testKit.system()).getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
  }

  @AfterAll
  void stopSystem() {
    testKit.shutdownTestKit();
  }

  @Test
  void readsEveryRowInSequenceOrderAcrossChunks() {
    List<ChainedEvent> chain = store("in-order", 11);
    assertEquals(sequenceNumbers(1, 11), sequenceNumbers(readChunked(persistenceId("in-order"), 1)));
    assertEquals(sequenceNumbers(readWhole(persistenceId("in-order"))), sequenceNumbers(readChunked(persistenceId("in-order"), 1)));
    assertIntact(verify(reader(), "in-order"), chain);
  }

  @Test
  void endsAtTheLastRowWhenTheJournalEndsOnAChunkBoundary() {
    List<ChainedEvent> chain = store("on-boundary", 9);
    assertEquals(sequenceNumbers(1, 9), sequenceNumbers(readChunked(persistenceId("on-boundary"), 1)));
    assertIntact(verify(reader(), "on-boundary"), chain);
  }

  @Test
  void readsNothingFromAnEmptyJournal() {
    assertEquals(List.of(), readChunked(persistenceId("never-written"), 1));
  }

  @Test
  void startsAtTheGivenSequenceNumber() {
    store("from-five", 10);
    assertEquals(sequenceNumbers(5, 10), sequenceNumbers(readChunked(persistenceId("from-five"), 5)));
  }

  @Test
  void aRowMissingInsideAChunkIsASequenceGap() {
    store("gap-inside", 10);
    delete("gap-inside", 5);
    assertEquals(sequenceNumbers(readWhole(persistenceId("gap-inside"))), sequenceNumbers(readChunked(persistenceId("gap-inside"), 1)));
    assertGapAt(verify(reader(), "gap-inside"), 5);
  }

  @Test
  void aMissingLastRowOfAChunkIsASequenceGapNotTheEndOfTheJournal() {
    // Chunk 4..6 comes back short and no row 7 was seen with it: the rows after the gap must still
    // be read, or the chain would pass as intact with 5 events.
    store("gap-at-chunk-end", 10);
    delete("gap-at-chunk-end", 6);
    delete("gap-at-chunk-end", 7);
    assertEquals(sequenceNumbers(1, 5, 8, 10), sequenceNumbers(readChunked(persistenceId("gap-at-chunk-end"), 1)));
    assertGapAt(verify(reader(), "gap-at-chunk-end"), 6);
  }

  @Test
  void aWholeMissingChunkIsASequenceGap() {
    store("chunk-missing", 12);
    for (long sequenceNumber = 4; sequenceNumber <= 9; sequenceNumber++) {
      delete("chunk-missing", sequenceNumber);
    }
    assertEquals(sequenceNumbers(1, 3, 10, 12), sequenceNumbers(readChunked(persistenceId("chunk-missing"), 1)));
    assertGapAt(verify(reader(), "chunk-missing"), 4);
  }

  @Test
  void aBreakStopsTheReadingAhead() {
    // The verifier checks rows in groups of ROWS_CHECKED_AT_ONCE, so it sees the break once that
    // many rows were read: the journal is several times longer, so that reading on to its end
    // would show.
    int length = 3 * JournalChainVerifier.ROWS_CHECKED_AT_ONCE;
    store("break-early", length);
    delete("break-early", 2);
    AtomicInteger rangeQueries = new AtomicInteger();
    CurrentEventsByPersistenceIdQuery counting =
        (persistenceId, from, to) -> {
          rangeQueries.incrementAndGet();
          return readJournal.currentEventsByPersistenceId(persistenceId, from, to);
        };
    VerificationResult result =
        verify(new ChunkedJournalReader(counting, ROWS_PER_CHUNK, CHUNKS_IN_FLIGHT, testKit.system()), "break-early");
    assertGapAt(result, 2);
    int chunksToTheBreak = JournalChainVerifier.ROWS_CHECKED_AT_ONCE / ROWS_PER_CHUNK + 1;
    assertTrue(
        rangeQueries.get() <= chunksToTheBreak + CHUNKS_IN_FLIGHT + 2,
        rangeQueries.get() + " chunks read of " + length / ROWS_PER_CHUNK + ", the break was found after " + chunksToTheBreak);
  }

  private ChunkedJournalReader reader() {
    return new ChunkedJournalReader(readJournal, ROWS_PER_CHUNK, CHUNKS_IN_FLIGHT, testKit.system());
  }

  private VerificationResult verify(ChunkedJournalReader reader, String entityId) {
    return new JournalChainVerifier(reader, TrustedKeys.none(), testKit.system())
        .verify(LedgerFixtures.BATCH_TYPE, entityId)
        .toCompletableFuture()
        .join();
  }

  private static void assertIntact(VerificationResult result, List<ChainedEvent> chain) {
    VerificationResult.Intact intact = assertInstanceOf(VerificationResult.Intact.class, result);
    assertEquals(chain.size(), intact.length());
    assertEquals(chain.get(chain.size() - 1).hashHex(), intact.headHashHex());
  }

  private static void assertGapAt(VerificationResult result, long sequenceNumber) {
    VerificationResult.Broken broken = assertInstanceOf(VerificationResult.Broken.class, result);
    assertEquals(BreakReason.SEQUENCE_GAP, broken.reason());
    assertEquals(sequenceNumber, broken.sequenceNumber());
  }

  private List<EventEnvelope> readChunked(String persistenceId, long from) {
    return run(reader().currentEvents(persistenceId, from));
  }

  private List<EventEnvelope> readWhole(String persistenceId) {
    return run(readJournal.currentEventsByPersistenceId(persistenceId, 1, Long.MAX_VALUE));
  }

  private List<EventEnvelope> run(Source<EventEnvelope, NotUsed> source) {
    try {
      return source.runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the read did not complete", e);
    }
  }

  private static List<Long> sequenceNumbers(List<EventEnvelope> envelopes) {
    return envelopes.stream().map(EventEnvelope::sequenceNr).toList();
  }

  /** {@code first..last}, or with four arguments {@code a..b} followed by {@code c..d}. */
  private static List<Long> sequenceNumbers(long... bounds) {
    List<Long> numbers = new ArrayList<>();
    for (int i = 0; i < bounds.length; i += 2) {
      for (long n = bounds[i]; n <= bounds[i + 1]; n++) {
        numbers.add(n);
      }
    }
    return numbers;
  }

  private static String persistenceId(String entityId) {
    return JournalChainVerifier.persistenceId(LedgerFixtures.BATCH_TYPE, entityId);
  }

  private List<ChainedEvent> store(String entityId, int length) {
    List<ChainedEvent> chain = LedgerFixtures.chain(entityId, length, Optional.empty());
    TestProbe<Long> stored = testKit.createTestProbe();
    ActorRef<ChainWriter.Append> writer = testKit.spawn(ChainWriter.create(persistenceId(entityId)));
    writer.tell(new ChainWriter.Append(List.copyOf(chain), stored.getRef()));
    assertEquals((long) length, stored.receiveMessage(Duration.ofSeconds(30)));
    testKit.stop(writer);
    return chain;
  }

  private void delete(String entityId, long sequenceNumber) {
    RealCassandra.session()
        .execute(
            "DELETE FROM " + JOURNAL + ".messages WHERE persistence_id = ? AND partition_nr = 0 AND sequence_nr = ?",
            persistenceId(entityId),
            sequenceNumber);
  }
}
