package org.medtrace.ingest.pipeline;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.medtrace.ingest.IngestMetrics;
import org.medtrace.ingest.route.DecodeFailure;
import org.medtrace.ingest.route.DecodedMessage;
import org.medtrace.ingest.route.LedgerRouter;
import org.medtrace.ingest.route.MessageOutcome;
import org.medtrace.ingest.route.RecordDecoder;
import org.medtrace.ingest.route.SourceRecord;

/**
 * The decode → route part of every pipeline, as a {@link Flow} that runs from a list in tests and
 * from a Kafka consumer in production: each source message in, its decision out, in the input order
 * (so that offsets can be committed in order after it).
 *
 * <p>Up to {@code parallelism} messages are being decided at once ({@code mapAsync}, which also
 * bounds memory: no more than that are pulled ahead of the oldest undecided one), but never two for
 * the same entity: a message waits for the previous message of its entity (the entity of its first
 * command) to be decided before it is routed. So one entity sees its messages in source order
 * whatever key producers used, and different entities proceed in parallel; a slow entity holds
 * back only what is queued behind it, and once {@code parallelism} messages wait, the consumer.
 *
 * <p>Why not {@code mapAsyncPartitioned}, which promises the same: in Pekko 1.2.x it can leave
 * completed results unemitted and hang the stream (apache/pekko#2886, #2899; fixed after 1.2),
 * which this pipeline hit under load. The chaining here uses only {@code mapAsync}.
 *
 * <p>A message that touches several entities (an EPCIS document with several batches) is ordered
 * by its first entity only; its other entities see it in order with their own first-entity
 * messages but not necessarily with other multi-entity documents.
 */
public final class IngestFlow {

  /** A message to decide, with what the caller needs back (its offset, for Kafka). */
  public record Incoming<P>(SourceRecord record, P passThrough) {}

  /** A message's decision, with its pass-through. */
  public record Decided<P>(SourceRecord record, MessageOutcome outcome, P passThrough) {}

  private IngestFlow() {}

  public static <P> Flow<Incoming<P>, Decided<P>, NotUsed> create(
      RecordDecoder decoder, LedgerRouter router, IngestMetrics metrics, int parallelism) {
    String pipeline = router.pipeline();
    return Flow.<Incoming<P>, Decided<P>, NotUsed>fromMaterializer(
            (materializer, attributes) -> {
              // Per materialization: the last decision of each entity with one under way.
              Map<String, CompletableFuture<?>> underWay = new ConcurrentHashMap<>();
              return Flow.<Incoming<P>>create()
                  .mapAsync(
                      parallelism,
                      incoming ->
                          decodeSafely(decoder, incoming.record())
                              .thenApply(decoded -> new Decoding<>(incoming, decoded)))
                  .mapAsync(parallelism, decoding -> afterPreviousOfItsEntity(underWay, router, decoding))
                  .map(
                      decided -> {
                        MessageOutcome outcome = decided.outcome();
                        metrics.duplicates(pipeline, outcome.alreadyRecorded());
                        if (outcome.isStored()) {
                          metrics.stored(pipeline);
                        } else {
                          metrics.deadLettered(pipeline, outcome.firstDeadLetter().orElseThrow().reasonCode());
                        }
                        return decided;
                      });
            })
        .mapMaterializedValue(ignored -> NotUsed.getInstance());
  }

  /**
   * Routes {@code decoding} once the previous message of its entity is decided. Runs on the stage
   * (one call at a time, in input order); the entries are removed by whichever thread completes
   * them, so the map holds at most {@code parallelism} entities.
   */
  private static <P> CompletionStage<Decided<P>> afterPreviousOfItsEntity(
      Map<String, CompletableFuture<?>> underWay, LedgerRouter router, Decoding<P> decoding) {
    Optional<String> entity = decoding.decoded().orderingKey();
    if (entity.isEmpty()) {
      return decide(router, decoding);
    }
    String key = entity.get();
    CompletableFuture<?> previous = underWay.getOrDefault(key, CompletableFuture.completedFuture(null));
    // A failed predecessor fails the stream anyway; this one only waits for it to settle.
    CompletableFuture<Decided<P>> decided =
        previous.handle((ignored, failure) -> null).thenCompose(ignored -> decide(router, decoding)).toCompletableFuture();
    underWay.put(key, decided);
    decided.whenComplete((ignored, failure) -> underWay.remove(key, decided));
    return decided;
  }

  private record Decoding<P>(Incoming<P> incoming, DecodedMessage decoded) {}

  private static <P> CompletionStage<Decided<P>> decide(LedgerRouter router, Decoding<P> decoding) {
    return router
        .route(decoding.decoded())
        .thenApply(outcome -> new Decided<>(decoding.incoming().record(), outcome, decoding.incoming().passThrough()));
  }

  /**
   * Decoders report bad input as undecodable items; one that throws anyway has a bug, and the
   * message must still not block the topic forever: it goes to the dead-letter topic, named.
   */
  private static CompletionStage<DecodedMessage> decodeSafely(RecordDecoder decoder, SourceRecord record) {
    try {
      return decoder.decodeAsync(record);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(
          DecodedMessage.undecodable("message at " + record.position(), DecodeFailure.MALFORMED, "the decoder failed on it: " + e));
    }
  }

}
