package org.medtrace.http;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.medtrace.actors.ledger.SubmissionSignature;
import org.medtrace.http.auth.Caller;
import org.medtrace.identity.CertificateCheck;
import org.medtrace.identity.IssuedCertificate;
import org.medtrace.identity.NetworkTrust;
import org.medtrace.identity.Pem;
import org.medtrace.identity.SignedRequest;
import org.medtrace.verify.SigningCertificates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the signature of a signed submission (identity/README.md for the canonical request,
 * http-api/README.md for the headers) and, when it holds, attaches it to the caller's acting party,
 * so that the command's events store it.
 *
 * <p>A request that carries none of the signature headers is unsigned: it passes unless signatures
 * are required for the caller's organisation or role on a write. A request that carries any of them
 * MUST verify completely, or it is refused with a specific problem before anything is stored:
 * headers complete and well-formed, an Idempotency-Key (the nonce), a signing time within the
 * allowed skew, a certificate the network CA issued, neither revoked nor expired, of the token's
 * organisation, and an Ed25519 signature over exactly this request.
 */
final class SignedSubmissions {

  static final String KEY_ID_HEADER = "Medtrace-Key-Id";
  static final String SIGNED_AT_HEADER = "Medtrace-Signed-At";
  static final String SIGNATURE_HEADER = "Medtrace-Signature";
  /** Optional: the signing certificate itself (base64 DER), for a node that has no copy in its trust directory. */
  static final String CERTIFICATE_HEADER = "Medtrace-Certificate";

  private static final Logger log = LoggerFactory.getLogger(SignedSubmissions.class);

  private final HttpApiSettings.SignedSubmissionSettings settings;
  private final Clock clock;
  private final SubmissionCertificates certificates;
  private final Optional<TrustDirectory> trust;

  SignedSubmissions(HttpApiSettings.SignedSubmissionSettings settings, Clock clock, SubmissionCertificates certificates) {
    this.settings = settings;
    this.clock = clock;
    this.certificates = certificates;
    // Loaded now, so that a node with an unreadable trust directory fails at start-up, not on its first signed request.
    this.trust = settings.trustDirectory().map(dir -> new TrustDirectory(dir, settings.reloadInterval(), clock));
  }

  /**
   * The caller of this request: {@code caller} itself when the request is unsigned (and need not
   * be), or {@code caller} with the checked signature attached, once the signing certificate is
   * stored for exports ({@link SubmissionCertificates}); a failure to store it is a 503, before
   * anything else is stored.
   *
   * @param header a request header by name, case-insensitively
   * @throws Problem when the signature is required and missing, or present and not valid
   */
  CompletionStage<Caller> check(
      Caller caller, String method, String target, byte[] body, Optional<String> idempotencyKey, Function<String, Optional<String>> header) {
    Optional<Signed> signed = verify(caller, method, target, body, idempotencyKey, header);
    if (signed.isEmpty()) {
      return CompletableFuture.completedFuture(caller);
    }
    return certificates
        .remember(signed.get().certificate())
        .handle(
            (done, error) -> {
              if (error != null) {
                log.warn("the certificate of key id {} cannot be stored: {}", signed.get().certificate().keyId(), error.toString());
                throw new Problem(
                    Problem.Type.UNAVAILABLE, "this node cannot record the signing certificate right now; nothing was stored: retry later");
              }
              return signed.get().caller();
            });
  }

  /** What exports carry for signed events: the stored certificates, then the trust directory's, and its CRL. */
  SigningCertificates forExport() {
    return certificates.forExport(() -> trust.map(TrustDirectory::current));
  }

  /** A verified signed submission: the caller with the signature attached, and the certificate that signed. */
  private record Signed(Caller caller, IssuedCertificate certificate) {}

