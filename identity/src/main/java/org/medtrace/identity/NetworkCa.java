package org.medtrace.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CRLHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.medtrace.merkle.note.NoteKey;

/**
 * The network's certificate authority: an Ed25519 key and a self-signed certificate that every
 * node and auditor trusts, which issues each organisation's (and each node's) Ed25519 certificate
 * and revokes them in a signed CRL. Files are laid out as {@link CaDirectory} says.
 *
 * <p>Certificates and CRLs are built with Bouncy Castle and parsed by the JDK; nothing here
 * encodes ASN.1 by hand. Issuing generates the holder's key pair too, for a network that has no
 * certificate-request workflow yet; the key MUST leave the CA directory once handed over.
 */
public final class NetworkCa {

  /** The only signature algorithm of the network: CA, organisations and nodes all sign with Ed25519. */
  public static final String ALGORITHM = "Ed25519";

  /** How long a CRL is current. A node warns when the one it reads is past its next-update time. */
  public static final Duration CRL_VALIDITY = Duration.ofDays(30);

  private final CaDirectory directory;
  private final X509Certificate caCertificate;
  private final PrivateKey caKey;
  private final Clock clock;

  private NetworkCa(CaDirectory directory, X509Certificate caCertificate, PrivateKey caKey, Clock clock) {
    this.directory = directory;
    this.caCertificate = caCertificate;
    this.caKey = caKey;
    this.clock = clock;
  }

