package org.medtrace.identity;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The canonical form of a signed submission: what an organisation signs with its certificate's key
 * so that the ledger can prove it asked for exactly this write. UTF-8, each line ending in one
 * {@code \n}:
 *
 * <pre>
 *   medtrace-signed-request/v1
 *   &lt;method, upper case&gt;
 *   &lt;request target: the path and, if any, '?' and the query, exactly as sent (percent-encoding kept)&gt;
 *   &lt;SHA-256 of the body bytes, 64 lower-case hex digits (of the empty string when there is none)&gt;
 *   &lt;nonce: the Idempotency-Key header&gt;
 *   &lt;signed at: POSIX seconds, decimal&gt;
 *   &lt;key id: the certificate's SHA-256 fingerprint, 64 lower-case hex digits&gt;
 * </pre>
 *
 * The signature is Ed25519 over these bytes. No field may contain a control character, so the
 * lines cannot be shifted into one another. Changing this form is a compatibility event: the
 * first line names its version, and events store the exact bytes that were signed.
 */
public record SignedRequest(
    String method, String target, String bodySha256Hex, String nonce, long signedAtEpochSeconds, String keyId) {

  public static final String FORMAT_LINE = "medtrace-signed-request/v1";

  public SignedRequest {
    method = method.toUpperCase(Locale.ROOT);
    requireLine("method", method);
    requireLine("request target", target);
    requireLine("nonce", nonce);
    requireLine("key id", keyId);
    if (!bodySha256Hex.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("the body hash must be 64 lower-case hex digits");
    }
    if (signedAtEpochSeconds < 0) {
      throw new IllegalArgumentException("the signing time must not be before 1970");
    }
  }

  /** The request {@code method target} with {@code body}, signed at {@code signedAtEpochSeconds} with key {@code keyId}. */
  public static SignedRequest of(String method, String target, byte[] body, String nonce, long signedAtEpochSeconds, String keyId) {
    return new SignedRequest(method, target, sha256Hex(body), nonce, signedAtEpochSeconds, keyId);
  }

  /** The bytes that are signed. */
  public byte[] canonicalBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String line : new String[] {FORMAT_LINE, method, target, bodySha256Hex, nonce, Long.toString(signedAtEpochSeconds), keyId}) {
      out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }
    return out.toByteArray();
  }

  public byte[] sign(PrivateKey key) {
    try {
      Signature signature = Signature.getInstance(NetworkCa.ALGORITHM);
      signature.initSign(key);
      signature.update(canonicalBytes());
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot sign with this key (Ed25519 expected): " + e.getMessage(), e);
    }
  }

  /** Whether {@code signature} is a valid Ed25519 signature of this request by {@code key}; never throws on bad input. */
  public boolean verify(PublicKey key, byte[] signature) {
    try {
      Signature verifier = Signature.getInstance(NetworkCa.ALGORITHM);
      verifier.initVerify(key);
      verifier.update(canonicalBytes());
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }

  private static void requireLine(String what, String value) {
    if (value == null || value.isEmpty() || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException("the " + what + " of a signed request must be non-empty and have no control characters");
    }
  }
}
