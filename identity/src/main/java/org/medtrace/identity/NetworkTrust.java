package org.medtrace.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.medtrace.merkle.note.NoteKey;

/**
 * What a node trusts: the network CA's certificate, its signed CRL, the certificates it knows by
 * key id, and the CA-signed network policy if there is one — the public part of a {@link
 * CaDirectory} ({@code ca.pem}, {@code crl.pem}, {@code certs/*.pem}, {@code network-policy.txt};
 * the certificates may be in a folder of their own, {@link TrustLocation}).
 * Immutable: reload by loading again.
 *
 * <p>A certificate is trusted when it MUST pass all of: signed by the CA's key and naming the CA as
 * issuer; not a CA certificate and allowed to sign (key usage digitalSignature); within its validity
 * period at the time checked; not listed in the CRL. The CRL itself MUST be signed by the CA, else
 * loading fails: a node never runs on revocations it cannot authenticate.
 */
public final class NetworkTrust {

  private final X509Certificate caCertificate;
  // Absent only where the holder has none to give (an exported bundle without a CRL); a node's
  // trust directory always has one (load refuses to run without it).
  private final Optional<X509CRL> crl;
  private final Map<String, X509Certificate> certificatesByKeyId;
  private final Optional<NetworkPolicy> networkPolicy;

  private NetworkTrust(
      X509Certificate caCertificate, Optional<X509CRL> crl, Map<String, X509Certificate> certificatesByKeyId, Optional<NetworkPolicy> networkPolicy) {
    this.caCertificate = caCertificate;
    this.crl = crl;
    this.certificatesByKeyId = Map.copyOf(certificatesByKeyId);
    this.networkPolicy = networkPolicy;
  }

  /**
   * Trust in {@code caCertificate} alone, with its CRL where there is one: what an offline verifier
   * has (the CA certificate from its owner, the CRL from an exported bundle). It knows no
   * certificates by key id; check the ones at hand with {@link #check(X509Certificate, Instant)} or
   * {@link #checkSignedAt}.
   *
   * @throws IllegalArgumentException when the CRL is not signed by the CA or names another issuer
   */
  public static NetworkTrust of(X509Certificate caCertificate, Optional<X509CRL> crl) {
    crl.ifPresent(list -> requireIssuedBy(list, caCertificate, "the CRL"));
    return new NetworkTrust(caCertificate, crl, Map.of(), Optional.empty());
  }

  /**
   * Reads the trust directory {@code root}, with its certificates in {@code root/certs} (the CA's
   * own layout).
   *
   * @throws IllegalStateException as {@link #load(TrustLocation)}
   */
  public static NetworkTrust load(Path root) {
    return load(TrustLocation.of(root));
  }

