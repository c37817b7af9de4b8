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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The canonical form of a signed submission: what an organisation signs with its certificate's key
 * so that the ledger can prove it asked for exactly this write. UTF-8, each line ending in one
 * {@code \n}:
 *
 * <pre>
 *   medtrace-signed-request/v1
 *   &lt;method, upper case&gt;
 *   &lt;request target: the canonical path ({@link #canonicalTarget}) and, if any, '?' and the query as sent&gt;
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

  /**
   * The target of a request as it is signed: the path's segments, each percent-decoded and encoded
   * again with only RFC 3986's unreserved characters ({@code A-Z a-z 0-9 - . _ ~}) left as they are
   * and upper-case hex for the rest, joined by '/'; then, if the request has a query, '?' and the
   * query exactly as sent. So client and node agree whatever a library chose to escape: {@code
   * /api/v1/devices/(01)0064%2FSN} and {@code /api/v1/devices/%2801%290064%2fSN} sign the same.
   *
   * @param rawTarget the path and query as sent, e.g. {@code /api/v1/batches?x=1}
   */
  public static String canonicalTarget(String rawTarget) {
    int question = rawTarget.indexOf('?');
    String path = question < 0 ? rawTarget : rawTarget.substring(0, question);
    Optional<String> query = question < 0 ? Optional.empty() : Optional.of(rawTarget.substring(question + 1));
    List<String> segments = new ArrayList<>();
    for (String segment : (path.startsWith("/") ? path.substring(1) : path).split("/", -1)) {
      segments.add(percentDecode(segment));
    }
    return canonicalTarget(segments, query);
  }

  /** As {@link #canonicalTarget(String)}, from the path's decoded segments (after the leading '/') and the raw query. */
  public static String canonicalTarget(List<String> decodedSegments, Optional<String> rawQuery) {
    StringBuilder target = new StringBuilder();
    for (String segment : decodedSegments) {
      target.append('/');
      for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
        char c = (char) (b & 0xff);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
          target.append(c);
        } else {
          target.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
        }
      }
    }
    if (decodedSegments.isEmpty()) {
      target.append('/');
    }
    rawQuery.ifPresent(query -> target.append('?').append(query));
    return target.toString();
  }

  private static String percentDecode(String segment) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int i = 0;
    while (i < segment.length()) {
      int codePoint = segment.codePointAt(i);
      if (codePoint == '%') {
        if (i + 2 >= segment.length()) {
          throw new IllegalArgumentException("a '%' in the path is not followed by two hex digits");
        }
        bytes.write(HexFormat.fromHexDigits(segment, i + 1, i + 3));
        i += 3;
      } else {
        bytes.writeBytes(Character.toString(codePoint).getBytes(StandardCharsets.UTF_8));
        i += Character.charCount(codePoint);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /**
   * The signed request whose canonical bytes are exactly {@code canonicalBytes}, as events store it
   * ({@code SubmissionSignature.signed_request}): so that a verifier can check the signature over
   * those bytes and read what they say.
   *
   * @throws IllegalArgumentException when the bytes are not a {@value #FORMAT_LINE} request in
   *     canonical form (seven lines, each ending in '\n', valid fields, nothing else)
   */
  public static SignedRequest parse(byte[] canonicalBytes) {
    String text = new String(canonicalBytes, StandardCharsets.UTF_8);
    String[] lines = text.split("\n", -1);
    if (lines.length != 8 || !lines[7].isEmpty()) {
      throw new IllegalArgumentException("a signed request has seven lines, each ending in a newline");
    }
    if (!FORMAT_LINE.equals(lines[0])) {
      throw new IllegalArgumentException("a signed request starts with " + FORMAT_LINE + ", not '" + lines[0] + "'");
    }
    long signedAt;
    try {
      signedAt = Long.parseLong(lines[5]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the signing time of a signed request is POSIX seconds, not '" + lines[5] + "'");
    }
    SignedRequest request = new SignedRequest(lines[1], lines[2], lines[3], lines[4], signedAt, lines[6]);
    if (!java.util.Arrays.equals(request.canonicalBytes(), canonicalBytes)) {
      // e.g. a lower-case method or "+5" as the time: readable, but not the form anyone signs.
      throw new IllegalArgumentException("the signed request is not in canonical form");
    }
    return request;
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
