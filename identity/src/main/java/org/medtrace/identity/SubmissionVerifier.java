package org.medtrace.identity;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks signed submissions, whichever transport brought them: the one place that decides whether
 * an organisation's signature holds. Checks, in this order, each refusal a {@link
 * SubmissionRefused.Reason}: the signing time is fresh ({@link SignatureFreshness}); the node has a
 * trust directory and knows the certificate (from it, or brought along); the network CA issued it,
 * it may sign and is an organisation's (not a node's); it is valid at the freshness rule's time and
 * not revoked; it belongs to the organisation the submission acts for (when that is known before the
 * signature is checked); the Ed25519 signature verifies over the canonical form.
 *
 * <p>Thread-safe: the trust directory is read under its own lock.
 */
public final class SubmissionVerifier {

  /**
   * A signature that holds: the certificate it was made with, and what the event stores.
   *
   * @param canonicalBytes the canonical form exactly as signed
   */
  public record Verified(IssuedCertificate certificate, String keyId, byte[] signature, byte[] canonicalBytes) {

    public Verified {
      signature = signature.clone();
      canonicalBytes = canonicalBytes.clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    @Override
    public byte[] canonicalBytes() {
      return canonicalBytes.clone();
    }

    /**
     * @throws SubmissionRefused {@code CERTIFICATE_ORGANISATION_MISMATCH} (detail {@code
     *     certificateOrganisation}) unless the certificate is {@code organisation}'s
     */
    public void requireOrganisation(String organisation, String actingAs) {
      SubmissionVerifier.requireOrganisation(certificate, organisation, actingAs);
    }
  }

  private static void requireOrganisation(IssuedCertificate certificate, String organisation, String actingAs) {
    if (!certificate.organisation().equals(organisation)) {
      throw new SubmissionRefused(
          SubmissionRefused.Reason.CERTIFICATE_ORGANISATION_MISMATCH,
          "the signing certificate " + certificate.serialHex() + " belongs to " + certificate.organisation() + ", " + actingAs
              + " to " + organisation,
          Map.of("certificateOrganisation", certificate.organisation()));
    }
  }

  private final Optional<TrustDirectory> trust;
  private final SignatureFreshness freshness;
  private final Clock clock;

  /** @param trust the network CA's public files; empty: every signed submission is refused as {@code UNKNOWN_CERTIFICATE} */
  public SubmissionVerifier(Optional<TrustDirectory> trust, SignatureFreshness freshness, Clock clock) {
    this.trust = trust;
    this.freshness = freshness;
    this.clock = clock;
  }

  /**
   * Checks {@code claim} over the canonical form {@code signedForm} makes of it.
   *
   * @param organisation the organisation the submission acts for, when known before the signature
   *     is checked (else check {@link Verified#requireOrganisation} once it is)
   * @param actingAs names that organisation's source in a mismatch message ("the token", "the record")
   * @param signedForm the canonical form of the submission with the claim's signing time and key
   *     id; an {@link IllegalArgumentException} from it is a {@code MALFORMED_SIGNATURE}
   * @throws SubmissionRefused when the signature does not hold
   * @throws TrustDirectory.Unavailable when the trust directory cannot be read now (retry later)
   */
  public Verified verify(
      SignatureClaim claim, Optional<String> organisation, String actingAs, Function<SignatureClaim, SignedForm> signedForm) {
    Instant now = clock.instant();
    Instant signedAt = Instant.ofEpochSecond(claim.signedAtEpochSeconds());
    freshness.problem(signedAt, now).ifPresent(problem -> {
      throw new SubmissionRefused(
          SubmissionRefused.Reason.STALE_SIGNATURE,
          "signed at " + claim.signedAtEpochSeconds() + " (POSIX seconds), this node's clock says " + now.getEpochSecond() + ": " + problem);
    });
    if (trust.isEmpty()) {
      throw new SubmissionRefused(
          SubmissionRefused.Reason.UNKNOWN_CERTIFICATE, "this node has no network CA configured (trust-dir) and cannot check signed submissions");
    }
    NetworkTrust current = trust.get().current();
    Instant certificateTime = freshness.certificateTime(signedAt, now);
    IssuedCertificate certificate = trusted(
        claim.certificate().map(c -> current.check(c, certificateTime)).orElseGet(() -> current.check(claim.keyId(), certificateTime)));
    if (IssuedCertificate.NODE_ROLE.equals(certificate.role())) {
      throw new SubmissionRefused(
          SubmissionRefused.Reason.UNTRUSTED_CERTIFICATE,
          "certificate " + certificate.serialHex() + " is a node's remoting certificate; submissions are signed with an organisation's");
    }
    if (certificate.isNoteKeyCertificate()) {
      throw new SubmissionRefused(
          SubmissionRefused.Reason.UNTRUSTED_CERTIFICATE,
          "certificate " + certificate.serialHex() + " certifies a log or witness note key; submissions are signed with an organisation's");
    }
    organisation.ifPresent(org -> requireOrganisation(certificate, org, actingAs));
    SignedForm form;
    try {
      form = signedForm.apply(claim);
    } catch (IllegalArgumentException e) {
      throw new SubmissionRefused(SubmissionRefused.Reason.MALFORMED_SIGNATURE, "the submission cannot be put in canonical form: " + e.getMessage());
    }
    if (!form.keyId().equals(claim.keyId()) || form.signedAtEpochSeconds() != claim.signedAtEpochSeconds()) {
      throw new IllegalArgumentException("the canonical form must carry the claim's key id and signing time");
    }
    if (!form.verify(certificate.certificate().getPublicKey(), claim.signature())) {
      throw new SubmissionRefused(
          SubmissionRefused.Reason.BAD_SIGNATURE,
          "the signature does not verify with certificate " + certificate.serialHex() + " over this submission's canonical form ("
              + form.lines().get(0) + "): " + String.join(" | ", form.lines().subList(1, form.lines().size())));
    }
    return new Verified(certificate, claim.keyId(), claim.signature(), form.canonicalBytes());
  }

  private static IssuedCertificate trusted(CertificateCheck check) {
    if (check instanceof CertificateCheck.Trusted trusted) {
      return trusted.certificate();
    }
    CertificateCheck.Refused refused = (CertificateCheck.Refused) check;
    SubmissionRefused.Reason reason =
        switch (refused.refusal()) {
          case UNKNOWN_CERTIFICATE -> SubmissionRefused.Reason.UNKNOWN_CERTIFICATE;
          case OTHER_CA, NOT_A_SIGNING_CERTIFICATE, WRONG_ROLE, KEY_NAME_MISMATCH, OTHER_KEY -> SubmissionRefused.Reason.UNTRUSTED_CERTIFICATE;
          case REVOKED -> SubmissionRefused.Reason.CERTIFICATE_REVOKED;
          case EXPIRED, NOT_YET_VALID -> SubmissionRefused.Reason.CERTIFICATE_EXPIRED;
        };
    throw new SubmissionRefused(reason, refused.detail());
  }
}
