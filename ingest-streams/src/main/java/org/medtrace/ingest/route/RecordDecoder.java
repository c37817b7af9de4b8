package org.medtrace.ingest.route;

/**
 * Turns one source message into ledger commands, or says precisely why it cannot. A decoder MUST
 * NOT throw for bad input (that would fail the pipeline and redeliver the message forever): bad
 * input is an {@link DecodedItem.Undecodable} item, which goes to the dead-letter topic.
 */
@FunctionalInterface
public interface RecordDecoder {
  DecodedMessage decode(SourceRecord record);
}
