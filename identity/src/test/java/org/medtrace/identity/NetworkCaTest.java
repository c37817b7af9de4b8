package org.medtrace.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkCaTest {

  private static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @TempDir Path dir;

  @Test
  void issuedCertificateChainsToTheCaAndNamesTheOrganisation() throws Exception {
    NetworkCa ca = NetworkCa.init(dir.resolve("ca"), "test network CA", Duration.ofDays(3650), CLOCK);
    NetworkCa.Issued issued = ca.issue("acme-pharma", "manufacturer", Duration.ofDays(365));

    X509Certificate certificate = Pem.readCertificate(issued.certificateFile());
    certificate.verify(Pem.readCertificate(ca.directory().caCertificate()).getPublicKey());
    assertEquals("acme-pharma", issued.certificate().organisation());
    assertEquals("manufacturer", issued.certificate().role());
    assertEquals(NOW.plus(Duration.ofDays(365)), issued.certificate().notAfter());
    assertEquals(IssuedCertificate.fingerprint(certificate), issued.certificate().keyId());

    CertificateCheck check = NetworkTrust.load(dir.resolve("ca")).check(issued.certificate().keyId(), NOW.plusSeconds(60));
    IssuedCertificate trusted = assertInstanceOf(CertificateCheck.Trusted.class, check).certificate();
    assertEquals("acme-pharma", trusted.organisation());
    // The key written next to the certificate is the one the certificate certifies.
    byte[] signature = SignedRequest.of("POST", "/x", new byte[0], "n", 1, "k").sign(Pem.readPrivateKey(issued.privateKeyFile()));
    assertTrue(SignedRequest.of("POST", "/x", new byte[0], "n", 1, "k").verify(certificate.getPublicKey(), signature));
  }

  @Test
  void certificateOfAnotherCaIsRefused() throws Exception {
    NetworkCa.init(dir.resolve("ca"), "test network CA", Duration.ofDays(3650), CLOCK);
    NetworkCa other = NetworkCa.init(dir.resolve("other"), "test network CA", Duration.ofDays(3650), CLOCK);
    NetworkCa.Issued foreign = other.issue("acme-pharma", "manufacturer", Duration.ofDays(365));
    // Even placed among the node's known certificates, and with the same CA name, it is not trusted.
    Files.copy(foreign.certificateFile(), dir.resolve("ca/certs").resolve(foreign.certificateFile().getFileName()));

    CertificateCheck check = NetworkTrust.load(dir.resolve("ca")).check(foreign.certificate().keyId(), NOW);

    assertEquals(CertificateCheck.Refusal.OTHER_CA, assertInstanceOf(CertificateCheck.Refused.class, check).refusal());
  }

  @Test
  void revokedCertificateIsRefusedAndOthersStayTrusted() {
    NetworkCa ca = NetworkCa.init(dir.resolve("ca"), "test network CA", Duration.ofDays(3650), CLOCK);
    NetworkCa.Issued revoked = ca.issue("acme-pharma", "manufacturer", Duration.ofDays(365));
    NetworkCa.Issued kept = ca.issue("st-mary", "hospital", Duration.ofDays(365));

    List<IssuedCertificate> revokedNow = ca.revoke(revoked.certificate().serialHex());

    assertEquals(List.of(revoked.certificate().serial()), revokedNow.stream().map(IssuedCertificate::serial).toList());
    NetworkTrust trust = NetworkTrust.load(dir.resolve("ca"));
    assertEquals(
        CertificateCheck.Refusal.REVOKED,
        assertInstanceOf(CertificateCheck.Refused.class, trust.check(revoked.certificate().keyId(), NOW)).refusal());
    assertInstanceOf(CertificateCheck.Trusted.class, trust.check(kept.certificate().keyId(), NOW));
    assertEquals(List.of(), ca.revoke(revoked.certificate().serialHex()), "revoking twice changes nothing");
  }

  @Test
  void revokingAnOrganisationRevokesAllItsCertificatesAndKeepsEarlierRevocations() {
    NetworkCa ca = NetworkCa.init(dir.resolve("ca"), "test network CA", Duration.ofDays(3650), CLOCK);
    NetworkCa.Issued first = ca.issue("acme-pharma", "manufacturer", Duration.ofDays(365));
    NetworkCa.Issued second = ca.issue("acme-pharma", "logistics", Duration.ofDays(365));
    NetworkCa.Issued earlier = ca.issue("st-mary", "hospital", Duration.ofDays(365));
    ca.revoke(earlier.certificate().serialHex());

    assertEquals(2, ca.revoke("acme-pharma").size());

    NetworkTrust trust = NetworkTrust.load(dir.resolve("ca"));
    for (NetworkCa.Issued issued : List.of(first, second, earlier)) {
      assertInstanceOf(CertificateCheck.Refused.class, trust.check(issued.certificate().keyId(), NOW));
    }
    assertTrue(ca.list().stream().allMatch(l -> l.status() == NetworkCa.Status.REVOKED));
  }

  @Test
  void expiredAndNotYetValidCertificatesAreRefused() {
    NetworkCa ca = NetworkCa.init(dir.resolve("ca"), "test network CA", Duration.ofDays(3650), CLOCK);
    NetworkCa.Issued issued = ca.issue("acme-pharma", "manufacturer", Duration.ofDays(30));
    NetworkTrust trust = NetworkTrust.load(dir.resolve("ca"));

    assertEquals(
        CertificateCheck.Refusal.EXPIRED,
        assertInstanceOf(CertificateCheck.Refused.class, trust.check(issued.certificate().keyId(), NOW.plus(Duration.ofDays(31)))).refusal());
    assertEquals(
        CertificateCheck.Refusal.NOT_YET_VALID,
        assertInstanceOf(CertificateCheck.Refused.class, trust.check(issued.certificate().keyId(), NOW.minusSeconds(60))).refusal());
  }

  @Test
  void unknownKeyIdAndTheCaCertificateItselfAreRefused() {
    NetworkCa ca = NetworkCa.init(dir.resolve("ca"), "test network CA", Duration.ofDays(3650), CLOCK);
    NetworkTrust trust = NetworkTrust.load(dir.resolve("ca"));

    assertEquals(
        CertificateCheck.Refusal.UNKNOWN_CERTIFICATE,
        assertInstanceOf(CertificateCheck.Refused.class, trust.check("00".repeat(32), NOW)).refusal());
    assertEquals(
        CertificateCheck.Refusal.NOT_A_SIGNING_CERTIFICATE,
        assertInstanceOf(CertificateCheck.Refused.class, trust.check(ca.certificate(), NOW)).refusal());
  }

  @Test
  void crlNotSignedByTheCaIsNotLoaded() throws Exception {
    NetworkCa.init(dir.resolve("ca"), "test network CA", Duration.ofDays(3650), CLOCK);
    NetworkCa.init(dir.resolve("other"), "test network CA", Duration.ofDays(3650), CLOCK);
    Files.copy(dir.resolve("other/crl.pem"), dir.resolve("ca/crl.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    IllegalStateException refused = assertThrows(IllegalStateException.class, () -> NetworkTrust.load(dir.resolve("ca")));
    assertTrue(refused.getMessage().contains("not signed by the network CA"), refused.getMessage());
  }

  @Test
  void anOrganisationCertificateCannotClaimTheNodeRole() throws Exception {
    NetworkCa ca = NetworkCa.init(dir.resolve("ca"), "test network CA", Duration.ofDays(3650), CLOCK);
    assertThrows(IllegalArgumentException.class, () -> ca.issue("acme-pharma", IssuedCertificate.NODE_ROLE, Duration.ofDays(1)));
    NetworkCa.Issued node = ca.issueNode("acme-pharma", "node-1.acme.example", Duration.ofDays(1));
    assertEquals(IssuedCertificate.NODE_ROLE, node.certificate().role());
    assertTrue(node.certificate().certificate().getExtendedKeyUsage().containsAll(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")));
  }

  @Test
  void initRefusesToOverwriteACa() {
    NetworkCa.init(dir.resolve("ca"), "test network CA", Duration.ofDays(3650), CLOCK);
    assertThrows(IllegalStateException.class, () -> NetworkCa.init(dir.resolve("ca"), "again", Duration.ofDays(1), CLOCK));
  }

  @Test
  void commandLineInitIssueRevokeList() {
    String ca = dir.resolve("ca").toString();
    assertEquals(CaCommand.OK, run("init", "--dir", ca).code());
    CaCommandRun issued = run("issue", "--org", "st-mary", "--role", "hospital", "--days", "10", "--dir", ca);
    assertEquals(CaCommand.OK, issued.code(), issued.err());
    String serial = issued.out().split(" ")[1];
    assertEquals(CaCommand.OK, run("revoke", serial, "--dir", ca).code());

    CaCommandRun list = run("list", "--dir", ca);
    assertTrue(list.out().contains(serial) && list.out().contains("revoked"), list.out());
    assertEquals(CaCommand.USAGE, run("issue", "--org", "st-mary", "--dir", ca).code());
    assertEquals(CaCommand.FAILED, run("revoke", "nobody", "--dir", ca).code());
  }

  private static CaCommandRun run(String... args) {
    return CaCommandRun.of(CLOCK, args);
  }

  @Test
  void aSignatureMadeBeforeTheRevocationStaysGoodOneMadeAfterDoesNot() {
    NetworkCa ca = NetworkCa.init(dir.resolve("ca"), "test network CA", Duration.ofDays(3650), CLOCK);
    NetworkCa.Issued issued = ca.issue("acme-pharma", "manufacturer", Duration.ofDays(365));
    NetworkCa.open(dir.resolve("ca"), Clock.fixed(NOW.plusSeconds(3600), ZoneOffset.UTC)).revoke(issued.certificate().serialHex());
    NetworkTrust trust = NetworkTrust.of(ca.certificate(), java.util.Optional.of(ca.currentCrl()));
    X509Certificate certificate = issued.certificate().certificate();

    assertInstanceOf(CertificateCheck.Trusted.class, trust.checkSignedAt(certificate, NOW.plusSeconds(3599)));
    CertificateCheck.Refused after = assertInstanceOf(CertificateCheck.Refused.class, trust.checkSignedAt(certificate, NOW.plusSeconds(3600)));
    assertEquals(CertificateCheck.Refusal.REVOKED, after.refusal());
    assertTrue(after.detail().contains("before it signed at"), after.detail());
    // A node checking now refuses it whenever it was revoked.
    assertInstanceOf(CertificateCheck.Refused.class, trust.check(certificate, NOW.plusSeconds(3599)));
  }

  @Test
  void trustFromACaCertificateRefusesAnotherCasCrl() {
    NetworkCa ca = NetworkCa.init(dir.resolve("ca"), "test network CA", Duration.ofDays(3650), CLOCK);
    NetworkCa other = NetworkCa.init(dir.resolve("other"), "test network CA", Duration.ofDays(3650), CLOCK);

    assertThrows(IllegalArgumentException.class, () -> NetworkTrust.of(ca.certificate(), java.util.Optional.of(other.currentCrl())));
    assertTrue(NetworkTrust.of(ca.certificate(), java.util.Optional.empty()).crl().isEmpty());
  }
}
