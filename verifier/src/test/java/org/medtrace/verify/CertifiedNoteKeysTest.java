package org.medtrace.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medtrace.identity.NetworkCa;
import org.medtrace.identity.NetworkTrust;
import org.medtrace.identity.NoteKeyRole;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.SignatureType;

/**
 * An auditor with only the bundle and the CA's certificate: the log's key counts only with the CA's
 * certificate for it (role log, its key name, valid at the checkpoint's time, not revoked), a
 * witness's cosignature only with one of role witness, each witness named and counted once by its
 * organisation. Every refusal names its reason.
 */
class CertifiedNoteKeysTest {

  /** Ten days before the fixture's checkpoint: the certificates are a year old at most when it is signed. */
  private static final Clock CA_CLOCK = Clock.fixed(BundleFixture.SIGNED_AT.minus(Duration.ofDays(10)), ZoneOffset.UTC);

  @TempDir Path dir;
  private final BundleFixture fixture = new BundleFixture(6);
  private NetworkCa ca;

  @BeforeEach
  void createCa() {
    ca = NetworkCa.init(dir.resolve("ca"), "test network CA", Duration.ofDays(3650), CA_CLOCK);
  }

  /** Certifies the log key to medtrace-operator and each witness key to the organisation of its name. */
  private void certifyAll() {
    certifyLog(fixture.log.verifierKey());
    for (String name : BundleFixture.WITNESS_NAMES) {
      ca.certify(name, NoteKeyRole.WITNESS, fixture.witnessKey(name), Duration.ofDays(365));
    }
  }

  private void certifyLog(NoteKey key) {
    ca.certify("medtrace-operator", NoteKeyRole.LOG, key, Duration.ofDays(365));
  }

  /** What a node whose trust directory is {@code ca}'s exports: the note keys' certificates and the CRL. */
  private static SigningCertificates exporter(NetworkCa ca) {
    return SigningCertificates.of(NetworkTrust.load(ca.directory().root()));
  }

  private VerifierRun verify(HistoryBundle bundle, String... options) throws IOException {
    Path file = Files.createTempFile(dir, "bundle", ".json");
    BundleWriter.write(bundle, file);
    List<String> args = new ArrayList<>(List.of(options));
    args.add(file.toString());
    return VerifierRun.of(args);
  }

  private VerifierRun verifyWithCa(String... options) throws IOException {
    List<String> args = new ArrayList<>(List.of("--ca", ca.directory().caCertificate().toString()));
    args.addAll(List.of(options));
    return verify(fixture.assemble(exporter(ca)), args.toArray(String[]::new));
  }

  private static void assertFailsWith(VerifierRun run, String... fragments) {
    assertEquals(Main.FAILED, run.exitCode(), run.out() + run.err());
    for (String fragment : fragments) {
      assertTrue(run.out().contains(fragment), "expected '" + fragment + "' in:\n" + run.out());
    }
  }

  private String logKeyRefusal() {
    NoteKey log = fixture.log.verifierKey();
    return "checkpoint: the log key " + log.name() + "+" + log.keyIdHex() + " is not CA-certified: ";
  }

  @Test
  void certifiedKeysVerifyWithOnlyTheCaAndTheAuditorsQuorum() throws IOException {
    certifyAll();

    VerifierRun run = verifyWithCa("--quorum", "3");

    assertEquals(Main.VERIFIED, run.exitCode(), run.out() + run.err());
    assertTrue(
        run.out().contains(
            " signed at " + BundleFixture.SIGNED_AT + " by the log key of medtrace-operator (CA-certified), cosigned by 3 of 4 witnesses: regulator, hospital-a, hospital-b (quorum 3)"),
        run.out());
    assertFalse(run.err().contains("taken from the bundle"), run.err());
    assertFalse(run.out().contains("NOT fixed"), run.out());
  }

  @Test
  void withoutAQuorumFromTheAuditorTheSummarySaysItWasNotFixed() throws IOException {
    certifyAll();

    VerifierRun run = verifyWithCa();

    assertEquals(Main.VERIFIED, run.exitCode(), run.out() + run.err());
    assertTrue(
        run.out().contains("cosigned by 3 of 4 witnesses: regulator, hospital-a, hospital-b (the quorum 3 is a majority of the CA-certified witnesses in the bundle: NOT fixed by the auditor or the CA (pass --quorum))"),
        run.out());
  }

