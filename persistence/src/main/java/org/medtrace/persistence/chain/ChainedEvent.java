package org.medtrace.persistence.chain;

import com.google.protobuf.ByteString;
import java.util.Optional;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.LedgerEvent;

/**
 * One event of an entity's chain: the stored envelope and its decoded body. The envelope is the
 * truth (its body bytes are what was hashed); the decoded body is there so that handlers need not
 * parse it again.
 */
public record ChainedEvent(LedgerEvent envelope, EventBody body) implements JournalRecord {

  /**
   * Seals the next event after {@code head}: fills in entity type, entity id and sequence number,
   * serializes the body once, hashes those very bytes onto the chain and, when a signer is given,
   * signs the hash.
   */
  public static ChainedEvent seal(ChainHead head, EventBody.Builder body, Optional<LedgerSigner> signer) {
    byte[] bodyBytes =
        body.setEntityType(head.entityType())
            .setEntityId(head.entityId())
            .setSequenceNumber(head.sequenceNumber() + 1)
            .build()
            .toByteArray();
    byte[] prevHash = head.hash();
    byte[] hash = HashChain.link(prevHash, bodyBytes);
    LedgerEvent.Builder envelope =
        LedgerEvent.newBuilder()
            .setFormatVersion(LedgerFormat.FORMAT_VERSION)
            .setBody(ByteString.copyFrom(bodyBytes))
            .setPrevHash(ByteString.copyFrom(prevHash))
            .setHash(ByteString.copyFrom(hash));
    signer.ifPresent(
        s -> envelope.setSignature(ByteString.copyFrom(s.sign(hash))).setKeyId(s.keyId()));
    return new ChainedEvent(envelope.build(), body.build());
  }

  public long sequenceNumber() {
    return body.getSequenceNumber();
  }

  public byte[] hash() {
    return envelope.getHash().toByteArray();
  }

  public String hashHex() {
    return HashChain.hex(hash());
  }

  public String prevHashHex() {
    return HashChain.hex(envelope.getPrevHash().toByteArray());
  }
}
