package org.medtrace.identity;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a signed submission says about its signature, read from the transport's fields (HTTP
 * headers, Kafka record headers) but not checked yet: that is {@link SubmissionVerifier}'s job.
 *
 * @param certificate the signing certificate, when the submission brought it along
 */
public record SignatureClaim(String keyId, long signedAtEpochSeconds, byte[] signature, Optional<X509Certificate> certificate) {

  /** The names of the fields that carry a claim in one transport, for reading them and for messages. */
  public record FieldNames(String keyId, String signedAt, String signature, String certificate) {}

  public SignatureClaim {
    signature = signature.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /**
   * The claim in the fields {@code names} of a submission, read with {@code field}: empty when none
   * of them is there (an unsigned submission).
   *
   * <p>The key id is 64 lower-case hex digits, the signing time POSIX seconds, the signature base64
   * (RFC 4648, padded); the optional certificate is PEM or base64 DER.
   *
   * @throws SubmissionRefused {@code MALFORMED_SIGNATURE} when some are there but not all three of
   *     key id, signing time and signature, or one is not well-formed
   */
  public static Optional<SignatureClaim> read(FieldNames names, Function<String, Optional<String>> field) {
    Optional<String> keyId = field.apply(names.keyId());
    Optional<String> signedAt = field.apply(names.signedAt());
    Optional<String> signature = field.apply(names.signature());
    Optional<String> certificate = field.apply(names.certificate());
    if (keyId.isEmpty() && signedAt.isEmpty() && signature.isEmpty() && certificate.isEmpty()) {
      return Optional.empty();
    }
    List<String> missing = new ArrayList<>();
    keyId.ifPresentOrElse(v -> {}, () -> missing.add(names.keyId()));
    signedAt.ifPresentOrElse(v -> {}, () -> missing.add(names.signedAt()));
    signature.ifPresentOrElse(v -> {}, () -> missing.add(names.signature()));
    if (!missing.isEmpty()) {
      throw malformed("a signed submission needs " + String.join(", ", missing));
    }
    if (!keyId.get().matches("[0-9a-f]{64}")) {
      throw malformed(names.keyId() + " must be the certificate's SHA-256 fingerprint: 64 lower-case hex digits");
    }
    long signedAtSeconds;
    try {
      signedAtSeconds = Long.parseLong(signedAt.get().trim());
    } catch (NumberFormatException e) {
      throw malformed(names.signedAt() + " must be POSIX seconds (a whole number), was '" + signedAt.get() + "'");
    }
    if (signedAtSeconds < 0) {
      throw malformed(names.signedAt() + " must not be before 1970, was " + signedAtSeconds);
    }
    byte[] signatureBytes = base64(names.signature(), signature.get());
    Optional<X509Certificate> attached = Optional.empty();
    if (certificate.isPresent()) {
      String text = certificate.get().trim();
      try {
        attached = Optional.of(Pem.readCertificate(
            text.startsWith("-----BEGIN") ? text.getBytes(StandardCharsets.US_ASCII) : base64(names.certificate(), text)));
      } catch (IllegalArgumentException e) {
        throw malformed(names.certificate() + " must be an X.509 certificate, PEM or base64 DER: " + e.getMessage());
      }
      if (!IssuedCertificate.fingerprint(attached.get()).equals(keyId.get())) {
        throw malformed(names.keyId() + " is not the SHA-256 fingerprint of the certificate in " + names.certificate());
      }
    }
    return Optional.of(new SignatureClaim(keyId.get(), signedAtSeconds, signatureBytes, attached));
  }

  private static byte[] base64(String field, String value) {
    try {
      return Base64.getDecoder().decode(value.trim());
    } catch (IllegalArgumentException e) {
      throw malformed(field + " must be base64 (RFC 4648, with padding): " + e.getMessage());
    }
  }

  private static SubmissionRefused malformed(String detail) {
    return new SubmissionRefused(SubmissionRefused.Reason.MALFORMED_SIGNATURE, detail);
  }
}
