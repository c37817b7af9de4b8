package org.medtrace.identity;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
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
 * Signed, verified and checked as every {@link SignedForm}; the Kafka records' form is {@link
 * SignedRecord}.
 */
public record SignedRequest(
    String method, String target, String bodySha256Hex, String nonce, long signedAtEpochSeconds, String keyId)
    implements SignedForm {

  public static final String FORMAT_LINE = "medtrace-signed-request/v1";

  public SignedRequest {
    method = method.toUpperCase(Locale.ROOT);
    SignedForm.requireLine("method", method);
    SignedForm.requireLine("request target", target);
    SignedForm.requireLine("nonce", nonce);
    SignedForm.requireLine("key id", keyId);
    SignedForm.requireSha256Hex("body hash", bodySha256Hex);
    SignedForm.requireSigningTime(signedAtEpochSeconds);
  }

  /** The request {@code method target} with {@code body}, signed at {@code signedAtEpochSeconds} with key {@code keyId}. */
  public static SignedRequest of(String method, String target, byte[] body, String nonce, long signedAtEpochSeconds, String keyId) {
    return new SignedRequest(method, target, SignedForm.sha256Hex(body), nonce, signedAtEpochSeconds, keyId);
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

  @Override
  public List<String> lines() {
    return List.of(FORMAT_LINE, method, target, bodySha256Hex, nonce, Long.toString(signedAtEpochSeconds), keyId);
  }

  /**
   * The signed request whose canonical bytes are exactly {@code canonicalBytes}, as events store it
   * ({@code SubmissionSignature.signed_request}).
   *
   * @throws IllegalArgumentException when the bytes are not a {@value #FORMAT_LINE} request in
   *     canonical form
   */
  public static SignedRequest parse(byte[] canonicalBytes) {
    if (SignedForm.parse(canonicalBytes) instanceof SignedRequest request) {
      return request;
    }
    throw new IllegalArgumentException("the signed form is not a " + FORMAT_LINE + " request");
  }

  /** The request of these lines (the format line first), checked as the constructor checks. */
  static SignedRequest fromLines(List<String> lines) {
    SignedForm.requireLineCount(lines, 7);
    return new SignedRequest(lines.get(1), lines.get(2), lines.get(3), lines.get(4), SignedForm.signingTime(lines.get(5)), lines.get(6));
  }
}
