package org.medtrace.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SignedRequestTest {

  private static final byte[] BODY = "{\"quantity\":3}".getBytes(StandardCharsets.UTF_8);
  private final KeyPair keys = NetworkCa.generateKeyPair();
  private final SignedRequest request = SignedRequest.of("post", "/api/v1/batches/x/y/receipts", BODY, "key-1", 1_780_000_000L, "ab".repeat(32));

  @Test
  void canonicalFormIsTheDocumentedLines() {
    String expected =
        "medtrace-signed-request/v1\n"
            + "POST\n"
            + "/api/v1/batches/x/y/receipts\n"
            + SignedForm.sha256Hex(BODY) + "\n"
            + "key-1\n"
            + "1780000000\n"
            + "ab".repeat(32) + "\n";
    assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), request.canonicalBytes());
    // SHA-256("") as a fixed point of the form: the body of a request without one.
    assertTrue(SignedRequest.of("POST", "/x", new byte[0], "n", 0, "k").bodySha256Hex()
        .equals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  }

  @Test
  void signatureVerifiesOnlyForExactlyTheSignedRequest() {
    byte[] signature = request.sign(keys.getPrivate());
    assertTrue(request.verify(keys.getPublic(), signature));

    byte[] otherBody = BODY.clone();
    otherBody[otherBody.length - 2] = '4';
    assertFalse(SignedRequest.of("POST", request.target(), otherBody, "key-1", 1_780_000_000L, request.keyId()).verify(keys.getPublic(), signature));
    assertFalse(SignedRequest.of("POST", "/api/v1/batches/x/z/receipts", BODY, "key-1", 1_780_000_000L, request.keyId()).verify(keys.getPublic(), signature));
    assertFalse(SignedRequest.of("PUT", request.target(), BODY, "key-1", 1_780_000_000L, request.keyId()).verify(keys.getPublic(), signature));
    assertFalse(SignedRequest.of("POST", request.target(), BODY, "key-2", 1_780_000_000L, request.keyId()).verify(keys.getPublic(), signature));
    assertFalse(SignedRequest.of("POST", request.target(), BODY, "key-1", 1_780_000_001L, request.keyId()).verify(keys.getPublic(), signature));
    assertFalse(request.verify(NetworkCa.generateKeyPair().getPublic(), signature), "another key");
    byte[] tampered = signature.clone();
    tampered[10] ^= 1;
    assertFalse(request.verify(keys.getPublic(), tampered), "a flipped bit");
    assertFalse(request.verify(keys.getPublic(), new byte[3]), "not a signature at all");
  }

  @Test
  void canonicalTargetIsTheSameWhateverTheClientEscaped() {
    String expected = "/api/v1/devices/%2801%2900643169007222%2821%29SN-1%2F%C3%A9/usage?x=%2F";
    assertEquals(expected, SignedRequest.canonicalTarget("/api/v1/devices/(01)00643169007222(21)SN-1%2F\u00e9/usage?x=%2F"));
    assertEquals(expected, SignedRequest.canonicalTarget("/api/v1/devices/%2801%2900643169007222%2821%29SN-1%2f%C3%A9/usage?x=%2F"));
    assertEquals(
        expected,
        SignedRequest.canonicalTarget(List.of("api", "v1", "devices", "(01)00643169007222(21)SN-1/\u00e9", "usage"), Optional.of("x=%2F")));
    assertEquals("/api/v1/batches", SignedRequest.canonicalTarget("/api/v1/batches"));
    assertThrows(IllegalArgumentException.class, () -> SignedRequest.canonicalTarget("/api/v1/devices/bad%2"));
  }

  @Test
  void fieldsWithLineBreaksAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> SignedRequest.of("POST", "/x\nPOST", BODY, "n", 1, "k"));
    assertThrows(IllegalArgumentException.class, () -> SignedRequest.of("POST", "/x", BODY, "", 1, "k"));
  }

  @Test
  void storedBytesParseBackToTheSameRequestAndNothingElseDoes() {
    SignedRequest request = SignedRequest.of("POST", "/api/v1/batches", "{}".getBytes(StandardCharsets.UTF_8), "reg-1", 1_790_000_000L, "ab".repeat(32));

    assertEquals(request, SignedRequest.parse(request.canonicalBytes()));
    String canonical = new String(request.canonicalBytes(), StandardCharsets.UTF_8);
    for (String bad :
        List.of(
            canonical.replace("POST", "post"),
            canonical.replace("1790000000", "+1790000000"),
            canonical.replace("medtrace-signed-request/v1", "medtrace-signed-request/v2"),
            canonical.substring(0, canonical.length() - 1),
            canonical + "extra\n")) {
      assertThrows(IllegalArgumentException.class, () -> SignedRequest.parse(bad.getBytes(StandardCharsets.UTF_8)), bad);
    }
  }
}
