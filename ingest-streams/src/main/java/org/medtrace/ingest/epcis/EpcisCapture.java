package org.medtrace.ingest.epcis;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.ingest.IngestMetrics;
import org.medtrace.ingest.route.ItemOutcome;
import org.medtrace.ingest.route.LedgerRouter;
import org.medtrace.ingest.route.MessageOutcome;

/**
 * EPCIS capture outside Kafka (the HTTP API's {@code POST /api/v1/epcis/capture}): the same
 * decoding and routing as the EPCIS pipeline, with the authenticated caller acting as itself in
 * every event (not as the organisations its GLNs name: only the configured gateway may), so the
 * batch's permissions and custody rules decide which of its events are recorded.
 *
 * <p>The returned stage completes with one outcome per event, in document order, once every event
 * is stored, refused or found undecodable; it fails if an entity did not answer in time, in which
 * case the caller may safely send the document again (events already stored are recognised).
 */
public final class EpcisCapture {

  private final EpcisDecoder decoder;
  private final LedgerRouter router;
  private final IngestMetrics metrics;

  public EpcisCapture(EpcisDecoder decoder, LedgerRouter router, IngestMetrics metrics) {
    this.decoder = decoder;
    this.router = router;
    this.metrics = metrics;
  }

  public CompletionStage<List<ItemOutcome>> capture(byte[] document, ActingParty caller) {
    return decoder
        .decodeAsync(document, caller, "captured EPCIS document")
        .thenCompose(router::route)
        .thenApply(
            outcome -> {
              count(outcome);
              return outcome.items();
            });
  }

  private void count(MessageOutcome outcome) {
    String pipeline = router.pipeline();
    metrics.duplicates(pipeline, outcome.alreadyRecorded());
    for (ItemOutcome item : outcome.items()) {
      if (item instanceof ItemOutcome.DeadLettered refused) {
        metrics.deadLettered(pipeline, refused.reasonCode());
      } else {
        metrics.stored(pipeline);
      }
    }
  }
}
