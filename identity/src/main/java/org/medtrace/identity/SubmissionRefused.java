package org.medtrace.identity;

import java.util.Map;

/**
 * A signed submission that MUST NOT be stored, and why. The reason names are the same wherever a
 * submission comes from: the HTTP API answers with the problem of that name, the Kafka pipelines
 * dead-letter the record with it as reason.
 */
public final class SubmissionRefused extends RuntimeException {

  /** Why a signed submission is refused (in the order they are checked, mostly). */
  public enum Reason {
    /** Unsigned, but signatures are required for this organisation or role. */
    SIGNATURE_REQUIRED,
    /** Signature fields incomplete or not well-formed (key id, signing time, signature, certificate). */
    MALFORMED_SIGNATURE,
    /** The signing time is outside what the transport's {@link SignatureFreshness} allows. */
    STALE_SIGNATURE,
    /** No certificate with that key id is known (and none came with the submission), or no trust is configured. */
    UNKNOWN_CERTIFICATE,
    /** Not issued by the network CA, not allowed to sign, or a node's certificate. */
    UNTRUSTED_CERTIFICATE,
    /** Outside its validity period at the time checked. */
    CERTIFICATE_EXPIRED,
    /** Listed in the CA's CRL. */
    CERTIFICATE_REVOKED,
    /** The certificate's organisation is not the organisation the submission acts for. */
    CERTIFICATE_ORGANISATION_MISMATCH,
    /** The Ed25519 signature does not verify over this submission's canonical form. */
    BAD_SIGNATURE
  }

  private final Reason reason;
  private final transient Map<String, String> details;

  public SubmissionRefused(Reason reason, String message) {
    this(reason, message, Map.of());
  }

  /** @param details machine-readable extras (e.g. {@code certificateOrganisation}) */
  public SubmissionRefused(Reason reason, String message, Map<String, String> details) {
    super(message, null, false, false);
    this.reason = reason;
    this.details = Map.copyOf(details);
  }

  public Reason reason() {
    return reason;
  }

  public Map<String, String> details() {
    return details;
  }
}
