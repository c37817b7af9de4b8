package org.medtrace.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a node trusts: the network CA's certificate, its signed CRL, and the certificates it knows by
 * key id — the public part of a {@link CaDirectory} ({@code ca.pem}, {@code crl.pem}, {@code
 * certs/*.pem}). Immutable: reload by loading again.
 *
 * <p>A certificate is trusted when it MUST pass all of: signed by the CA's key and naming the CA as
 * issuer; not a CA certificate and allowed to sign (key usage digitalSignature); within its validity
 * period at the time checked; not listed in the CRL. The CRL itself MUST be signed by the CA, else
 * loading fails: a node never runs on revocations it cannot authenticate.
 */
public final class NetworkTrust {

  private final X509Certificate caCertificate;
  private final X509CRL crl;
  private final Map<String, X509Certificate> certificatesByKeyId;

  private NetworkTrust(X509Certificate caCertificate, X509CRL crl, Map<String, X509Certificate> certificatesByKeyId) {
    this.caCertificate = caCertificate;
    this.crl = crl;
    this.certificatesByKeyId = Map.copyOf(certificatesByKeyId);
  }

  /**
   * Reads the trust directory {@code root}.
   *
   * @throws IllegalStateException when {@code ca.pem} or {@code crl.pem} is missing or unreadable,
   *     or the CRL is not signed by the CA
   */
  public static NetworkTrust load(Path root) {
    CaDirectory directory = new CaDirectory(root);
    if (!Files.isRegularFile(directory.caCertificate()) || !Files.isRegularFile(directory.crl())) {
      throw new IllegalStateException("the trust directory " + root + " needs ca.pem and crl.pem (see `ca init`)");
    }
    X509Certificate ca = Pem.readCertificate(directory.caCertificate());
    X509CRL crl = Pem.readCrl(directory.crl());
    try {
      crl.verify(ca.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(directory.crl() + " is not signed by the network CA in " + directory.caCertificate() + ": " + e.getMessage(), e);
    }
    if (!crl.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
      throw new IllegalStateException(directory.crl() + " names issuer " + crl.getIssuerX500Principal() + ", not the network CA");
    }
    Map<String, X509Certificate> certificates = new HashMap<>();
    if (Files.isDirectory(directory.certificates())) {
      try (DirectoryStream<Path> files = Files.newDirectoryStream(directory.certificates(), "*.pem")) {
        for (Path file : files) {
          X509Certificate certificate = Pem.readCertificate(file);
          certificates.put(IssuedCertificate.fingerprint(certificate), certificate);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + directory.certificates(), e);
      }
    }
    return new NetworkTrust(ca, crl, certificates);
  }

  public X509Certificate caCertificate() {
    return caCertificate;
  }

  /** When the CRL says a newer one is due; a node past it runs on possibly stale revocations. */
  public Optional<Instant> crlNextUpdate() {
    return Optional.ofNullable(crl.getNextUpdate()).map(java.util.Date::toInstant);
  }

  /** The certificate with key id {@code keyId} (its SHA-256 fingerprint), checked at {@code now}. */
  public CertificateCheck check(String keyId, Instant now) {
    X509Certificate certificate = certificatesByKeyId.get(keyId);
    if (certificate == null) {
      return new CertificateCheck.Refused(
          CertificateCheck.Refusal.UNKNOWN_CERTIFICATE, "no certificate with key id " + keyId + " is known to this node");
    }
    return check(certificate, now);
  }

  /** {@code certificate}, checked at {@code now} (see the class comment for what is checked). */
  public CertificateCheck check(X509Certificate certificate, Instant now) {
    IssuedCertificate issued = IssuedCertificate.of(certificate);
    String name = "certificate " + issued.serialHex() + " (" + certificate.getSubjectX500Principal().getName() + ")";
    try {
      if (!certificate.getIssuerX500Principal().equals(caCertificate.getSubjectX500Principal())) {
        throw new GeneralSecurityException("its issuer is " + certificate.getIssuerX500Principal().getName());
      }
      certificate.verify(caCertificate.getPublicKey());
    } catch (GeneralSecurityException e) {
      return new CertificateCheck.Refused(
          CertificateCheck.Refusal.OTHER_CA, name + " was not issued by the network CA " + caCertificate.getSubjectX500Principal().getName() + ": " + e.getMessage());
    }
    boolean[] keyUsage = certificate.getKeyUsage();
    if (certificate.getBasicConstraints() >= 0 || keyUsage == null || !keyUsage[0]) {
      return new CertificateCheck.Refused(
          CertificateCheck.Refusal.NOT_A_SIGNING_CERTIFICATE, name + " is a CA certificate or may not sign (key usage)");
    }
    if (now.isBefore(issued.notBefore())) {
      return new CertificateCheck.Refused(CertificateCheck.Refusal.NOT_YET_VALID, name + " is valid only from " + issued.notBefore());
    }
    if (now.isAfter(issued.notAfter())) {
      return new CertificateCheck.Refused(CertificateCheck.Refusal.EXPIRED, name + " expired at " + issued.notAfter());
    }
    java.security.cert.X509CRLEntry revoked = crl.getRevokedCertificate(certificate.getSerialNumber());
    if (revoked != null) {
      return new CertificateCheck.Refused(
          CertificateCheck.Refusal.REVOKED, name + " was revoked at " + revoked.getRevocationDate().toInstant());
    }
    return new CertificateCheck.Trusted(issued);
  }
}
