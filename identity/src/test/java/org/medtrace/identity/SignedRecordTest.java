package org.medtrace.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;
import org.junit.jupiter.api.Test;

class SignedRecordTest {

  private static final byte[] KEY = "01/0061414100001/L1".getBytes(StandardCharsets.UTF_8);
  private static final byte[] VALUE = "{\"epcisBody\":{}}".getBytes(StandardCharsets.UTF_8);
  private static final String KEY_ID = "ab".repeat(32);
  private final KeyPair keys = NetworkCa.generateKeyPair();
  private final SignedRecord record = SignedRecord.of("medtrace.epcis-events", KEY, VALUE, 1_780_000_000L, KEY_ID);

  @Test
  void canonicalFormIsTheDocumentedLines() {
    String expected =
        "medtrace-signed-record/v1\n"
            + "medtrace.epcis-events\n"
            + SignedForm.sha256Hex(KEY) + "\n"
            + SignedForm.sha256Hex(VALUE) + "\n"
            + "1780000000\n"
            + KEY_ID + "\n";
    assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), record.canonicalBytes());
    // Golden vector: pins the form (a change here is a compatibility event for every producer).
    assertArrayEquals(
        ("medtrace-signed-record/v1\nt\n-\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n0\n" + KEY_ID + "\n")
            .getBytes(StandardCharsets.UTF_8),
        SignedRecord.of("t", null, null, 0, KEY_ID).canonicalBytes(),
        "a record without key and with an empty value");
  }

  @Test
  void signatureVerifiesOnlyForExactlyTheSignedRecord() {
    byte[] signature = record.sign(keys.getPrivate());
    assertTrue(record.verify(keys.getPublic(), signature));

    byte[] otherValue = VALUE.clone();
    otherValue[2] = 'E';
    assertFalse(SignedRecord.of("medtrace.epcis-events", KEY, otherValue, 1_780_000_000L, KEY_ID).verify(keys.getPublic(), signature), "another value");
    assertFalse(SignedRecord.of("medtrace.lab-results", KEY, VALUE, 1_780_000_000L, KEY_ID).verify(keys.getPublic(), signature), "another topic");
    assertFalse(SignedRecord.of("medtrace.epcis-events", "other".getBytes(StandardCharsets.UTF_8), VALUE, 1_780_000_000L, KEY_ID)
        .verify(keys.getPublic(), signature), "another key");
    assertFalse(SignedRecord.of("medtrace.epcis-events", null, VALUE, 1_780_000_000L, KEY_ID).verify(keys.getPublic(), signature), "no key");
    assertFalse(SignedRecord.of("medtrace.epcis-events", KEY, VALUE, 1_780_000_001L, KEY_ID).verify(keys.getPublic(), signature), "another time");
    assertFalse(SignedRecord.of("medtrace.epcis-events", KEY, VALUE, 1_780_000_000L, "cd".repeat(32)).verify(keys.getPublic(), signature), "another key id");
    assertFalse(record.verify(NetworkCa.generateKeyPair().getPublic(), signature), "another signing key");
    // The same bytes signed as an HTTP request do not pass for a record, nor the other way round.
    assertFalse(SignedRequest.of("POST", "/medtrace.epcis-events", VALUE, "n", 1_780_000_000L, KEY_ID).verify(keys.getPublic(), signature));
  }

  @Test
  void storedBytesParseBackToTheSameRecordAndOnlyInCanonicalForm() {
    assertEquals(record, SignedForm.parse(record.canonicalBytes()));
    SignedRequest request = SignedRequest.of("POST", "/api/v1/batches", VALUE, "nonce-1", 1_780_000_000L, KEY_ID);
    assertEquals(request, SignedForm.parse(request.canonicalBytes()));
    assertThrows(IllegalArgumentException.class, () -> SignedRequest.parse(record.canonicalBytes()));

    String canonical = new String(record.canonicalBytes(), StandardCharsets.UTF_8);
    for (String broken :
        List.of(
            canonical.replace("medtrace-signed-record/v1", "medtrace-signed-record/v2"),
            canonical.replace("1780000000", "+1780000000"),
            canonical.substring(0, canonical.length() - 1),
            canonical + "extra\n")) {
      assertThrows(IllegalArgumentException.class, () -> SignedForm.parse(broken.getBytes(StandardCharsets.UTF_8)), broken);
    }
  }

  @Test
  void fieldsThatWouldBreakTheLinesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> SignedRecord.of("t\nx", KEY, VALUE, 1, KEY_ID));
    assertThrows(IllegalArgumentException.class, () -> SignedRecord.of("", KEY, VALUE, 1, KEY_ID));
    assertThrows(IllegalArgumentException.class, () -> SignedRecord.of("t", KEY, VALUE, -1, KEY_ID));
    assertThrows(IllegalArgumentException.class, () -> new SignedRecord("t", "XY", SignedForm.sha256Hex(VALUE), 1, KEY_ID));
  }
}
