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
import java.util.List;

/**
 * What an organisation signs for a signed submission, whichever way it arrives: a canonical form of
 * UTF-8 lines, each ending in one {@code \n}, the first naming the form and its version ({@link
 * SignedRequest} for HTTP requests, {@link SignedRecord} for Kafka records), the last two the
 * signing time and the key id. The signature is Ed25519 over exactly these bytes.
 *
 * <p>No line may be empty or contain a control character, so that lines cannot be shifted into one
 * another. Changing a form is a compatibility event: its first line names its version, and events
 * store the exact bytes that were signed.
 */
public sealed interface SignedForm permits SignedRequest, SignedRecord {

  /** The certificate's SHA-256 fingerprint, 64 lower-case hex digits. */
  String keyId();

  /** When the organisation signed, POSIX seconds. */
  long signedAtEpochSeconds();

  /** The lines, the format line first, without their line ends. */
  List<String> lines();

  /** The bytes that are signed. */
  default byte[] canonicalBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String line : lines()) {
      out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }
    return out.toByteArray();
  }

  default byte[] sign(PrivateKey key) {
    try {
      Signature signature = Signature.getInstance(NetworkCa.ALGORITHM);
      signature.initSign(key);
      signature.update(canonicalBytes());
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot sign with this key (Ed25519 expected): " + e.getMessage(), e);
    }
  }

  /** Whether {@code signature} is a valid Ed25519 signature of this form by {@code key}; never throws on bad input. */
  default boolean verify(PublicKey key, byte[] signature) {
    try {
      Signature verifier = Signature.getInstance(NetworkCa.ALGORITHM);
      verifier.initVerify(key);
      verifier.update(canonicalBytes());
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * The signed form whose canonical bytes are exactly {@code canonicalBytes}, as events store them
   * ({@code SubmissionSignature.signed_request}): a request over HTTP or a record over Kafka, told
   * apart by the format line. So a verifier checks the signature over the stored bytes and reads
   * who signed and when.
   *
   * @throws IllegalArgumentException when the bytes are not one of the forms, in canonical form
   *     (every line ending in '\n', valid fields, nothing else)
   */
  static SignedForm parse(byte[] canonicalBytes) {
    String[] split = new String(canonicalBytes, StandardCharsets.UTF_8).split("\n", -1);
    if (split.length < 2 || !split[split.length - 1].isEmpty()) {
      throw new IllegalArgumentException("a signed form's lines each end in a newline");
    }
    List<String> lines = List.of(split).subList(0, split.length - 1);
    SignedForm form =
        switch (lines.get(0)) {
          case SignedRequest.FORMAT_LINE -> SignedRequest.fromLines(lines);
          case SignedRecord.FORMAT_LINE -> SignedRecord.fromLines(lines);
          default -> throw new IllegalArgumentException(
              "a signed form starts with " + SignedRequest.FORMAT_LINE + " or " + SignedRecord.FORMAT_LINE + ", not '" + lines.get(0) + "'");
        };
    if (!java.util.Arrays.equals(form.canonicalBytes(), canonicalBytes)) {
      // e.g. a lower-case method or "+5" as the time: readable, but not the form anyone signs.
      throw new IllegalArgumentException("the signed " + lines.get(0) + " form is not in canonical form");
    }
    return form;
  }

  static void requireLineCount(List<String> lines, int count) {
    if (lines.size() != count) {
      throw new IllegalArgumentException("a " + lines.get(0) + " form has " + count + " lines, not " + lines.size());
    }
  }

  /** A signing-time line: POSIX seconds. */
  static long signingTime(String line) {
    try {
      return Long.parseLong(line);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the signing time of a signed form is POSIX seconds, not '" + line + "'");
    }
  }

  /** SHA-256 of {@code bytes}, 64 lower-case hex digits. */
  static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }

  /**
   * Checks the fields every form has and one line of it.
   *
   * @throws IllegalArgumentException when {@code value} is empty or has a control character
   */
  static void requireLine(String what, String value) {
    if (value == null || value.isEmpty() || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException("the " + what + " of a signed submission must be non-empty and have no control characters");
    }
  }

  /** @throws IllegalArgumentException when {@code hex} is not 64 lower-case hex digits */
  static void requireSha256Hex(String what, String hex) {
    if (hex == null || !hex.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("the " + what + " must be 64 lower-case hex digits");
    }
  }

  /** @throws IllegalArgumentException when {@code signedAtEpochSeconds} is negative */
  static void requireSigningTime(long signedAtEpochSeconds) {
    if (signedAtEpochSeconds < 0) {
      throw new IllegalArgumentException("the signing time must not be before 1970");
    }
  }
}
