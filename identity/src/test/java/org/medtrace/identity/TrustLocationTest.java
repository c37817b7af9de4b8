package org.medtrace.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's trust with its certificates in {@code certs/} of the trust directory (the CA's layout,
 * the default) or in a folder of their own (one ConfigMap each on Kubernetes).
 */
class TrustLocationTest {

  private static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @TempDir Path dir;
  private NetworkCa ca;
  private Path trust;
  private Path certificates;

  /** The CA's public files split the way Kubernetes mounts them: ca.pem and crl.pem here, the certificates there. */
  @BeforeEach
  void caAndASplitCopyOfItsPublicFiles() throws Exception {
    ca = NetworkCa.init(dir.resolve("ca"), "test network CA", Duration.ofDays(3650), CLOCK);
    trust = Files.createDirectory(dir.resolve("trust"));
    certificates = Files.createDirectory(dir.resolve("trust-certs"));
    Files.copy(ca.directory().caCertificate(), trust.resolve("ca.pem"));
    Files.copy(ca.directory().crl(), trust.resolve("crl.pem"));
  }

  @Test
  void certificatesInAFolderOfTheirOwnAreKnownAndChecked() throws Exception {
    NetworkCa.Issued acme = ca.issue("acme-pharma", "manufacturer", Duration.ofDays(365));
    Files.copy(acme.certificateFile(), certificates.resolve(acme.certificateFile().getFileName()));

    NetworkTrust split = NetworkTrust.load(new TrustLocation(trust, certificates));

    IssuedCertificate trusted =
        assertInstanceOf(CertificateCheck.Trusted.class, split.check(acme.certificate().keyId(), NOW)).certificate();
    assertEquals("acme-pharma", trusted.organisation());
    // The trust directory alone (its certs/ is missing) knows no certificate.
    assertEquals(
        CertificateCheck.Refusal.UNKNOWN_CERTIFICATE,
        assertInstanceOf(CertificateCheck.Refused.class, NetworkTrust.load(trust).check(acme.certificate().keyId(), NOW)).refusal());
  }

  @Test
  void byDefaultTheCertificatesAreInCertsOfTheTrustDirectory() {
    NetworkCa.Issued acme = ca.issue("acme-pharma", "manufacturer", Duration.ofDays(365));
    Path caDir = ca.directory().root();

    TrustLocation location = TrustLocation.fromSettings(caDir.toString(), "", "medtrace.test").orElseThrow();

    assertEquals(TrustLocation.of(caDir), location);
    assertEquals(caDir.resolve("certs"), location.certificates());
    assertTrue(location.certificatesInDirectory());
    assertInstanceOf(CertificateCheck.Trusted.class, NetworkTrust.load(location).check(acme.certificate().keyId(), NOW));
  }

  @Test
  void settingsNameTheFolderApartOrNothing() {
    assertEquals(
        Optional.of(new TrustLocation(trust, certificates)),
        TrustLocation.fromSettings(" " + trust + " ", certificates.toString(), "medtrace.test"));
    assertEquals(Optional.empty(), TrustLocation.fromSettings("", "", "medtrace.test"));
    IllegalArgumentException certificatesWithoutCa =
        assertThrows(IllegalArgumentException.class, () -> TrustLocation.fromSettings("", certificates.toString(), "medtrace.test"));
    assertTrue(certificatesWithoutCa.getMessage().contains("medtrace.test.trust-certs-dir"), certificatesWithoutCa.getMessage());
  }

  @Test
  void aCertificatesFolderSetApartMustExist() {
    Path mistyped = dir.resolve("trust-cert");

    IllegalStateException refused =
        assertThrows(IllegalStateException.class, () -> NetworkTrust.load(new TrustLocation(trust, mistyped)));

    assertTrue(refused.getMessage().contains(mistyped.toString()), refused.getMessage());
  }

  @Test
  void aCertificateAddedToTheFolderApartIsKnownAfterTheNextReload() throws Exception {
    TrustDirectory directory = new TrustDirectory(new TrustLocation(trust, certificates), Duration.ZERO, CLOCK, warning -> {});
    NetworkCa.Issued acme = ca.issue("acme-pharma", "manufacturer", Duration.ofDays(365));
    assertInstanceOf(CertificateCheck.Refused.class, directory.current().check(acme.certificate().keyId(), NOW));

    Files.copy(acme.certificateFile(), certificates.resolve(acme.certificateFile().getFileName()));

    assertInstanceOf(CertificateCheck.Trusted.class, directory.current().check(acme.certificate().keyId(), NOW));
  }
}