  @Test
  void aVersionTwoBundleWithoutNoteKeyCertificatesReadsAndSaysTheLogKeyIsNotCaCertified() throws Exception {
    // As nodes exported before note keys were certified: v2, certificates only for submissions.
    String v2 =
        BundleWriter.toJson(fixture.bundle)
            .replace(HistoryBundle.FORMAT, HistoryBundle.FORMAT_V2)
            .replace("  \"networkPolicy\" : \"\",\n", "");
    Path file = Files.writeString(dir.resolve("v2.json"), v2);
    assertEquals("", BundleReader.read(file).networkPolicy());

    VerifierRun run = VerifierRun.of(List.of("--ca", ca.directory().caCertificate().toString(), file.toString()));

    assertFailsWith(run, logKeyRefusal() + "the bundle holds no certificate for it");
    // The auditor's own keys still verify it (and win over the bundle's).
    List<String> trusting = new ArrayList<>(fixture.trustArguments(Files.createTempDirectory(dir, "keys")));
    trusting.addAll(List.of("--ca", ca.directory().caCertificate().toString(), file.toString()));
    assertEquals(Main.VERIFIED, VerifierRun.of(trusting).exitCode());
  }

  @Test
  void theCasSignedPolicyFixesTheQuorumWhenTheAuditorDoesNot() throws IOException {
    certifyAll();
    ca.policy(3);

    VerifierRun three = verifyWithCa();
    assertEquals(Main.VERIFIED, three.exitCode(), three.out() + three.err());
    assertTrue(
        three.out().contains("cosigned by 3 of 4 witnesses: regulator, hospital-a, hospital-b (quorum 3, by the network CA's policy of " + CA_CLOCK.instant() + ")"),
        three.out());

    ca.policy(4);
    assertFailsWith(verifyWithCa(), "witnesses: too few certified cosignatures: cosigned by 3 of 4 witnesses (regulator, hospital-a, hospital-b), the quorum is 4");
    // The auditor's k wins, and the note says what the CA asks for.
    VerifierRun auditors = verifyWithCa("--quorum", "2");
    assertEquals(Main.VERIFIED, auditors.exitCode(), auditors.out());
    assertTrue(auditors.err().contains("the network CA's policy of " + CA_CLOCK.instant() + " asks for 4 witnesses; --quorum 2 was used"), auditors.err());
  }

  @Test
  void aPolicyNotSignedByTheCaIsRefused() throws IOException {
    certifyAll();
    NetworkCa other = NetworkCa.init(dir.resolve("other-ca"), "test network CA", Duration.ofDays(3650), CA_CLOCK);
    HistoryBundle bundle = fixture.assemble(exporter(ca)).withNetworkPolicy(other.policy(1).text());

    assertFailsWith(
        verify(bundle, "--ca", ca.directory().caCertificate().toString()),
        "bundle: the network policy cannot be used: the network policy names CA ");
  }

  @Test
  void aLogKeyCertifiedAsAWitnessKeyIsRefused() throws IOException {
    certifyAll();
    Files.delete(logCertificateFile());
    NoteKey sameKeyAsWitness = NoteKey.of(BundleFixture.LOG_NAME, SignatureType.COSIGNATURE_V1, fixture.log.verifierKey().publicKey());
    ca.certify("medtrace-operator", NoteKeyRole.WITNESS, sameKeyAsWitness, Duration.ofDays(365));

    assertFailsWith(verifyWithCa("--quorum", "3"), logKeyRefusal() + "WRONG_ROLE: ", "certifies a witness key, not a log key");
  }

  @Test
  void aCertificateForAnotherKeyNameIsRefused() throws IOException {
    certifyAll();
    Files.delete(logCertificateFile());
    certifyLog(NoteKey.of("medtrace.example/other-ledger", SignatureType.ED25519, fixture.log.verifierKey().publicKey()));

    assertFailsWith(
        verifyWithCa("--quorum", "3"),
        logKeyRefusal() + "KEY_NAME_MISMATCH: ",
        "certifies key name medtrace.example/other-ledger, not " + BundleFixture.LOG_NAME);
  }

  @Test
  void aRevokedLogKeyCertificateIsRefused() throws IOException {
    certifyAll();
    ca.revoke(serialOf(logCertificateFile()));

    assertFailsWith(verifyWithCa("--quorum", "3"), logKeyRefusal() + "REVOKED: ");
  }