  private Optional<Signed> verify(
      Caller caller, String method, String target, byte[] body, Optional<String> idempotencyKey, Function<String, Optional<String>> header) {
    Optional<String> keyId = header.apply(KEY_ID_HEADER);
    Optional<String> signedAt = header.apply(SIGNED_AT_HEADER);
    Optional<String> signature = header.apply(SIGNATURE_HEADER);
    Optional<String> certificateHeader = header.apply(CERTIFICATE_HEADER);
    if (keyId.isEmpty() && signedAt.isEmpty() && signature.isEmpty() && certificateHeader.isEmpty()) {
      if (!method.equals("GET") && requiredFor(caller)) {
        throw new Problem(
            Problem.Type.SIGNATURE_REQUIRED,
            "writes by " + caller.organisation() + " as " + caller.role().wireName() + " must be signed submissions ("
                + KEY_ID_HEADER + ", " + SIGNED_AT_HEADER + ", " + SIGNATURE_HEADER + "); see http-api/README.md");
      }
      return Optional.empty();
    }
    List<String> missing = new ArrayList<>();
    keyId.ifPresentOrElse(v -> {}, () -> missing.add(KEY_ID_HEADER));
    signedAt.ifPresentOrElse(v -> {}, () -> missing.add(SIGNED_AT_HEADER));
    signature.ifPresentOrElse(v -> {}, () -> missing.add(SIGNATURE_HEADER));
    idempotencyKey.ifPresentOrElse(v -> {}, () -> missing.add(HttpApi.IDEMPOTENCY_KEY_HEADER + " (the nonce)"));
    if (!missing.isEmpty()) {
      throw malformed("a signed submission needs " + String.join(", ", missing));
    }
    if (!keyId.get().matches("[0-9a-f]{64}")) {
      throw malformed(KEY_ID_HEADER + " must be the certificate's SHA-256 fingerprint: 64 lower-case hex digits");
    }
    long signedAtSeconds;
    try {
      signedAtSeconds = Long.parseLong(signedAt.get());
    } catch (NumberFormatException e) {
      throw malformed(SIGNED_AT_HEADER + " must be POSIX seconds (a whole number), was '" + signedAt.get() + "'");
    }
    byte[] signatureBytes = base64(SIGNATURE_HEADER, signature.get());
    Instant now = clock.instant();
    Duration offset = Duration.between(Instant.ofEpochSecond(Math.max(0, signedAtSeconds)), now).abs();
    if (signedAtSeconds < 0 || offset.compareTo(settings.maxClockSkew()) > 0) {
      throw new Problem(
          Problem.Type.STALE_SIGNATURE,
          "the request was signed at " + signedAtSeconds + " (POSIX seconds), " + offset.toSeconds() + " s from this node's clock ("
              + now.getEpochSecond() + "); at most " + settings.maxClockSkew().toSeconds() + " s are allowed");
    }
    if (trust.isEmpty()) {
      throw new Problem(
          Problem.Type.UNKNOWN_CERTIFICATE,
          "this node has no network CA configured (medtrace.http.signed-submissions.trust-dir) and cannot check signed submissions");
    }
    NetworkTrust current = trust.get().current();
    CertificateCheck check;
    if (certificateHeader.isPresent()) {
      X509Certificate certificate;
      try {
        certificate = Pem.readCertificate(base64(CERTIFICATE_HEADER, certificateHeader.get()));
      } catch (IllegalArgumentException e) {
        throw malformed(CERTIFICATE_HEADER + " must be a base64 DER X.509 certificate: " + e.getMessage());
      }
      if (!IssuedCertificate.fingerprint(certificate).equals(keyId.get())) {
        throw malformed(KEY_ID_HEADER + " is not the SHA-256 fingerprint of the certificate in " + CERTIFICATE_HEADER);
      }
      check = current.check(certificate, now);
    } else {
      check = current.check(keyId.get(), now);
    }
    IssuedCertificate certificate = trusted(check);
    if (certificate.isNodeCertificate()) {
      throw new Problem(
          Problem.Type.UNTRUSTED_CERTIFICATE,
          "certificate " + certificate.serialHex() + " is a node's remoting certificate; submissions are signed with an organisation's");
    }
    if (!certificate.organisation().equals(caller.organisation())) {
      throw new Problem(
          Problem.Type.CERTIFICATE_ORGANISATION_MISMATCH,
          "the signing certificate " + certificate.serialHex() + " belongs to " + certificate.organisation()
              + ", the token to " + caller.organisation(),
          Map.of("certificateOrganisation", certificate.organisation()));
    }
    SignedRequest request;
    try {
      request = SignedRequest.of(method, target, body, idempotencyKey.get(), signedAtSeconds, keyId.get());
    } catch (IllegalArgumentException e) {
      throw malformed("the request cannot be put in canonical form: " + e.getMessage());
    }
    if (!request.verify(certificate.certificate().getPublicKey(), signatureBytes)) {
      throw new Problem(
          Problem.Type.BAD_SIGNATURE,
          "the signature does not verify with certificate " + certificate.serialHex()
              + " over this request (method, target, body SHA-256 " + request.bodySha256Hex() + ", Idempotency-Key, "
              + SIGNED_AT_HEADER + ", key id); see http-api/README.md for the canonical form");
    }
    return Optional.of(
        new Signed(
            new Caller(caller.party().withSubmission(new SubmissionSignature(keyId.get(), signatureBytes, request.canonicalBytes()))),
            certificate));
  }

