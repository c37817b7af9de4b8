package org.medtrace.persistence.chain;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.LedgerEvent;

/**
 * Verifies one entity's chain, one stored row at a time, in journal order. It needs only the rows
 * and the trusted keys: the journal verifier feeds it from Cassandra, an offline verifier can feed it
 * from an export file, and entities use it while they recover.
 *
 * <p>Each row is checked in this order, and the first failure is the verdict:
 *
 * <ol>
 *   <li>its sequence number is the next one ({@link BreakReason#SEQUENCE_GAP} if one is missing);
 *   <li>its bytes decode ({@link BreakReason#UNREADABLE_ROW}), unless the envelope decoded and its
 *       stored hash no longer matches the body bytes, which is reported as a hash mismatch;
 *   <li>the stored hash equals SHA-256(prefix || prev_hash || body) ({@link BreakReason#HASH_MISMATCH});
 *   <li>the body was recorded for this entity at this position, and its prev_hash is the previous
 *       event's hash ({@link BreakReason#BROKEN_LINK});
 *   <li>a signature, where present, is valid under a trusted key ({@link BreakReason#BAD_SIGNATURE}).
 * </ol>
 *
 * <p>{@link #acceptAll} checks the signatures of many rows in parallel first (each depends only on
 * its row and the keys) and then the rest of each row in order, with the same verdict as {@link
 * #accept} row by row.
 *
 * <p>Not thread-safe: one instance verifies one pass over one chain.
 */
public final class ChainVerifier {

  private final String entityType;
  private final String entityId;
  private final TrustedKeys trustedKeys;
  private final boolean checkSignatures;
  private ChainHead head;
  private VerificationResult.Broken broken;

  public ChainVerifier(String entityType, String entityId, TrustedKeys trustedKeys) {
    this(ChainHead.genesis(entityType, entityId), trustedKeys);
  }

  /** A verifier that continues after {@code head}, e.g. from a snapshot. */
  public ChainVerifier(ChainHead head, TrustedKeys trustedKeys) {
    this(head, trustedKeys, true);
  }

  private ChainVerifier(ChainHead head, TrustedKeys trustedKeys, boolean checkSignatures) {
    this.entityType = head.entityType();
    this.entityId = head.entityId();
    this.trustedKeys = trustedKeys;
    this.checkSignatures = checkSignatures;
    this.head = head;
  }

  /**
   * Checks that {@code record} is a valid successor of {@code head}, without signatures: what an
   * entity checks on every event it applies, so that it never extends a broken chain. Signatures
   * are the verifier's business (it holds the trusted keys).
   *
   * @return empty when the record extends the chain
   */
  public static Optional<VerificationResult.Broken> checkLink(ChainHead head, JournalRecord record) {
    long storedSequenceNumber =
        record instanceof ChainedEvent event ? event.sequenceNumber() : head.sequenceNumber() + 1;
    ChainVerifier verifier = new ChainVerifier(head, TrustedKeys.none(), false);
    return Optional.ofNullable(verifier.check(storedSequenceNumber, record, Optional.empty()));
  }

  /** A row as the journal stores it: its sequence number there, and its record. */
  public record StoredRow(long storedSequenceNumber, JournalRecord record) {}

  /**
   * Checks the next stored row.
   *
   * @param storedSequenceNumber the sequence number under which the journal holds the row
   * @return the break, if this row is where the chain breaks (or it broke before)
   */
  public Optional<VerificationResult.Broken> accept(long storedSequenceNumber, JournalRecord record) {
    if (broken == null) {
      advance(storedSequenceNumber, record, signatureProblem(record));
    }
    return Optional.ofNullable(broken);
  }

  /**
   * Checks the next stored rows, in order: the same verdict as {@link #accept} for each row in
   * turn, but the rows' signatures are checked in parallel (on the common fork-join pool and the
   * calling thread) before their links are followed one by one. The more rows at once, the better
   * the signature checks spread over the cores; a few hundred is plenty.
   *
   * @return the break, if it is among these rows (or the chain broke before)
   */
  public Optional<VerificationResult.Broken> acceptAll(List<StoredRow> rows) {
    if (broken != null) {
      return Optional.of(broken);
    }
    List<Optional<String>> signatureProblems =
        checkSignatures && rows.size() > 1
            ? rows.parallelStream().map(row -> signatureProblem(row.record())).toList()
            : rows.stream().map(row -> signatureProblem(row.record())).toList();
    for (int i = 0; i < rows.size() && broken == null; i++) {
      advance(rows.get(i).storedSequenceNumber(), rows.get(i).record(), signatureProblems.get(i));
    }
    return Optional.ofNullable(broken);
  }

