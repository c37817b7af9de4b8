package org.medtrace.http;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.medtrace.actors.ledger.ActingParty;

/**
 * Records a GS1 EPCIS 2.0 document's events on the ledger, through the same decoding and routing
 * as the supply-chain topic. The node provides it from its ingest pipelines; this module only knows
 * the contract, so that the API does not depend on Kafka.
 */
public interface EpcisCaptureService {

  /**
   * What became of one event of a document.
   *
   * @param event the event's label (its eventID, or its position in the document)
   * @param stored whether the ledger holds the event's commands (newly, or from an earlier capture)
   * @param reason why it was refused, when it was (a dead-letter reason code, e.g. {@code MALFORMED})
   */
  record CapturedEvent(String event, boolean stored, int accepted, int alreadyRecorded, String reason, String message) {}

  /**
   * Captures {@code document} with {@code caller} as the acting party of every event. Fails when
   * the ledger cannot be reached; an event the ledger refuses is an outcome, not a failure.
   */
  CompletionStage<List<CapturedEvent>> capture(byte[] document, ActingParty caller);
}
