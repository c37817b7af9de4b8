package org.medtrace.identity;

import java.util.List;

/**
 * The canonical form of a signed Kafka record: what an organisation signs so that the ledger can
 * prove it produced exactly this record to exactly this topic. UTF-8, each line ending in one
 * {@code \n}:
 *
 * <pre>
 *   medtrace-signed-record/v1
 *   &lt;topic&gt;
 *   &lt;SHA-256 of the record key bytes, 64 lower-case hex digits, or "-" when the record has no key&gt;
 *   &lt;SHA-256 of the record value bytes, 64 lower-case hex digits&gt;
 *   &lt;signed at: POSIX seconds, decimal&gt;
 *   &lt;key id: the certificate's SHA-256 fingerprint, 64 lower-case hex digits&gt;
 * </pre>
 *
 * The key is hashed because Kafka keys are bytes and may hold anything, a line may not. There is no
 * separate nonce line (the HTTP form's Idempotency-Key): every ingest format carries its message id
 * inside the value (HL7 MSH-10, a reading's sensor and sequence number, an EPCIS eventID), which the
 * entities use as the idempotency key, and the value hash binds it. A second id beside it would
 * protect nothing the ledger checks. Partition and offset are not signed: the producer does not
 * choose them, and a dead letter replayed to its topic keeps its signature.
 *
 * <p>Signed, verified and checked as every {@link SignedForm}.
 */
public record SignedRecord(String topic, String keySha256Hex, String valueSha256Hex, long signedAtEpochSeconds, String keyId)
    implements SignedForm {

  public static final String FORMAT_LINE = "medtrace-signed-record/v1";

  /** The key line of a record without a key. */
  public static final String NO_KEY = "-";

  public SignedRecord {
    SignedForm.requireLine("topic", topic);
    if (!NO_KEY.equals(keySha256Hex)) {
      SignedForm.requireSha256Hex("record key hash", keySha256Hex);
    }
    SignedForm.requireSha256Hex("record value hash", valueSha256Hex);
    SignedForm.requireSigningTime(signedAtEpochSeconds);
    SignedForm.requireLine("key id", keyId);
  }

  /**
   * The record with {@code key} (null: none) and {@code value} (null is the empty value, as Kafka
   * delivers a tombstone), signed at {@code signedAtEpochSeconds} with key {@code keyId}.
   */
  public static SignedRecord of(String topic, byte[] key, byte[] value, long signedAtEpochSeconds, String keyId) {
    return new SignedRecord(
        topic,
        key == null ? NO_KEY : SignedForm.sha256Hex(key),
        SignedForm.sha256Hex(value == null ? new byte[0] : value),
        signedAtEpochSeconds,
        keyId);
  }

  @Override
  public List<String> lines() {
    return List.of(FORMAT_LINE, topic, keySha256Hex, valueSha256Hex, Long.toString(signedAtEpochSeconds), keyId);
  }

  /** The record of these lines (the format line first), checked as the constructor checks. */
  static SignedRecord fromLines(List<String> lines) {
    SignedForm.requireLineCount(lines, 6);
    return new SignedRecord(lines.get(1), lines.get(2), lines.get(3), SignedForm.signingTime(lines.get(4)), lines.get(5));
  }
}