  /**
   * Reads the trust directory and the certificates' folder of {@code location}. A missing {@code
   * certs/} inside the trust directory means no certificates yet; a certificates' folder set apart
   * MUST exist, so that a mistyped setting fails instead of silently leaving exports without
   * certificates.
   *
   * @throws IllegalStateException when {@code ca.pem} or {@code crl.pem} is missing or unreadable,
   *     the CRL is not signed by the CA, or a certificates' folder set apart does not exist
   */
  public static NetworkTrust load(TrustLocation location) {
    Path root = location.directory();
    CaDirectory directory = new CaDirectory(root);
    if (!Files.isRegularFile(directory.caCertificate()) || !Files.isRegularFile(directory.crl())) {
      throw new IllegalStateException("the trust directory " + root + " needs ca.pem and crl.pem (see `ca init`)");
    }
    X509Certificate ca = Pem.readCertificate(directory.caCertificate());
    X509CRL crl = Pem.readCrl(directory.crl());
    try {
      requireIssuedBy(crl, ca, directory.crl().toString());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(e.getMessage() + " (" + directory.caCertificate() + ")", e);
    }
    Path certificatesFolder = location.certificates();
    if (!location.certificatesInDirectory() && !Files.isDirectory(certificatesFolder)) {
      throw new IllegalStateException("the trust's certificates' folder " + certificatesFolder + " does not exist");
    }
    Map<String, X509Certificate> certificates = new HashMap<>();
    if (Files.isDirectory(certificatesFolder)) {
      try (DirectoryStream<Path> files = Files.newDirectoryStream(certificatesFolder, "*.pem")) {
        for (Path file : files) {
          X509Certificate certificate = Pem.readCertificate(file);
          certificates.put(IssuedCertificate.fingerprint(certificate), certificate);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + certificatesFolder, e);
      }
    }
    Optional<NetworkPolicy> policy = Optional.empty();
    if (Files.isRegularFile(directory.networkPolicy())) {
      try {
        policy = Optional.of(NetworkPolicy.verify(Files.readString(directory.networkPolicy(), java.nio.charset.StandardCharsets.UTF_8), ca));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + directory.networkPolicy(), e);
      } catch (IllegalArgumentException e) {
        // Fail closed, as for the CRL: exports must not carry a policy the CA did not sign.
        throw new IllegalStateException(directory.networkPolicy() + ": " + e.getMessage(), e);
      }
    }
    return new NetworkTrust(ca, Optional.of(crl), certificates, policy);
  }

  private static void requireIssuedBy(X509CRL crl, X509Certificate ca, String what) {
    try {
      crl.verify(ca.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(what + " is not signed by the network CA: " + e.getMessage(), e);
    }
    if (!crl.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
      throw new IllegalArgumentException(what + " names issuer " + crl.getIssuerX500Principal() + ", not the network CA");
    }
  }

  public X509Certificate caCertificate() {
    return caCertificate;
  }

  /** When the CRL says a newer one is due; a node past it runs on possibly stale revocations. */
  public Optional<Instant> crlNextUpdate() {
    return crl.flatMap(list -> Optional.ofNullable(list.getNextUpdate())).map(java.util.Date::toInstant);
  }

  /** The CA-signed network policy of the trust directory ({@code network-policy.txt}), if it has one. */
  public Optional<NetworkPolicy> networkPolicy() {
    return networkPolicy;
  }

  /** The CA's signed CRL (always present in a trust directory). */
  public Optional<X509CRL> crl() {
    return crl;
  }

  /** The certificate with key id {@code keyId} among the trust's certificates ({@code certs/}), if any, unchecked. */
  public Optional<X509Certificate> certificate(String keyId) {
    return Optional.ofNullable(certificatesByKeyId.get(keyId));
  }

  /**
   * The trust's certificates ({@code certs/}) for {@code publicKey}, unchecked: those
   * of a note key ({@code ca certify}) that exports carry, so that an auditor with only the CA's
   * certificate can tell whose the log's and the witnesses' keys are.
   */
  public List<X509Certificate> certificatesOfKey(PublicKey publicKey) {
    return certificatesByKeyId.values().stream()
        .filter(certificate -> Arrays.equals(certificate.getPublicKey().getEncoded(), publicKey.getEncoded()))
        .sorted(java.util.Comparator.comparing(IssuedCertificate::fingerprint))
        .toList();
  }

  /**
   * Whether {@code certificate} certifies {@code key} as a note key of {@code role} at {@code at}
   * (the checkpoint's time): it MUST pass {@link #check(X509Certificate, Instant)} at that time — so
   * a revocation refuses it whatever its date, since a checkpoint's time is its signer's claim and a
   * revoked key could sign a backdated one — carry the role's extended key usage, name the key's
   * name as its {@code CN}, and certify exactly the key's public key.
   */
  public CertificateCheck checkNoteKey(X509Certificate certificate, NoteKeyRole role, NoteKey key, Instant at) {
    CertificateCheck check = check(certificate, at);
    if (!(check instanceof CertificateCheck.Trusted trusted)) {
      return check;
    }
    IssuedCertificate issued = trusted.certificate();
    String name = "certificate " + issued.serialHex() + " (" + certificate.getSubjectX500Principal().getName() + ")";
    Optional<NoteKeyRole> certifiedRole = NoteKeyRole.of(certificate);
    if (certifiedRole.isEmpty() || certifiedRole.get() != role) {
      return new CertificateCheck.Refused(
          CertificateCheck.Refusal.WRONG_ROLE,
          name + " certifies " + certifiedRole.map(r -> "a " + r.roleName() + " key").orElse("no note key")
              + ", not a " + role.roleName() + " key (extended key usage " + role.purposeOid() + ")");
    }
    if (!Arrays.equals(certificate.getPublicKey().getEncoded(), key.publicKey().getEncoded())) {
      return new CertificateCheck.Refused(CertificateCheck.Refusal.OTHER_KEY, name + " certifies another public key than " + key.name() + "'s");
    }
    if (!issued.commonName().equals(key.name())) {
      return new CertificateCheck.Refused(
          CertificateCheck.Refusal.KEY_NAME_MISMATCH, name + " certifies key name " + issued.commonName() + ", not " + key.name());
    }
    return check;
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
    return check(certificate, now, false);
  }

  /**
   * Whether {@code certificate} could sign at {@code signedAt}: as {@link #check(X509Certificate,
   * Instant)} at that time, except that a revocation counts only if the CRL dates it at or before
   * {@code signedAt}. A signature made while the certificate was good stays good when it is revoked
   * later (as with time-stamped code signatures); one made on the revocation's second or after does
   * not. Without a CRL, revocation is not checked at all ({@link #crl()} says so).
   */
  public CertificateCheck checkSignedAt(X509Certificate certificate, Instant signedAt) {
    return check(certificate, signedAt, true);
  }

  private CertificateCheck check(X509Certificate certificate, Instant now, boolean onlyRevocationsUpToNow) {
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
    java.security.cert.X509CRLEntry revoked = crl.map(list -> list.getRevokedCertificate(certificate.getSerialNumber())).orElse(null);
    if (revoked != null && !(onlyRevocationsUpToNow && revoked.getRevocationDate().toInstant().isAfter(now))) {
      return new CertificateCheck.Refused(
          CertificateCheck.Refusal.REVOKED,
          name + " was revoked at " + revoked.getRevocationDate().toInstant() + (onlyRevocationsUpToNow ? ", before it signed at " + now : ""));
    }
    return new CertificateCheck.Trusted(issued);
  }
}
