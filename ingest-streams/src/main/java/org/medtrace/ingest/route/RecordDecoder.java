package org.medtrace.ingest.route;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Turns one source message into ledger commands, or says precisely why it cannot. A decoder MUST
 * NOT throw for bad input (that would fail the pipeline and redeliver the message forever): bad
 * input is an {@link DecodedItem.Undecodable} item, which goes to the dead-letter topic.
 */
@FunctionalInterface
public interface RecordDecoder {
  DecodedMessage decode(SourceRecord record);

  /**
   * Decodes with what the decoder has to look up first (a unit's lot in the unit index); the
   * pipelines call this one. A failed look-up fails the stage: the message is retried, not
   * dead-lettered, because nothing is wrong with it.
   */
  default CompletionStage<DecodedMessage> decodeAsync(SourceRecord record) {
    return CompletableFuture.completedFuture(decode(record));
  }
}
