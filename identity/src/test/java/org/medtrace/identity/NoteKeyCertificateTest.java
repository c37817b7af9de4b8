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
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignatureType;

/**
 * {@code ca certify}: the CA binds the log's and the witnesses' note keys to their organisations,
 * with the role as an extended key usage and the key name as the CN; a check refuses a certificate
 * of the other role, for another name or key, revoked, or expired at the time asked about.
 */
class NoteKeyCertificateTest {

  private static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @TempDir Path dir;
  private NetworkCa ca;
  private final NoteKey logKey = NoteSigner.generate("medtrace.example/ledger", SignatureType.ED25519).verifierKey();
  private final NoteKey witnessKey = NoteSigner.generate("regulator.example/witness", SignatureType.COSIGNATURE_V1).verifierKey();

  @BeforeEach
  void createCa() {
    ca = NetworkCa.init(dir.resolve("ca"), "test network CA", Duration.ofDays(3650), CLOCK);
  }

  private NetworkTrust trust() {
    return NetworkTrust.of(ca.certificate(), Optional.of(ca.currentCrl()));
  }

  @Test
  void certifiesALogKeyAndAWitnessKeyWithOrganisationRoleAndKeyName() throws Exception {
    NetworkCa.Certified log = ca.certify("medtrace-operator", NoteKeyRole.LOG, logKey, Duration.ofDays(365));
    NetworkCa.Certified witness = ca.certify("regulator", NoteKeyRole.WITNESS, witnessKey, Duration.ofDays(365));

    X509Certificate certificate = Pem.readCertificate(log.certificateFile());
    certificate.verify(ca.certificate().getPublicKey());
    assertEquals("medtrace-operator", log.certificate().organisation());
    assertEquals("log", log.certificate().role());
    assertEquals("medtrace.example/ledger", log.certificate().commonName());
    assertEquals(List.of(NoteKeyRole.LOG.purposeOid()), certificate.getExtendedKeyUsage());
    assertTrue(certificate.getCriticalExtensionOIDs().contains("2.5.29.37"), "the role's key usage is critical");
    assertEquals(Optional.of(NoteKeyRole.WITNESS), NoteKeyRole.of(witness.certificate().certificate()));
    assertEquals("regulator", witness.certificate().organisation());

    IssuedCertificate trusted =
        assertInstanceOf(CertificateCheck.Trusted.class, trust().checkNoteKey(certificate, NoteKeyRole.LOG, logKey, NOW.plusSeconds(60)))
            .certificate();
    assertEquals("medtrace-operator", trusted.organisation());
    assertInstanceOf(
        CertificateCheck.Trusted.class, trust().checkNoteKey(witness.certificate().certificate(), NoteKeyRole.WITNESS, witnessKey, NOW));
    // The node finds them by key, for its exports.
    assertEquals(List.of(certificate), NetworkTrust.load(dir.resolve("ca")).certificatesOfKey(logKey.publicKey()));
  }

  @Test
  void aCertificateOfTheOtherRoleOrNameOrKeyIsRefused() {
    NoteKey sameKeyOtherName = NoteKey.of("medtrace.example/other", SignatureType.ED25519, logKey.publicKey());
    X509Certificate log = ca.certify("medtrace-operator", NoteKeyRole.LOG, logKey, Duration.ofDays(365)).certificate().certificate();
    X509Certificate witness = ca.certify("regulator", NoteKeyRole.WITNESS, witnessKey, Duration.ofDays(365)).certificate().certificate();
    X509Certificate organisation = ca.issue("regulator", "regulator", Duration.ofDays(365)).certificate().certificate();

    assertRefused(CertificateCheck.Refusal.WRONG_ROLE, "certifies a witness key, not a log key", trust().checkNoteKey(witness, NoteKeyRole.LOG, witnessKey, NOW));
    assertRefused(CertificateCheck.Refusal.WRONG_ROLE, "certifies no note key", trust().checkNoteKey(organisation, NoteKeyRole.WITNESS, witnessKey, NOW));
    assertRefused(
        CertificateCheck.Refusal.KEY_NAME_MISMATCH,
        "certifies key name medtrace.example/ledger, not medtrace.example/other",
        trust().checkNoteKey(log, NoteKeyRole.LOG, sameKeyOtherName, NOW));
    NoteKey otherLog = NoteSigner.generate("medtrace.example/ledger", SignatureType.ED25519).verifierKey();
    assertRefused(CertificateCheck.Refusal.OTHER_KEY, "another public key", trust().checkNoteKey(log, NoteKeyRole.LOG, otherLog, NOW));
  }

  @Test
  void aRevokedOrExpiredNoteKeyCertificateIsRefused() {
    NetworkCa.Certified log = ca.certify("medtrace-operator", NoteKeyRole.LOG, logKey, Duration.ofDays(30));
    X509Certificate certificate = log.certificate().certificate();
    assertRefused(CertificateCheck.Refusal.EXPIRED, "expired", trust().checkNoteKey(certificate, NoteKeyRole.LOG, logKey, NOW.plus(Duration.ofDays(31))));

    NetworkCa.open(dir.resolve("ca"), Clock.fixed(NOW.plusSeconds(3600), ZoneOffset.UTC)).revoke(log.certificate().serialHex());
    // Revoked after the time asked about, and still refused: a checkpoint's time is its signer's claim.
    assertRefused(CertificateCheck.Refusal.REVOKED, "was revoked", trust().checkNoteKey(certificate, NoteKeyRole.LOG, logKey, NOW));
  }