  /**
   * Creates a CA in {@code root}: its key, its self-signed certificate (subject {@code CN=name}),
   * an empty signed CRL and the {@code certs/} folder. Refuses a directory that already holds a CA.
   */
  public static NetworkCa init(Path root, String name, Duration validity, Clock clock) {
    CaDirectory directory = new CaDirectory(root);
    if (Files.exists(directory.caCertificate()) || Files.exists(directory.caPrivateKey())) {
      throw new IllegalStateException(root + " already holds a CA (ca.pem or ca.key.pem); it is never overwritten");
    }
    KeyPair keys = generateKeyPair();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).build();
    Instant now = clock.instant();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  subject, randomSerial(), Date.from(now), Date.from(now.plus(validity)), subject, keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
      X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(signer(keys.getPrivate())));
      Pem.writePrivate(directory.caPrivateKey(), keys.getPrivate());
      Pem.writePublic(directory.caCertificate(), certificate);
      Files.createDirectories(directory.certificates());
      NetworkCa ca = new NetworkCa(directory, certificate, keys.getPrivate(), clock);
      ca.writeCrl(List.of(), null);
      return ca;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot create the CA in " + root + ": " + e.getMessage(), e);
    }
  }

  /** The CA in {@code root}, with its private key (for issuing and revoking). */
  public static NetworkCa open(Path root, Clock clock) {
    CaDirectory directory = new CaDirectory(root);
    if (!Files.exists(directory.caCertificate()) || !Files.exists(directory.caPrivateKey())) {
      throw new IllegalStateException(root + " holds no CA (ca.pem and ca.key.pem); create one with `ca init`");
    }
    return new NetworkCa(directory, Pem.readCertificate(directory.caCertificate()), Pem.readPrivateKey(directory.caPrivateKey()), clock);
  }

  public X509Certificate certificate() {
    return caCertificate;
  }

  public CaDirectory directory() {
    return directory;
  }

  /**
   * Issues an organisation's certificate (subject {@code O=organisation, OU=role}) for a new
   * Ed25519 key pair, valid from now for {@code validity}; writes both to the CA directory.
   */
  public Issued issue(String organisation, String role, Duration validity) {
    if (IssuedCertificate.NODE_ROLE.equals(role) || NoteKeyRole.named(role).isPresent()) {
      // Remoting trusts OU=node, and OU=log/witness name note keys: only issue-node and certify make those.
      throw new IllegalArgumentException(
          "role '" + role + "' is reserved for " + (IssuedCertificate.NODE_ROLE.equals(role) ? "node certificates: use issue-node" : "note keys: use certify"));
    }
    return issue(organisation, role, organisation + "/" + role, validity, Usage.SUBMISSIONS);
  }

  /**
   * Issues a node's certificate for mutual TLS on remoting: organisation {@code organisation} (the
   * node's operator), role {@link IssuedCertificate#NODE_ROLE}, {@code CN} the node's host name, and
   * both TLS client and server use.
   */
  public Issued issueNode(String organisation, String hostName, Duration validity) {
    return issue(organisation, IssuedCertificate.NODE_ROLE, hostName, validity, Usage.NODE);
  }

  /**
   * Certifies a note key (the log's checkpoint key or a witness's cosigning key) as {@code
   * organisation}'s, in {@code role}: subject {@code O=organisation, OU=<role>, CN=<key name>}, the
   * role's extended key usage ({@link NoteKeyRole}) as the only one, and the key itself. The holder
   * keeps its private key; only the certificate is written (to {@code certs/}).
   *
   * @throws IllegalArgumentException when the key's signature type is not the role's (a log key is
   *     Ed25519, a witness key cosignature/v1)
   */
  public Certified certify(String organisation, NoteKeyRole role, NoteKey key, Duration validity) {
    if (key.type() != role.keyType()) {
      throw new IllegalArgumentException(
          "a " + role.roleName() + " key is a " + role.keyType().description() + " key; " + key.name() + " is a " + key.type().description() + " key");
    }
    requireName("key name", key.name());
    CertificateSpec spec = new CertificateSpec(organisation, role.roleName(), key.name(), key.publicKey(), validity);
    X509Certificate certificate = sign(spec, builder -> builder.addExtension(
        Extension.extendedKeyUsage, true, new ExtendedKeyUsage(role.purpose())));
    IssuedCertificate issued = IssuedCertificate.of(certificate);
    Path file = directory.certificate(issued.serial());
    Pem.writePublic(file, certificate);
    return new Certified(issued, role, file);
  }

  private enum Usage { SUBMISSIONS, NODE }

  private Issued issue(String organisation, String role, String commonName, Duration validity, Usage usage) {
    KeyPair keys = generateKeyPair();
    X509Certificate certificate = sign(
        new CertificateSpec(organisation, role, commonName, keys.getPublic(), validity),
        builder -> {
          if (usage == Usage.NODE) {
            builder
                .addExtension(
                    Extension.extendedKeyUsage,
                    false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                .addExtension(
                    Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, commonName)));
          }
        });
    BigInteger serial = certificate.getSerialNumber();
    Pem.writePrivate(directory.privateKey(serial), keys.getPrivate());
    Pem.writePublic(directory.certificate(serial), certificate);
    return new Issued(IssuedCertificate.of(certificate), keys.getPrivate(), directory.certificate(serial), directory.privateKey(serial));
  }

  /** The subject and key of a certificate to sign. */
  private record CertificateSpec(String organisation, String role, String commonName, PublicKey publicKey, Duration validity) {}

  /** What a kind of certificate adds to the extensions every holder's certificate has. */
  @FunctionalInterface
  private interface Extensions {
    void add(X509v3CertificateBuilder builder) throws IOException;
  }

  /** A holder's certificate for {@code spec}, signed by the CA: valid from now, may sign, not a CA. */
  private X509Certificate sign(CertificateSpec spec, Extensions extra) {
    requireName("organisation", spec.organisation());
    requireName("role", spec.role());
    requireName("common name", spec.commonName());
    if (spec.validity().isNegative() || spec.validity().isZero()) {
      throw new IllegalArgumentException("a certificate's validity must be positive, was " + spec.validity());
    }
    X500Name subject =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.O, spec.organisation())
            .addRDN(BCStyle.OU, spec.role())
            .addRDN(BCStyle.CN, spec.commonName())
            .build();
    Instant now = clock.instant();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  caCertificate, randomSerial(), Date.from(now), Date.from(now.plus(spec.validity())), subject, spec.publicKey())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
              .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(spec.publicKey()))
              .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(caCertificate));
      extra.add(builder);
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer(caKey)));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot issue a certificate for " + spec.organisation() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Signs the network's policy that {@code witnessQuorum} witness organisations must cosign a
   * checkpoint, and writes it to {@code network-policy.txt}, replacing an older one.
   */
  public NetworkPolicy policy(int witnessQuorum) {
    NetworkPolicy policy = NetworkPolicy.sign(caCertificate, caKey, witnessQuorum, clock.instant());
    Pem.replace(directory.networkPolicy(), policy.text());
    return policy;
  }

  /**
   * Revokes the certificate with serial {@code serialHex}, or, when no certificate has that serial,
   * every unrevoked certificate of the organisation of that name; re-signs the CRL.
   *
   * @return the certificates revoked now (empty when all were revoked already)
   */
  public List<IssuedCertificate> revoke(String serialOrOrganisation) {
    List<IssuedCertificate> all = issued();
    List<IssuedCertificate> matching =
        all.stream().filter(c -> c.serialHex().equalsIgnoreCase(serialOrOrganisation)).toList();
    if (matching.isEmpty()) {
      matching = all.stream().filter(c -> c.organisation().equals(serialOrOrganisation)).toList();
    }
    if (matching.isEmpty()) {
      throw new IllegalArgumentException("no certificate has serial or organisation '" + serialOrOrganisation + "'");
    }
    X509CRL current = currentCrl();
    List<IssuedCertificate> revokedNow =
        matching.stream().filter(c -> current.getRevokedCertificate(c.serial()) == null).toList();
    if (!revokedNow.isEmpty()) {
      writeCrl(revokedNow.stream().map(IssuedCertificate::serial).toList(), current);
    }
    return revokedNow;
  }

  /** Every certificate in {@code certs/}, oldest first, with its status now. */
  public List<Listed> list() {
    X509CRL crl = currentCrl();
    Instant now = clock.instant();
    return issued().stream()
        .map(c -> new Listed(c, crl.getRevokedCertificate(c.serial()) != null ? Status.REVOKED
            : now.isAfter(c.notAfter()) ? Status.EXPIRED
            : now.isBefore(c.notBefore()) ? Status.NOT_YET_VALID
            : Status.VALID))
        .toList();
  }

  public X509CRL currentCrl() {
    return Pem.readCrl(directory.crl());
  }

  private List<IssuedCertificate> issued() {
    List<IssuedCertificate> certificates = new ArrayList<>();
    if (!Files.isDirectory(directory.certificates())) {
      return certificates;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory.certificates(), "*.pem")) {
      for (Path file : files) {
        certificates.add(IssuedCertificate.of(Pem.readCertificate(file)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    certificates.sort(Comparator.comparing(IssuedCertificate::notBefore).thenComparing(IssuedCertificate::serialHex));
    return certificates;
  }

  /** Writes a CRL with the entries of {@code previous} (if any) and {@code newlyRevoked}, numbered one up. */
  private void writeCrl(List<BigInteger> newlyRevoked, X509CRL previous) {
    Instant now = clock.instant();
    try {
      // The issuer is the CA certificate's subject in its own encoding, so that the two match byte for byte.
      X509v2CRLBuilder builder =
          new X509v2CRLBuilder(X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded()), Date.from(now));
      builder.setNextUpdate(Date.from(now.plus(CRL_VALIDITY)));
      BigInteger number = BigInteger.ONE;
      if (previous != null) {
        X509CRLHolder holder = new JcaX509CRLHolder(previous);
        builder.addCRL(holder);
        CRLNumber previousNumber = CRLNumber.getInstance(holder.getExtension(Extension.cRLNumber).getParsedValue());
        number = previousNumber.getCRLNumber().add(BigInteger.ONE);
      }
      for (BigInteger serial : newlyRevoked) {
        builder.addCRLEntry(serial, Date.from(now), CRLReason.unspecified);
      }
      builder.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
      builder.addExtension(Extension.authorityKeyIdentifier, false, new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(caCertificate));
      Pem.writePublic(directory.crl(), new JcaX509CRLConverter().getCRL(builder.build(signer(caKey))));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot sign the CRL: " + e.getMessage(), e);
    }
  }

  static KeyPair generateKeyPair() {
    try {
      return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Java 17 provides Ed25519", e);
    }
  }

  private static ContentSigner signer(PrivateKey key) {
    try {
      return new JcaContentSignerBuilder(ALGORITHM).build(key);
    } catch (OperatorCreationException e) {
      throw new IllegalStateException("cannot sign with Ed25519: " + e.getMessage(), e);
    }
  }

  /** A positive random 127-bit serial: unique without a counter that two operators could both advance. */
  private static BigInteger randomSerial() {
    return new BigInteger(127, new SecureRandom()).setBit(120);
  }

  private static void requireName(String what, String value) {
    Objects.requireNonNull(value, what);
    if (value.isBlank() || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException("the " + what + " must be non-blank and have no control characters");
    }
  }

  /** A note key's certificate just issued, and where it was written. */
  public record Certified(IssuedCertificate certificate, NoteKeyRole role, Path certificateFile) {}

  /** A certificate just issued, with the holder's private key and where both were written. */
  public record Issued(IssuedCertificate certificate, PrivateKey privateKey, Path certificateFile, Path privateKeyFile) {}

  public enum Status { VALID, REVOKED, EXPIRED, NOT_YET_VALID }

  /** One row of {@code ca list}. */
  public record Listed(IssuedCertificate certificate, Status status) {}
}
