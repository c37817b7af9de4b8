package org.medtrace.persistence.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.medtrace.ledger.v1.LedgerEvent;
import org.medtrace.persistence.journal.LedgerEventSerializer;

class ChainVerifierTest {

  private static final String TYPE = LedgerFixtures.BATCH_TYPE;
  private static final String ID = LedgerFixtures.BATCH_ID;

  /** A journal row as the verifier sees it: the sequence number it is stored under and its bytes. */
  private record Row(long sequenceNumber, byte[] bytes) {}

  @Test
  void intactChainReportsLengthAndHeadHash() {
    List<ChainedEvent> chain = LedgerFixtures.chain(5, Optional.empty());
    VerificationResult result = verify(rows(chain), TrustedKeys.none());
    assertEquals(new VerificationResult.Intact(TYPE, ID, 5, chain.get(4).hashHex()), result);
  }

  @Test
  void emptyChainIsIntactAtGenesis() {
    assertEquals(
        new VerificationResult.Intact(TYPE, ID, 0, HashChain.hex(HashChain.genesis(TYPE, ID))),
        verify(List.of(), TrustedKeys.none()));
  }

  @Test
  void changedBodyByteIsAHashMismatchAtThatEvent() {
    List<Row> rows = rows(LedgerFixtures.chain(5, Optional.empty()));
    LedgerEvent third = parse(rows.get(2));
    byte[] body = third.getBody().toByteArray();
    body[body.length - 1] ^= 0x01; // e.g. 4.0 degrees becomes another value
    rows.set(2, new Row(3, third.toBuilder().setBody(ByteString.copyFrom(body)).build().toByteArray()));

    assertBroken(verify(rows, TrustedKeys.none()), 3, BreakReason.HASH_MISMATCH, 2);
  }

  @Test
  void rewrittenEventWithRecomputedHashBreaksTheNextLink() {
    List<ChainedEvent> chain = LedgerFixtures.chain(5, Optional.empty());
    // An editor who knows the format recomputes the edited event's hash; the successor still names
    // the original hash.
    ChainHead afterFirst = ChainHead.genesis(TYPE, ID).advanceTo(chain.get(0));
    ChainedEvent forged =
        ChainedEvent.seal(afterFirst, LedgerFixtures.temperatureBody(1, 5.5), Optional.empty());
    List<Row> rows = rows(chain);
    rows.set(1, new Row(2, forged.envelope().toByteArray()));

    assertBroken(verify(rows, TrustedKeys.none()), 3, BreakReason.BROKEN_LINK, 2);
  }

  @Test
  void deletedRowIsASequenceGap() {
    List<Row> rows = rows(LedgerFixtures.chain(5, Optional.empty()));
    rows.remove(3);
    assertBroken(verify(rows, TrustedKeys.none()), 4, BreakReason.SEQUENCE_GAP, 3);
  }

  @Test
  void swappedPayloadsAreABrokenLinkAtTheFirstSwappedRow() {
    List<Row> rows = rows(LedgerFixtures.chain(5, Optional.empty()));
    byte[] second = rows.get(1).bytes();
    rows.set(1, new Row(2, rows.get(3).bytes()));
    rows.set(3, new Row(4, second));
    VerificationResult result = verify(rows, TrustedKeys.none());
    assertBroken(result, 2, BreakReason.BROKEN_LINK, 1);
    assertTrue(((VerificationResult.Broken) result).detail().contains("#4"), result.toString());
  }

  @Test
  void garbageBytesAreAnUnreadableRow() {
    List<Row> rows = rows(LedgerFixtures.chain(3, Optional.empty()));
    rows.set(1, new Row(2, new byte[] {(byte) 0xff, (byte) 0xff, 0x01}));
    assertBroken(verify(rows, TrustedKeys.none()), 2, BreakReason.UNREADABLE_ROW, 1);
  }

  @Test
  void signedChainVerifiesUnderTheTrustedKey() {
    List<ChainedEvent> chain = LedgerFixtures.chain(4, Optional.of(LedgerFixtures.rfc8032Signer()));
    assertInstanceOf(
        VerificationResult.Intact.class, verify(rows(chain), LedgerFixtures.rfc8032TrustedKeys()));
  }

  @Test
  void signatureByAnUntrustedKeyIsABadSignature() {
    List<ChainedEvent> chain = LedgerFixtures.chain(2, Optional.of(LedgerFixtures.rfc8032Signer()));
    assertBroken(verify(rows(chain), TrustedKeys.none()), 1, BreakReason.BAD_SIGNATURE, 0);
  }

  @Test
  void alteredSignatureIsABadSignature() {
    List<Row> rows = rows(LedgerFixtures.chain(3, Optional.of(LedgerFixtures.rfc8032Signer())));
    flipSignatureBit(rows, 1, 0, 0x40);
    VerificationResult result = verify(rows, LedgerFixtures.rfc8032TrustedKeys());
    assertBroken(result, 2, BreakReason.BAD_SIGNATURE, 1);
    // What the JDK says of it, which has the last word on a rejected signature.
    assertTrue(((VerificationResult.Broken) result).detail().startsWith("signature does not match the hash under key"), result.toString());
  }

