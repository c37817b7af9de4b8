package org.medtrace.ingest.pipeline;

import java.util.concurrent.CompletableFuture;
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
 * <p>Routing runs with {@code mapAsyncPartitioned}: up to {@code parallelism} messages are with
 * their entities at once, but never two for the same entity (partitioned by the entity of the
 * message's first command), so one entity sees its messages in source order while different
 * entities proceed in parallel. This keeps order per entity whatever key producers used, and a slow
 * entity holds back only the messages behind it in the buffer, which bounds memory: at most {@code
 * parallelism} messages are pulled ahead of the oldest one not yet decided.
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
    return Flow.<Incoming<P>>create()
        .mapAsync(
            parallelism,
            incoming -> decodeSafely(decoder, incoming.record()).thenApply(decoded -> new Decoding<>(incoming, decoded)))
        .mapAsyncPartitioned(
            parallelism,
            decoding -> decoding.decoded().orderingKey().orElse(decoding.incoming().record().position()),
            (decoding, entityKey) -> decide(router, decoding))
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
