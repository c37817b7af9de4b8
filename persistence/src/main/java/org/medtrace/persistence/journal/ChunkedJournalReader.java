package org.medtrace.persistence.journal;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Reads the whole journal of one persistence id, as {@code currentEventsByPersistenceId(id, from,
 * Long.MAX_VALUE)} does, but in chunks of sequence numbers with a few chunks read at once.
 *
 * <p>Why: one query pages through the partition one driver page after another, each page requested
 * only once the previous one was consumed, so a long journal costs one Cassandra round trip after
 * another while the node waits. Chunks read ahead overlap those round trips.
 *
 * <p>What MUST stay true: the rows come out exactly as that one query would give them, in the same
 * order, duplicates and gaps included, so that a verifier fed from here finds the same break. The
 * query for a range {@code [a, b]} gives exactly the journal's rows with sequence numbers in that
 * range, in order, so consecutive ranges give the whole journal, provided that:
 *
 * <ul>
 *   <li>each chunk's rows reach downstream in sequence order (chunks are handed on in order);
 *   <li>a row stored twice under a chunk's last sequence number is not lost: the plugin ends a range
 *       query as soon as it has pushed a row with the range's last number, so each chunk reads one
 *       number beyond its range and keeps only the rows inside it;
 *   <li>the end of the chunks is not taken for the end of the journal: a chunk without a row past
 *       its range may sit before a gap rather than at the end, so after it one last query reads
 *       everything from the next number on, without an upper bound (usually nothing).
 * </ul>
 *
 * <p>Memory is bounded: at most {@code chunksInFlight} chunks read ahead plus the one being handed
 * on, each of {@code rowsPerChunk} rows (more only if rows are stored twice). When downstream
 * cancels (e.g. a verifier found a break), no further chunk is started; the few in flight finish
 * and are dropped.
 */
public final class ChunkedJournalReader {

  /** The driver's default {@code basic.request.page-size}: rows one query returns per round trip. */
  private static final int DRIVER_PAGE_SIZE = 5_000;

  /**
   * Sequence numbers per chunk: with the one number read beyond it, one page of the driver, so that
   * a chunk is one round trip. Smaller chunks cost more queries (each also looks up the deleted-to
   * mark); larger ones page again inside a chunk.
   */
  public static final int ROWS_PER_CHUNK = DRIVER_PAGE_SIZE - 1;

  /**
   * Chunks being read at once: enough to keep Cassandra's read threads busy while the node decodes
   * and checks the chunk before, few enough to bound memory and not crowd out other queries.
   */
  public static final int CHUNKS_IN_FLIGHT = 4;

  private final CurrentEventsByPersistenceIdQuery readJournal;
  private final int rowsPerChunk;
  private final int chunksInFlight;
  private final ActorSystem<?> system;

  public ChunkedJournalReader(CurrentEventsByPersistenceIdQuery readJournal, ActorSystem<?> system) {
    this(readJournal, ROWS_PER_CHUNK, CHUNKS_IN_FLIGHT, system);
  }

  public ChunkedJournalReader(
      CurrentEventsByPersistenceIdQuery readJournal, int rowsPerChunk, int chunksInFlight, ActorSystem<?> system) {
    if (rowsPerChunk < 1 || chunksInFlight < 1) {
      throw new IllegalArgumentException(
          "rowsPerChunk and chunksInFlight must be positive, were " + rowsPerChunk + " and " + chunksInFlight);
    }
    this.readJournal = readJournal;
    this.rowsPerChunk = rowsPerChunk;
    this.chunksInFlight = chunksInFlight;
    this.system = system;
  }

  /** The rows of sequence numbers {@code first..last} and whether the journal holds one after {@code last}. */
  private record Chunk(long last, List<EventEnvelope> rows, boolean continues) {}

  /**
   * Every row of {@code persistenceId} from sequence number {@code from} (at least 1) to the end of
   * the journal, in sequence order: the same rows as {@code currentEventsByPersistenceId(persistenceId,
   * from, Long.MAX_VALUE)}.
   */
  public Source<EventEnvelope, NotUsed> currentEvents(String persistenceId, long from) {
    long first = Math.max(1, from);
    return Source.unfold(first, start -> Optional.of(Pair.create(start + rowsPerChunk, start)))
        .mapAsync(chunksInFlight, start -> readChunk(persistenceId, start, start + rowsPerChunk - 1))
        .takeWhile(Chunk::continues, true)
        .flatMapConcat(
            chunk ->
                chunk.continues()
                    ? Source.from(chunk.rows())
                    : Source.from(chunk.rows())
                        .concat(
                            Source.lazySource(
                                    () -> readJournal.currentEventsByPersistenceId(persistenceId, chunk.last() + 1, Long.MAX_VALUE))
                                .mapMaterializedValue(ignored -> NotUsed.getInstance())));
  }

  private CompletionStage<Chunk> readChunk(String persistenceId, long first, long last) {
    return readJournal
        .currentEventsByPersistenceId(persistenceId, first, last + 1)
        .runWith(Sink.seq(), system)
        .thenApply(
            envelopes -> {
              List<EventEnvelope> inside = envelopes.stream().filter(envelope -> envelope.sequenceNr() <= last).toList();
              return new Chunk(last, inside, inside.size() < envelopes.size());
            });
  }
}