  private void advance(long storedSequenceNumber, JournalRecord record, Optional<String> signatureProblem) {
    broken = check(storedSequenceNumber, record, signatureProblem);
    if (broken == null) {
      head = head.advanceTo((ChainedEvent) record);
    }
  }

  /** The verdict over the rows accepted so far. */
  public VerificationResult result() {
    return broken != null
        ? broken
        : new VerificationResult.Intact(entityType, entityId, head.sequenceNumber(), head.hashHex());
  }

  /**
   * @param signatureProblem what {@link #signatureProblem} found for this record; it is the verdict
   *     only if everything before it in the order of the class comment holds
   */
  private VerificationResult.Broken check(
      long storedSequenceNumber, JournalRecord record, Optional<String> signatureProblem) {
    long expected = head.sequenceNumber() + 1;
    if (storedSequenceNumber > expected) {
      return brokenAt(
          expected,
          BreakReason.SEQUENCE_GAP,
          "sequence number " + expected + " is missing: the next stored row is " + storedSequenceNumber);
    }
    if (storedSequenceNumber < expected) {
      return brokenAt(
          expected,
          BreakReason.SEQUENCE_GAP,
          "expected sequence number " + expected + ", found " + storedSequenceNumber + " again");
    }
    if (record instanceof UnreadableRecord unreadable) {
      return unreadable
          .envelope()
          .filter(envelope -> !hashMatches(envelope))
          .map(envelope -> hashMismatch(expected, envelope))
          .orElseGet(() -> brokenAt(expected, BreakReason.UNREADABLE_ROW, unreadable.problem()));
    }
    ChainedEvent event = (ChainedEvent) record;
    LedgerEvent envelope = event.envelope();
    if (envelope.getFormatVersion() != LedgerFormat.FORMAT_VERSION) {
      return brokenAt(
          expected,
          BreakReason.UNREADABLE_ROW,
          "format version " + envelope.getFormatVersion() + " is not " + LedgerFormat.FORMAT_VERSION);
    }
    if (!hashMatches(envelope)) {
      return hashMismatch(expected, envelope);
    }
    EventBody body = event.body();
    if (!body.getEntityType().equals(entityType)
        || !body.getEntityId().equals(entityId)
        || body.getSequenceNumber() != expected) {
      return brokenAt(
          expected,
          BreakReason.BROKEN_LINK,
          "row "
              + expected
              + " holds the event recorded as "
              + body.getEntityType()
              + " "
              + body.getEntityId()
              + " #"
              + body.getSequenceNumber());
    }
    if (!Arrays.equals(envelope.getPrevHash().toByteArray(), head.hash())) {
      return brokenAt(
          expected,
          BreakReason.BROKEN_LINK,
          "prev_hash "
              + event.prevHashHex()
              + " is not the hash of event "
              + head.sequenceNumber()
              + " ("
              + head.hashHex()
              + ")");
    }
    if (signatureProblem.isPresent()) {
      return brokenAt(expected, BreakReason.BAD_SIGNATURE, signatureProblem.get());
    }
    return null;
  }

  /**
   * Why the signature of {@code record} (over its stored hash) is not valid under a trusted key;
   * empty when it is valid, when the record is unsigned, is not a readable event, or when this
   * verifier does not check signatures. Depends on nothing but the record and the keys, so it may
   * run on any thread, before the record's turn.
   */
  private Optional<String> signatureProblem(JournalRecord record) {
    if (!checkSignatures || !(record instanceof ChainedEvent event)) {
      return Optional.empty();
    }
    LedgerEvent envelope = event.envelope();
    if (envelope.getSignature().isEmpty() && envelope.getKeyId().isEmpty()) {
      return Optional.empty();
    }
    return envelope.getSignature().isEmpty()
        ? Optional.of("key id '" + envelope.getKeyId() + "' is present but the signature is missing")
        : trustedKeys.problemWith(envelope.getKeyId(), event.hash(), envelope.getSignature().toByteArray());
  }

  private static boolean hashMatches(LedgerEvent envelope) {
    return envelope.getPrevHash().size() == LedgerFormat.HASH_LENGTH
        && Arrays.equals(
            HashChain.link(envelope.getPrevHash().toByteArray(), envelope.getBody().toByteArray()),
            envelope.getHash().toByteArray());
  }

  private VerificationResult.Broken hashMismatch(long sequenceNumber, LedgerEvent envelope) {
    return brokenAt(
        sequenceNumber,
        BreakReason.HASH_MISMATCH,
        "stored hash "
            + HashChain.hex(envelope.getHash().toByteArray())
            + " does not match the stored body and prev_hash");
  }

  private VerificationResult.Broken brokenAt(long sequenceNumber, BreakReason reason, String detail) {
    return new VerificationResult.Broken(
        entityType, entityId, sequenceNumber, reason, detail, head.sequenceNumber());
  }
}