  private boolean requiredFor(Caller caller) {
    return settings.requiredForOrganisations().contains(caller.organisation()) || settings.requiredForRoles().contains(caller.role());
  }

  private static IssuedCertificate trusted(CertificateCheck check) {
    if (check instanceof CertificateCheck.Trusted trusted) {
      return trusted.certificate();
    }
    CertificateCheck.Refused refused = (CertificateCheck.Refused) check;
    Problem.Type type =
        switch (refused.refusal()) {
          case UNKNOWN_CERTIFICATE -> Problem.Type.UNKNOWN_CERTIFICATE;
          case OTHER_CA, NOT_A_SIGNING_CERTIFICATE -> Problem.Type.UNTRUSTED_CERTIFICATE;
          case REVOKED -> Problem.Type.CERTIFICATE_REVOKED;
          case EXPIRED, NOT_YET_VALID -> Problem.Type.CERTIFICATE_EXPIRED;
        };
    throw new Problem(type, refused.detail());
  }

  private static byte[] base64(String header, String value) {
    try {
      return Base64.getDecoder().decode(value.trim());
    } catch (IllegalArgumentException e) {
      throw malformed(header + " must be base64 (RFC 4648, with padding): " + e.getMessage());
    }
  }

  private static Problem malformed(String detail) {
    return new Problem(Problem.Type.MALFORMED_SIGNATURE, detail);
  }

  /** The trust directory, re-read when it is older than the reload interval. */
  private static final class TrustDirectory {
    private final java.nio.file.Path directory;
    private final Duration reloadInterval;
    private final Clock clock;
    private NetworkTrust trust;
    private Instant loadedAt;

    TrustDirectory(java.nio.file.Path directory, Duration reloadInterval, Clock clock) {
      this.directory = directory;
      this.reloadInterval = reloadInterval;
      this.clock = clock;
      load();
    }

    synchronized NetworkTrust current() {
      if (Duration.between(loadedAt, clock.instant()).compareTo(reloadInterval) >= 0) {
        try {
          load();
        } catch (RuntimeException e) {
          // Fail closed: running on with the old CRL could accept a certificate revoked since.
          log.error("the trust directory {} cannot be read; signed submissions are refused until it can: {}", directory, e.toString());
          loadedAt = Instant.MIN;
          throw new Problem(
              Problem.Type.UNAVAILABLE, "this node cannot read the network CA's trust directory right now; retry later");
        }
      }
      return trust;
    }

    private void load() {
      trust = NetworkTrust.load(directory);
      loadedAt = clock.instant();
      trust.crlNextUpdate()
          .filter(next -> next.isBefore(loadedAt))
          .ifPresent(next -> log.warn("the CRL in {} was due for renewal at {}: revocations since may be missing", directory, next));
    }
  }
}