  @Test
  void signatureOfTheWrongLengthIsABadSignature() {
    List<Row> rows = rows(LedgerFixtures.chain(2, Optional.of(LedgerFixtures.rfc8032Signer())));
    LedgerEvent first = parse(rows.get(0));
    rows.set(0, new Row(1, first.toBuilder().setSignature(first.getSignature().substring(0, 63)).build().toByteArray()));
    assertBroken(verify(rows, LedgerFixtures.rfc8032TrustedKeys()), 1, BreakReason.BAD_SIGNATURE, 0);
  }

  @Test
  void strippedSignatureWithKeyIdLeftIsABadSignature() {
    List<Row> rows = rows(LedgerFixtures.chain(2, Optional.of(LedgerFixtures.rfc8032Signer())));
    LedgerEvent first = parse(rows.get(0));
    rows.set(0, new Row(1, first.toBuilder().clearSignature().build().toByteArray()));
    assertBroken(verify(rows, LedgerFixtures.rfc8032TrustedKeys()), 1, BreakReason.BAD_SIGNATURE, 0);
  }

  @Test
  void signaturesCheckedTogetherStillBreakAtTheFirstBadRowInOrder() {
    // Enough rows that the parallel check splits them; the later bad signature is found first by
    // some thread, but the earlier changed body is the verdict, as row by row.
    List<Row> rows = rows(LedgerFixtures.chain(300, Optional.of(LedgerFixtures.rfc8032Signer())));
    flipSignatureBit(rows, 250, 10, 0x01);
    assertBroken(verify(rows, LedgerFixtures.rfc8032TrustedKeys()), 251, BreakReason.BAD_SIGNATURE, 250);

    LedgerEvent early = parse(rows.get(99));
    byte[] body = early.getBody().toByteArray();
    body[body.length - 1] ^= 0x01;
    rows.set(99, new Row(100, early.toBuilder().setBody(ByteString.copyFrom(body)).build().toByteArray()));
    assertBroken(verify(rows, LedgerFixtures.rfc8032TrustedKeys()), 100, BreakReason.HASH_MISMATCH, 99);
  }

  @Test
  void eventOfAnotherEntityIsABrokenLink() {
    List<Row> rows = rows(LedgerFixtures.chain(2, Optional.empty()));
    ChainVerifier verifier = new ChainVerifier(TYPE, "09506000134352/OTHER", TrustedKeys.none());
    rows.forEach(row -> verifier.accept(row.sequenceNumber(), JournalRecord.decode(row.bytes())));
    assertBroken(verifier.result(), 1, BreakReason.BROKEN_LINK, 0);
  }

  private static void assertBroken(
      VerificationResult result, long sequenceNumber, BreakReason reason, long intactLength) {
    VerificationResult.Broken broken = assertInstanceOf(VerificationResult.Broken.class, result);
    assertEquals(sequenceNumber, broken.sequenceNumber(), result.toString());
    assertEquals(reason, broken.reason(), result.toString());
    assertEquals(intactLength, broken.intactLength(), result.toString());
  }

  /**
   * The verdict of {@link ChainVerifier#accept} row by row; {@link ChainVerifier#acceptAll} must
   * give the very same (reason, position and detail), whatever the rows' grouping.
   */
  private static VerificationResult verify(List<Row> rows, TrustedKeys keys) {
    ChainVerifier verifier = new ChainVerifier(TYPE, ID, keys);
    for (Row row : rows) {
      if (verifier.accept(row.sequenceNumber(), JournalRecord.decode(row.bytes())).isPresent()) {
        break;
      }
    }
    VerificationResult result = verifier.result();
    for (int groupSize : new int[] {1, 2, Math.max(1, rows.size())}) {
      assertEquals(result, verifyInGroups(rows, keys, groupSize), "acceptAll in groups of " + groupSize);
    }
    return result;
  }

  private static VerificationResult verifyInGroups(List<Row> rows, TrustedKeys keys, int groupSize) {
    ChainVerifier verifier = new ChainVerifier(TYPE, ID, keys);
    for (int from = 0; from < rows.size(); from += groupSize) {
      List<ChainVerifier.StoredRow> group =
          rows.subList(from, Math.min(rows.size(), from + groupSize)).stream()
              .map(row -> new ChainVerifier.StoredRow(row.sequenceNumber(), JournalRecord.decode(row.bytes())))
              .toList();
      if (verifier.acceptAll(group).isPresent()) {
        break;
      }
    }
    return verifier.result();
  }

  private static List<Row> rows(List<ChainedEvent> chain) {
    List<Row> rows = new ArrayList<>();
    for (ChainedEvent event : chain) {
      rows.add(new Row(event.sequenceNumber(), event.envelope().toByteArray()));
    }
    return rows;
  }

  /** Flips {@code bit} of byte {@code byteIndex} of the signature of row {@code index} (from 0). */
  private static void flipSignatureBit(List<Row> rows, int index, int byteIndex, int bit) {
    LedgerEvent event = parse(rows.get(index));
    byte[] signature = event.getSignature().toByteArray();
    signature[byteIndex] ^= bit;
    rows.set(
        index,
        new Row(rows.get(index).sequenceNumber(), event.toBuilder().setSignature(ByteString.copyFrom(signature)).build().toByteArray()));
  }

  private static LedgerEvent parse(Row row) {
    return ((ChainedEvent) JournalRecord.decode(row.bytes())).envelope();
  }
}
