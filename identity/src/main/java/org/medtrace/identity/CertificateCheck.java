package org.medtrace.identity;

/** The answer of {@link NetworkTrust#check}: a certificate the network trusts now, or why not. */
public sealed interface CertificateCheck {

  /** Why a certificate is not trusted. */
  enum Refusal {
    /** No certificate with that key id is known to this node. */
    UNKNOWN_CERTIFICATE,
    /** The certificate was not issued by the network CA (its signature or issuer do not match). */
    OTHER_CA,
    /** The network CA's CRL lists it. */
    REVOKED,
    /** Now is after its notAfter time. */
    EXPIRED,
    /** Now is before its notBefore time. */
    NOT_YET_VALID,
    /** It is a CA certificate, or lacks the digital-signature key usage: not a holder's signing certificate. */
    NOT_A_SIGNING_CERTIFICATE,
    /** A note key's certificate: it certifies a key of another role (or no note key at all). */
    WRONG_ROLE,
    /** A note key's certificate: it names another key name than the note key's. */
    KEY_NAME_MISMATCH,
    /** A note key's certificate: it certifies another public key. */
    OTHER_KEY
  }

  record Trusted(IssuedCertificate certificate) implements CertificateCheck {}

  record Refused(Refusal refusal, String detail) implements CertificateCheck {}
}
