package org.medtrace.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The one verifier of signed submissions, with a real CA on disk, for Kafka records' rules. */
class SubmissionVerifierTest {

  private static final Instant ISSUED = Instant.parse("2026-06-01T10:00:00Z");
  private static final Instant NOW = ISSUED.plus(Duration.ofDays(100));
  private static final SignatureClaim.FieldNames NAMES = new SignatureClaim.FieldNames("key-id", "signed-at", "signature", "certificate");
  private static final byte[] VALUE = "MSH|^~\\&|LAB".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;
  private NetworkCa ca;
  private NetworkCa.Issued acme;
  private SubmissionVerifier backlog;

  @BeforeEach
  void ca() {
    ca = NetworkCa.init(dir.resolve("ca"), "test network CA", Duration.ofDays(3650), Clock.fixed(ISSUED, ZoneOffset.UTC));
    acme = ca.issue("acme-lab", "laboratory", Duration.ofDays(365));
    backlog = verifier(new SignatureFreshness.Backlog(Duration.ofMinutes(5), Duration.ofDays(7)));
  }

  private SubmissionVerifier verifier(SignatureFreshness freshness) {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    return new SubmissionVerifier(Optional.of(new TrustDirectory(TrustLocation.of(dir.resolve("ca")), Duration.ZERO, clock, warning -> {})), freshness, clock);
  }

  @Test
  void aGoodSignatureVerifiesAndYieldsWhatTheEventStores() {
    Map<String, String> fields = signed(acme, "medtrace.lab-results", NOW.minus(Duration.ofHours(6)));
    SubmissionVerifier.Verified verified = verify(backlog, fields, "medtrace.lab-results", VALUE);
    assertEquals("acme-lab", verified.certificate().organisation());
    assertEquals(acme.certificate().keyId(), verified.keyId());
    assertArrayEquals(
        SignedRecord.of("medtrace.lab-results", null, VALUE, NOW.minus(Duration.ofHours(6)).getEpochSecond(), acme.certificate().keyId()).canonicalBytes(),
        verified.canonicalBytes());
    verified.requireOrganisation("acme-lab", "the record");
    assertRefused(SubmissionRefused.Reason.CERTIFICATE_ORGANISATION_MISMATCH, () -> verified.requireOrganisation("st-mary", "the record"));
  }

  @Test
  void eachBrokenSignatureIsRefusedWithItsReason() {
    Instant signedAt = NOW.minusSeconds(30);
    Map<String, String> good = signed(acme, "medtrace.lab-results", signedAt);

    assertRefused(SubmissionRefused.Reason.BAD_SIGNATURE, () -> verify(backlog, good, "medtrace.lab-results", "MSH|other".getBytes(StandardCharsets.UTF_8)));
    assertRefused(SubmissionRefused.Reason.BAD_SIGNATURE, () -> verify(backlog, good, "medtrace.epcis-events", VALUE));
    NetworkCa.Issued second = ca.issue("acme-lab", "laboratory", Duration.ofDays(365));
    Map<String, String> wrongKey = new HashMap<>(good);
    wrongKey.put("key-id", second.certificate().keyId());
    assertRefused(SubmissionRefused.Reason.BAD_SIGNATURE, () -> verify(backlog, wrongKey, "medtrace.lab-results", VALUE));

    Map<String, String> unknown = new HashMap<>(good);
    unknown.put("key-id", "00".repeat(32));
    assertRefused(SubmissionRefused.Reason.UNKNOWN_CERTIFICATE, () -> verify(backlog, unknown, "medtrace.lab-results", VALUE));

    assertRefused(SubmissionRefused.Reason.STALE_SIGNATURE,
        () -> verify(backlog, signed(acme, "medtrace.lab-results", NOW.plus(Duration.ofMinutes(6))), "medtrace.lab-results", VALUE));
    assertRefused(SubmissionRefused.Reason.STALE_SIGNATURE,
        () -> verify(backlog, signed(acme, "medtrace.lab-results", NOW.minus(Duration.ofDays(8))), "medtrace.lab-results", VALUE));
    // An hour old is stale for an HTTP request, fine for a queued record.
    Map<String, String> hourOld = signed(acme, "medtrace.lab-results", NOW.minus(Duration.ofHours(1)));
    verify(backlog, hourOld, "medtrace.lab-results", VALUE);
    assertRefused(SubmissionRefused.Reason.STALE_SIGNATURE,
        () -> verify(verifier(new SignatureFreshness.AroundNow(Duration.ofMinutes(5))), hourOld, "medtrace.lab-results", VALUE));

    Map<String, String> noSignature = new HashMap<>(good);
    noSignature.remove("signature");
    assertRefused(SubmissionRefused.Reason.MALFORMED_SIGNATURE, () -> verify(backlog, noSignature, "medtrace.lab-results", VALUE));
    Map<String, String> notSeconds = new HashMap<>(good);
    notSeconds.put("signed-at", "yesterday");
    assertRefused(SubmissionRefused.Reason.MALFORMED_SIGNATURE, () -> verify(backlog, notSeconds, "medtrace.lab-results", VALUE));

    ca.revoke(acme.certificate().serialHex());
    assertRefused(SubmissionRefused.Reason.CERTIFICATE_REVOKED, () -> verify(backlog, good, "medtrace.lab-results", VALUE));
  }

