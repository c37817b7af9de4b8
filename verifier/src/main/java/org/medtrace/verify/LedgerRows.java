package org.medtrace.verify;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Optional;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.LedgerEvent;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.JournalRecord;
import org.medtrace.persistence.chain.UnreadableRecord;

/**
 * Decodes stored ledger event bytes into the chain verifier's records. It mirrors
 * {@code LedgerEventSerializer.decode}, which cannot be used here: that class is a Pekko
 * serializer and would pull Pekko onto the verifier's classpath.
 */
final class LedgerRows {

  private LedgerRows() {}

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