  @Test
  void aKeyOfTheWrongTypeForItsRoleIsNotCertifiedAndTheRolesAreReservedForCertify() {
    assertThrows(IllegalArgumentException.class, () -> ca.certify("regulator", NoteKeyRole.WITNESS, logKey, Duration.ofDays(1)));
    assertThrows(IllegalArgumentException.class, () -> ca.certify("regulator", NoteKeyRole.LOG, witnessKey, Duration.ofDays(1)));
    assertThrows(IllegalArgumentException.class, () -> ca.issue("regulator", "witness", Duration.ofDays(1)));
    assertThrows(IllegalArgumentException.class, () -> ca.issue("regulator", "log", Duration.ofDays(1)));
  }

  @Test
  void commandLineCertifiesAVkeyFileAndRevokesIt() throws Exception {
    String caDir = dir.resolve("ca").toString();
    Path vkey = Files.writeString(dir.resolve("regulator.vkey"), witnessKey.vkey() + "\n");

    CaCommandRun certified = run("certify", "--org", "regulator", "--role", "witness", "--vkey", vkey.toString(), "--days", "90", "--dir", caDir);
    assertEquals(CaCommand.OK, certified.code(), certified.err());
    assertTrue(certified.out().startsWith("certified regulator.example/witness as regulator's witness key: "), certified.out());
    String serial = certified.out().split(": ")[1].split(",")[0];
    assertEquals(CaCommand.OK, run("revoke", serial, "--dir", caDir).code());
    CaCommandRun list = run("list", "--dir", caDir);
    assertTrue(list.out().contains(serial) && list.out().contains("witness") && list.out().contains("revoked"), list.out());

    CaCommandRun wrongRole = run("certify", "--org", "regulator", "--role", "log", "--vkey", vkey.toString(), "--dir", caDir);
    assertEquals(CaCommand.FAILED, wrongRole.code());
    assertTrue(wrongRole.err().contains("is not a log (Ed25519) key"), wrongRole.err());
    assertEquals(CaCommand.USAGE, run("certify", "--org", "regulator", "--role", "auditor", "--vkey", vkey.toString(), "--dir", caDir).code());
    assertEquals(CaCommand.USAGE, run("certify", "--org", "regulator", "--role", "witness", "--dir", caDir).code());
  }

  @Test
  void theCaSignsANetworkPolicyThatTrustDirectoriesLoadAndAnotherCaDoesNotVerify() throws Exception {
    CaCommandRun signed = run("policy", "--witness-quorum", "3", "--dir", dir.resolve("ca").toString());
    assertEquals(CaCommand.OK, signed.code(), signed.err());
    assertTrue(signed.out().startsWith("network policy signed at " + NOW + ": 3 witness organisations"), signed.out());

    NetworkPolicy policy = NetworkTrust.load(dir.resolve("ca")).networkPolicy().orElseThrow();
    assertEquals(3, policy.witnessQuorum());
    assertEquals(NOW, policy.issuedAt());
    assertTrue(policy.text().startsWith("medtrace-network-policy/v1\nca " + IssuedCertificate.fingerprint(ca.certificate()) + "\nwitness-quorum 3\n"), policy.text());

    NetworkCa other = NetworkCa.init(dir.resolve("other"), "test network CA", Duration.ofDays(3650), CLOCK);
    IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class, () -> NetworkPolicy.verify(policy.text(), other.certificate()));
    assertTrue(foreign.getMessage().contains("not the network CA"), foreign.getMessage());
    String lowered = policy.text().replace("witness-quorum 3", "witness-quorum 1");
    IllegalArgumentException changed = assertThrows(IllegalArgumentException.class, () -> NetworkPolicy.verify(lowered, ca.certificate()));
    assertTrue(changed.getMessage().contains("signature does not verify"), changed.getMessage());
    // A trust directory with a policy the CA did not sign does not load.
    Files.writeString(dir.resolve("ca").resolve("network-policy.txt"), lowered);
    assertThrows(IllegalStateException.class, () -> NetworkTrust.load(dir.resolve("ca")));
    assertEquals(CaCommand.USAGE, run("policy", "--witness-quorum", "many", "--dir", dir.resolve("ca").toString()).code());
    assertEquals(CaCommand.FAILED, run("policy", "--witness-quorum", "0", "--dir", dir.resolve("ca").toString()).code());
  }

  private static void assertRefused(CertificateCheck.Refusal refusal, String detail, CertificateCheck check) {
    CertificateCheck.Refused refused = assertInstanceOf(CertificateCheck.Refused.class, check);
    assertEquals(refusal, refused.refusal(), refused.detail());
    assertTrue(refused.detail().contains(detail), refused.detail());
  }

  private static CaCommandRun run(String... args) {
    return CaCommandRun.of(CLOCK, args);
  }
}
