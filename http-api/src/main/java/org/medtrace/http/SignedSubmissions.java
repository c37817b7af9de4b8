package org.medtrace.http;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.medtrace.actors.ledger.SubmissionCertificates;
import org.medtrace.actors.ledger.SubmissionSignature;
import org.medtrace.http.auth.Caller;
import org.medtrace.identity.IssuedCertificate;
import org.medtrace.identity.NetworkTrust;
import org.medtrace.identity.SignatureClaim;
import org.medtrace.identity.SignatureFreshness;
import org.medtrace.identity.SignedRequest;
import org.medtrace.identity.SubmissionRefused;
import org.medtrace.identity.SubmissionVerifier;
import org.medtrace.identity.TrustDirectory;
import org.medtrace.merkle.note.NoteKey;
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

  private static final SignatureClaim.FieldNames HEADERS =
      new SignatureClaim.FieldNames(KEY_ID_HEADER, SIGNED_AT_HEADER, SIGNATURE_HEADER, CERTIFICATE_HEADER);

  private final HttpApiSettings.SignedSubmissionSettings settings;
  private final SubmissionVerifier verifier;
  private final SubmissionCertificates certificates;
  private final Optional<TrustDirectory> trust;

  SignedSubmissions(HttpApiSettings.SignedSubmissionSettings settings, Clock clock, SubmissionCertificates certificates) {
    this.settings = settings;
    this.certificates = certificates;
    // Loaded now, so that a node with an unreadable trust directory fails at start-up, not on its first signed request.
    this.trust = settings.trustDirectory().map(dir -> new TrustDirectory(dir, settings.reloadInterval(), clock, log::warn));
    this.verifier = new SubmissionVerifier(trust, new SignatureFreshness.AroundNow(settings.maxClockSkew()), clock);
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
    IssuedCertificate certificate = signed.get().certificate();
    return certificates
        .remember(certificate.keyId(), certificate.organisation(), certificate.encoded())
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

  /**
   * What exports carry for signed events, signed over HTTP or Kafka: the certificates of the store,
   * then of the trust directory's {@code certs/} (events stored before the store existed), and the
   * certificates of the log's and the witnesses' note keys, the CRL and the network policy from the
   * trust directory (when the node has one). Either one unreadable fails the
   * export ({@link SubmissionCertificates.Unavailable}, {@link TrustDirectory.Unavailable}: 503).
   */
  SigningCertificates forExport() {
    return new SigningCertificates() {
      @Override
      public Optional<byte[]> certificate(String keyId) {
        Optional<byte[]> stored = certificates.certificate(keyId);
        if (stored.isPresent()) {
          return stored;
        }
        return currentTrust().flatMap(t -> SigningCertificates.of(t).certificate(keyId));
      }

      @Override
      public List<byte[]> certificatesOfKey(NoteKey key) {
        return currentTrust().map(t -> SigningCertificates.of(t).certificatesOfKey(key)).orElse(List.of());
      }

      @Override
      public Optional<byte[]> crl() {
        return currentTrust().flatMap(t -> SigningCertificates.of(t).crl());
      }

      @Override
      public Optional<String> networkPolicy() {
        return currentTrust().flatMap(t -> SigningCertificates.of(t).networkPolicy());
      }
    };
  }

  private Optional<NetworkTrust> currentTrust() {
    return trust.map(TrustDirectory::current);
  }

  /** A verified signed submission: the caller with the signature attached, and the certificate that signed. */
  private record Signed(Caller caller, IssuedCertificate certificate) {}

  private Optional<Signed> verify(
      Caller caller, String method, String target, byte[] body, Optional<String> idempotencyKey, Function<String, Optional<String>> header) {
    try {
      Optional<SignatureClaim> claim = SignatureClaim.read(HEADERS, header);
      if (claim.isEmpty()) {
        if (!method.equals("GET") && requiredFor(caller)) {
          throw new Problem(
              Problem.Type.SIGNATURE_REQUIRED,
              "writes by " + caller.organisation() + " as " + caller.role().wireName() + " must be signed submissions ("
                  + KEY_ID_HEADER + ", " + SIGNED_AT_HEADER + ", " + SIGNATURE_HEADER + "); see http-api/README.md");
        }
        return Optional.empty();
      }
      if (idempotencyKey.isEmpty()) {
        throw new Problem(Problem.Type.MALFORMED_SIGNATURE, "a signed submission needs " + HttpApi.IDEMPOTENCY_KEY_HEADER + " (the nonce)");
      }
      SubmissionVerifier.Verified verified =
          verifier.verify(
              claim.get(),
              Optional.of(caller.organisation()),
              "the token",
              c -> SignedRequest.of(method, target, body, idempotencyKey.get(), c.signedAtEpochSeconds(), c.keyId()));
      return Optional.of(
          new Signed(
              new Caller(
                  caller.party().withSubmission(new SubmissionSignature(verified.keyId(), verified.signature(), verified.canonicalBytes()))),
              verified.certificate()));
    } catch (SubmissionRefused refused) {
      throw new Problem(problemType(refused.reason()), refused.getMessage(), Map.<String, Object>copyOf(refused.details()));
    }
    // TrustDirectory.Unavailable goes up as it is: HttpApi answers it with 503, as for exports.
  }

  private boolean requiredFor(Caller caller) {
    return settings.required().appliesTo(caller.party());
  }

  /** The problem of each refusal: the same name, so that HTTP and Kafka report refusals alike. */
  private static Problem.Type problemType(SubmissionRefused.Reason reason) {
    return switch (reason) {
      case SIGNATURE_REQUIRED -> Problem.Type.SIGNATURE_REQUIRED;
      case MALFORMED_SIGNATURE -> Problem.Type.MALFORMED_SIGNATURE;
      case STALE_SIGNATURE -> Problem.Type.STALE_SIGNATURE;
      case UNKNOWN_CERTIFICATE -> Problem.Type.UNKNOWN_CERTIFICATE;
      case UNTRUSTED_CERTIFICATE -> Problem.Type.UNTRUSTED_CERTIFICATE;
      case CERTIFICATE_EXPIRED -> Problem.Type.CERTIFICATE_EXPIRED;
      case CERTIFICATE_REVOKED -> Problem.Type.CERTIFICATE_REVOKED;
      case CERTIFICATE_ORGANISATION_MISMATCH -> Problem.Type.CERTIFICATE_ORGANISATION_MISMATCH;
      case BAD_SIGNATURE -> Problem.Type.BAD_SIGNATURE;
    };
  }
}
