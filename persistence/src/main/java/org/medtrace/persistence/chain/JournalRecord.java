package org.medtrace.persistence.chain;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Optional;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.LedgerEvent;

/**
 * What one journal row decodes to: a readable {@link ChainedEvent}, or an {@link UnreadableRecord}
 * when the stored bytes are not a valid ledger event. Decoding never throws on bad bytes, so that
 * the verifier can name the row and an entity can refuse to extend a broken chain, instead of a
 * replay failing with no position.
 */
public sealed interface JournalRecord permits ChainedEvent, UnreadableRecord {

  /**
   * Decodes a stored row's bytes (a serialized {@link LedgerEvent}). Needs only protobuf, so the
   * journal serializer and readers of exported rows (the offline verifier) share it.
   */
  static JournalRecord decode(byte[] bytes) {
    LedgerEvent envelope;
    try {
      envelope = LedgerEvent.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      return new UnreadableRecord(bytes, Optional.empty(), "not a LedgerEvent: " + e.getMessage());
    }
    try {
      return new ChainedEvent(envelope, EventBody.parseFrom(envelope.getBody()));
    } catch (InvalidProtocolBufferException e) {
      return new UnreadableRecord(bytes, Optional.of(envelope), "body is not an EventBody: " + e.getMessage());
    }
  }
}