  @Test
  void aQueuedRecordNeedsItsCertificateValidWhenItWasSigned() {
    Clock issuing = Clock.fixed(NOW.minus(Duration.ofDays(3)), ZoneOffset.UTC);
    NetworkCa.Issued shortLived = NetworkCa.open(dir.resolve("ca"), issuing).issue("acme-lab", "laboratory", Duration.ofDays(1));
    // Signed while valid, checked two days after it expired: the backlog still counts.
    verify(backlog, signed(shortLived, "medtrace.lab-results", NOW.minus(Duration.ofDays(3)).plusSeconds(60)), "medtrace.lab-results", VALUE);
    assertRefused(SubmissionRefused.Reason.CERTIFICATE_EXPIRED,
        () -> verify(backlog, signed(shortLived, "medtrace.lab-results", NOW.minusSeconds(60)), "medtrace.lab-results", VALUE));
  }

  @Test
  void aCertificateBroughtAlongMayBePemOrBase64Der() throws Exception {
    NetworkCa.Issued unlisted = ca.issue("acme-lab", "laboratory", Duration.ofDays(365));
    Map<String, String> fields = signed(unlisted, "medtrace.lab-results", NOW);
    Files.delete(unlisted.certificateFile());
    assertRefused(SubmissionRefused.Reason.UNKNOWN_CERTIFICATE, () -> verify(backlog, fields, "medtrace.lab-results", VALUE));

    Map<String, String> withPem = new HashMap<>(fields);
    withPem.put("certificate", Pem.encode(unlisted.certificate().certificate()));
    verify(backlog, withPem, "medtrace.lab-results", VALUE);
    Map<String, String> withDer = new HashMap<>(fields);
    withDer.put("certificate", Base64.getEncoder().encodeToString(unlisted.certificate().certificate().getEncoded()));
    verify(backlog, withDer, "medtrace.lab-results", VALUE);
    Map<String, String> foreign = new HashMap<>(fields);
    foreign.put("certificate", Pem.encode(acme.certificate().certificate()));
    assertRefused(SubmissionRefused.Reason.MALFORMED_SIGNATURE, () -> verify(backlog, foreign, "medtrace.lab-results", VALUE));
  }

  @Test
  void unsignedIsNoClaimAndANodeCertificateSignsNothing() {
    assertTrue(SignatureClaim.read(NAMES, name -> Optional.empty()).isEmpty());
    NetworkCa.Issued node = ca.issueNode("acme-lab", "node-1.acme.example", Duration.ofDays(365));
    assertRefused(SubmissionRefused.Reason.UNTRUSTED_CERTIFICATE,
        () -> verify(backlog, signed(node, "medtrace.lab-results", NOW), "medtrace.lab-results", VALUE));
  }

  @Test
  void aWitnessKeysCertificateSignsNoSubmissions() throws Exception {
    java.security.KeyPair pair = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    org.medtrace.merkle.note.NoteKey witnessKey =
        org.medtrace.merkle.note.NoteKey.of("acme-lab.example/witness", org.medtrace.merkle.note.SignatureType.COSIGNATURE_V1, pair.getPublic());
    NetworkCa.Certified certified = ca.certify("acme-lab", NoteKeyRole.WITNESS, witnessKey, Duration.ofDays(365));
    NetworkCa.Issued asSigner = new NetworkCa.Issued(certified.certificate(), pair.getPrivate(), certified.certificateFile(), certified.certificateFile());
    SubmissionRefused refused =
        assertThrows(SubmissionRefused.class, () -> verify(backlog, signed(asSigner, "medtrace.lab-results", NOW), "medtrace.lab-results", VALUE));
    assertEquals(SubmissionRefused.Reason.UNTRUSTED_CERTIFICATE, refused.reason());
    assertTrue(refused.getMessage().contains("certifies a log or witness note key"), refused.getMessage());
  }

  private Map<String, String> signed(NetworkCa.Issued issued, String topic, Instant signedAt) {
    SignedRecord record = SignedRecord.of(topic, null, VALUE, signedAt.getEpochSecond(), issued.certificate().keyId());
    Map<String, String> fields = new HashMap<>();
    fields.put("key-id", issued.certificate().keyId());
    fields.put("signed-at", Long.toString(signedAt.getEpochSecond()));
    fields.put("signature", Base64.getEncoder().encodeToString(record.sign(issued.privateKey())));
    return fields;
  }

  private static SubmissionVerifier.Verified verify(SubmissionVerifier verifier, Map<String, String> fields, String topic, byte[] value) {
    SignatureClaim claim = SignatureClaim.read(NAMES, name -> Optional.ofNullable(fields.get(name))).orElseThrow();
    return verifier.verify(
        claim, Optional.empty(), "the record", c -> SignedRecord.of(topic, null, value, c.signedAtEpochSeconds(), c.keyId()));
  }

  private static void assertRefused(SubmissionRefused.Reason reason, Executable check) {
    assertEquals(reason, assertThrows(SubmissionRefused.class, check).reason());
  }
}
