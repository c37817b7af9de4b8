package org.medtrace.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.medtrace.identity.NetworkCa;
import org.medtrace.verify.SignedChainFixture.Signing;
import org.medtrace.identity.SignedRequest;
import org.medtrace.ledger.v1.ActingParty;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.SubmissionSignature;
import org.medtrace.persistence.chain.ChainHead;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.LedgerFixtures;

/**
 * Submission signatures in a bundle, checked against the network CA: a chain whose events were
 * signed by two organisations verifies and names them; each kind of bad signature is caught at its
 * event, with its reason, while the chain and the log proofs stay intact (the bad signatures are
 * sealed into the chain, as a dishonest node would store them).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SubmissionSignaturesTest {

  private static final int EVENT_COUNT = 10;

  private Path dir;
  private SignedChainFixture signed;
  private NetworkCa.Issued pharma;
  private NetworkCa.Issued hospital;
  private Path caFile;
  private Path otherCaFile;

  @BeforeAll
  void createCa(@TempDir Path tempDir) {
    dir = tempDir;
    signed = new SignedChainFixture(dir.resolve("ca"));
    pharma = signed.pharma;
    hospital = signed.hospital;
    caFile = signed.ca.directory().caCertificate();
    // Same CA name, another key: its certificates look alike but do not chain to ours.
    otherCaFile = NetworkCa.init(dir.resolve("other-ca"), "test network CA", Duration.ofDays(3650), Clock.systemUTC()).directory().caCertificate();
  }

  /** Events 1-3 signed by pharma-x, 5-6 by hospital-a, the rest unsigned. */
  private Map<Integer, Signing> honest() {
    return signed.honest(List.of(1, 2, 3), List.of(5, 6));
  }

  private List<ChainedEvent> chain(Map<Integer, Signing> signings) {
    return signed.chain(EVENT_COUNT, signings);
  }

  private SigningCertificates exporter(List<NetworkCa.Issued> certificates) {
    return signed.exporter(certificates);
  }

  private static SigningCertificates exporter(List<NetworkCa.Issued> certificates, X509CRL crl) {
    return SignedChainFixture.exporter(certificates, crl);
  }

  private VerifierRun verify(Map<Integer, Signing> signings, List<NetworkCa.Issued> exported, Optional<Path> caCertificate) throws IOException {
    return verify(signings, exporter(exported), caCertificate);
  }

  private VerifierRun verify(Map<Integer, Signing> signings, SigningCertificates exporter, Optional<Path> caCertificate) throws IOException {
    BundleFixture fixture = new BundleFixture(chain(signings), exporter);
    Path file = Files.createTempFile(dir, "bundle", ".json");
    BundleWriter.write(fixture.bundle, file);
    return run(fixture, file, caCertificate);
  }

  private VerifierRun run(BundleFixture fixture, Path file, Optional<Path> caCertificate) throws IOException {
    List<String> args = new ArrayList<>(fixture.trustArguments(Files.createTempDirectory(dir, "keys")));
    caCertificate.ifPresent(
        path -> {
          args.add("--ca");
          args.add(path.toString());
        });
    args.add(file.toString());
    return VerifierRun.of(args);
  }

  private static void assertFailsWith(VerifierRun run, String... fragments) {
    assertEquals(Main.FAILED, run.exitCode(), run.out());
    for (String fragment : fragments) {
      assertTrue(run.out().contains(fragment), "expected '" + fragment + "' in:\n" + run.out());
    }
    assertFalse(run.out().contains("chain:"), "only the signature fails, the chain is intact:\n" + run.out());
  }

  @Test
  void signedEventsVerifyAgainstTheCaAndTheSummaryNamesTheSigners() throws IOException {
    VerifierRun run = verify(honest(), List.of(pharma, hospital), Optional.of(caFile));

    assertEquals(Main.VERIFIED, run.exitCode(), run.out() + run.err());
    assertTrue(run.out().contains("; 5 of 10 events signed by: hospital-a (2), pharma-x (3); all signatures valid"), run.out());
  }

  @Test
  void withoutTheCaTheSignaturesAreSaidNotToBeChecked() throws IOException {
    VerifierRun run = verify(honest(), List.of(pharma, hospital), Optional.empty());

    assertEquals(Main.VERIFIED, run.exitCode(), run.out());
    assertTrue(run.out().contains("5 of 10 events signed by: hospital-a (2), pharma-x (3); signatures NOT checked against a network CA"), run.out());
    assertTrue(run.err().contains("were NOT checked against a network CA (pass --ca"), run.err());
  }

  @Test
  void aChangedSignatureByteFailsAtItsEvent() throws IOException {
    Map<Integer, Signing> signings = honest();
    signings.put(5, new Signing(hospital, "hospital-a", true));

    assertFailsWith(
        verify(signings, List.of(pharma, hospital), Optional.of(caFile)),
        "event #5: submission signature: the signature does not verify with certificate " + hospital.certificate().serialHex() + " of hospital-a");
  }

  @Test
  void certificatesOfAnotherCaAreRefused() throws IOException {
    assertFailsWith(
        verify(honest(), List.of(pharma, hospital), Optional.of(otherCaFile)),
        "event #1: submission signature: OTHER_CA: ",
        "event #5: submission signature: OTHER_CA: ");
  }

  @Test
  void aCertificateRevokedBeforeTheSigningIsRefusedOneRevokedAfterIsNot() throws IOException {
    X509CRL revokedAnHourBefore = crlRevokingPharma("revoked-before", Duration.ofHours(-1));
    assertFailsWith(
        verify(honest(), exporter(List.of(pharma, hospital), revokedAnHourBefore), Optional.of(caFile)),
        "event #1: submission signature: REVOKED: certificate " + pharma.certificate().serialHex(),
        "before it signed at",
        "event #3: submission signature: REVOKED");

    X509CRL revokedAnHourAfter = crlRevokingPharma("revoked-after", Duration.ofHours(1));
    VerifierRun run = verify(honest(), exporter(List.of(pharma, hospital), revokedAnHourAfter), Optional.of(caFile));
    assertEquals(Main.VERIFIED, run.exitCode(), "a signature made before the revocation stays valid:\n" + run.out());
  }

  /** The CRL of our CA after revoking pharma-x's certificate at now + {@code offset} (on a copy of the CA). */
  private X509CRL crlRevokingPharma(String copyName, Duration offset) throws IOException {
    Path copy = dir.resolve(copyName);
    try (var paths = Files.walk(signed.ca.directory().root())) {
      for (Path path : paths.toList()) {
        Files.copy(path, copy.resolve(signed.ca.directory().root().relativize(path).toString()));
      }
    }
    NetworkCa revoking = NetworkCa.open(copy, Clock.offset(Clock.systemUTC(), offset));
    revoking.revoke(pharma.certificate().serialHex());
    return revoking.currentCrl();
  }

  @Test
  void aMissingCertificateIsNamed() throws IOException {
    assertFailsWith(
        verify(honest(), List.of(pharma), Optional.of(caFile)),
        "event #5: submission signature: the bundle holds no certificate for key id " + hospital.certificate().keyId(),
        "event #6: submission signature: the bundle holds no certificate");
  }

  @Test
  void aCertificateOfAnotherOrganisationThanTheActingOneIsRefused() throws IOException {
    Map<Integer, Signing> signings = honest();
    signings.put(6, new Signing(hospital, "st-mary", false));

    assertFailsWith(
        verify(signings, List.of(pharma, hospital), Optional.of(caFile)),
        "event #6: submission signature: certificate " + hospital.certificate().serialHex() + " of hospital-a does not belong to the event's acting organisation st-mary");
  }

  @Test
  void aCertificateSwappedForAnotherUnderTheSameKeyIdIsRefused() throws IOException {
    BundleFixture fixture = new BundleFixture(chain(honest()), exporter(List.of(pharma, hospital)));
    Map<String, String> certificates = new HashMap<>(fixture.bundle.certificates());
    certificates.put(pharma.certificate().keyId(), certificates.get(hospital.certificate().keyId()));
    HistoryBundle swapped = fixture.bundle.withCertificates(certificates, fixture.bundle.crl());
    Path file = Files.createTempFile(dir, "bundle", ".json");
    BundleWriter.write(swapped, file);

    assertFailsWith(run(fixture, file, Optional.of(caFile)), "event #1: submission signature: the bundle's certificate for key id " + pharma.certificate().keyId() + " is another one");
  }

  @Test
  void aVersionOneBundleStillReadsAndHasNoCertificates() throws Exception {
    BundleFixture fixture = new BundleFixture(3);
    String json = BundleWriter.toJson(fixture.bundle);
    String v1 = json.replace(HistoryBundle.FORMAT, HistoryBundle.FORMAT_V1).replace("  \"certificates\" : { },\n  \"crl\" : \"\",\n  \"networkPolicy\" : \"\",\n", "");
    assertTrue(!v1.contains("certificates"), v1);

    HistoryBundle read = BundleReader.read(v1.getBytes(StandardCharsets.UTF_8));
    assertEquals(Map.of(), read.certificates());
    assertEquals("", read.crl());
    VerifierRun run = run(fixture, Files.writeString(Files.createTempFile(dir, "v1", ".json"), v1), Optional.of(caFile));
    assertEquals(Main.VERIFIED, run.exitCode(), run.out());
    // A v1 bundle with the v2 fields is not one.
    org.junit.jupiter.api.Assertions.assertThrows(
        BundleException.class, () -> BundleReader.read(json.replace(HistoryBundle.FORMAT, HistoryBundle.FORMAT_V1).getBytes(StandardCharsets.UTF_8)));
  }
}
