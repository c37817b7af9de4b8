package org.medtrace.persistence.journal;

import java.io.NotSerializableException;
import java.util.Optional;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.JournalRecord;
import org.medtrace.persistence.chain.UnreadableRecord;

/**
 * Puts ledger events into the journal as the bytes of their {@code LedgerEvent} envelope, and reads
 * them back. Reading never throws on bad bytes: it yields an {@link UnreadableRecord}, so that the
 * verifier can name the row and entities can refuse to extend a broken chain.
 */
public final class LedgerEventSerializer extends SerializerWithStringManifest {

  /** Pekko serializer id; stored in every journal row, so it MUST NOT change. */
  public static final int IDENTIFIER = 1_830_001;

  /** Stored in every journal row; the envelope's own format_version says which hashing rules apply. */
  public static final String MANIFEST = "medtrace.ledger.v1.LedgerEvent";

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    return MANIFEST;
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof ChainedEvent event) {
      return event.envelope().toByteArray();
    }
    // An unreadable record is evidence found in the journal; writing it anywhere would launder it.
    throw new IllegalArgumentException("only sealed ledger events are written, not " + o.getClass().getName());
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    if (!MANIFEST.equals(manifest)) {
      return new UnreadableRecord(bytes, Optional.empty(), "unknown manifest '" + manifest + "'");
    }
    return JournalRecord.decode(bytes);
  }
}