  @Test
  void aLogKeyCertificateExpiredAtTheCheckpointsTimeIsRefused() throws IOException {
    certifyAll();
    Files.delete(logCertificateFile());
    NetworkCa.open(ca.directory().root(), Clock.offset(CA_CLOCK, Duration.ofDays(-40)))
        .certify("medtrace-operator", NoteKeyRole.LOG, fixture.log.verifierKey(), Duration.ofDays(30));

    assertFailsWith(verifyWithCa("--quorum", "3"), logKeyRefusal() + "EXPIRED: ", "(checked at " + BundleFixture.SIGNED_AT + ")");
  }

  @Test
  void aLogKeyCertificateOfAnotherCaIsRefused() throws IOException {
    certifyAll();
    Files.delete(logCertificateFile());
    // Same name, another key: a CA anyone could make.
    NetworkCa other = NetworkCa.init(dir.resolve("other-ca"), "test network CA", Duration.ofDays(3650), CA_CLOCK);
    NetworkCa.Certified foreign = other.certify("medtrace-operator", NoteKeyRole.LOG, fixture.log.verifierKey(), Duration.ofDays(365));
    Files.copy(foreign.certificateFile(), ca.directory().certificates().resolve(foreign.certificateFile().getFileName()));

    assertFailsWith(verifyWithCa("--quorum", "3"), logKeyRefusal() + "OTHER_CA: ");
  }

  @Test
  void tooFewCertifiedCosignaturesFailNamingTheWitnessesNotCounted() throws IOException {
    certifyAll();
    // hospital-b cosigned, but its witness certificate is revoked: its cosignature does not count.
    ca.revoke(serialOfOrganisationWitness("hospital-b"));

    assertFailsWith(
        verifyWithCa("--quorum", "3"),
        "witnesses: too few certified cosignatures: cosigned by 2 of 3 witnesses (regulator, hospital-a), the quorum is 3;"
            + " not counted: hospital-b.example/witness: REVOKED: ");
  }

  @Test
  void twoWitnessKeysOfOneOrganisationAreOneWitness() throws IOException {
    certifyLog(fixture.log.verifierKey());
    ca.certify("regulator", NoteKeyRole.WITNESS, fixture.witnessKey("regulator"), Duration.ofDays(365));
    ca.certify("hospital-a", NoteKeyRole.WITNESS, fixture.witnessKey("hospital-a"), Duration.ofDays(365));
    ca.certify("hospital-a", NoteKeyRole.WITNESS, fixture.witnessKey("hospital-b"), Duration.ofDays(365));
    ca.certify("hospital-c", NoteKeyRole.WITNESS, fixture.witnessKey("hospital-c"), Duration.ofDays(365));

    assertFailsWith(
        verifyWithCa("--quorum", "3"),
        "witnesses: too few certified cosignatures: cosigned by 2 of 3 witnesses (regulator, hospital-a), the quorum is 3");
    VerifierRun two = verifyWithCa("--quorum", "2");
    assertEquals(Main.VERIFIED, two.exitCode(), two.out());
    assertTrue(two.out().contains("cosigned by 2 of 3 witnesses: regulator, hospital-a (quorum 2)"), two.out());
  }

  @Test
  void aQuorumAboveTheCertifiedWitnessesFails() throws IOException {
    certifyLog(fixture.log.verifierKey());
    ca.certify("regulator", NoteKeyRole.WITNESS, fixture.witnessKey("regulator"), Duration.ofDays(365));

    assertFailsWith(
        verifyWithCa("--quorum", "2"),
        "witnesses: a quorum of 2 needs at least that many CA-certified witness organisations, there are 1;"
            + " not counted: hospital-a.example/witness: the bundle holds no certificate for it");
  }

  private Path logCertificateFile() {
    return certificateFiles().stream()
        .filter(file -> NoteKeyRole.of(org.medtrace.identity.Pem.readCertificate(file)).equals(Optional.of(NoteKeyRole.LOG)))
        .findFirst()
        .orElseThrow();
  }

  private String serialOfOrganisationWitness(String organisation) {
    return ca.list().stream()
        .map(NetworkCa.Listed::certificate)
        .filter(c -> c.organisation().equals(organisation) && c.isNoteKeyCertificate())
        .findFirst()
        .orElseThrow()
        .serialHex();
  }

  private static String serialOf(Path certificateFile) {
    return certificateFile.getFileName().toString().replace(".pem", "");
  }

  private List<Path> certificateFiles() {
    try (var files = Files.list(ca.directory().certificates())) {
      return files.toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
