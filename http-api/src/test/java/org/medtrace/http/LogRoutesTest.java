package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.http.JsonBodies.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.device.MedicalDevice;
import org.medtrace.actors.ledger.Role;
import org.medtrace.globallog.LogKey;
import org.medtrace.identity.NetworkCa;
import org.medtrace.identity.NoteKeyRole;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.LedgerEvent;
import org.medtrace.merkle.LogLeaf;
import org.medtrace.merkle.ProofVerifier;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * The global log's endpoints on a node whose log runs (writers, checkpoints every second, a
 * development log key): the proofs they answer verify with {@link ProofVerifier} against checkpoints
 * signed by the log key, and an exported history passes {@code medtrace-verify} while a tampered
 * copy fails it; an export of signed submissions carries their certificates and the CA's CRL, and
 * passes {@code medtrace-verify --ca} unless a signature, certificate or revocation is wrong; with
 * the log key certified by the CA (in the node's trust directory), an export verifies with the CA's
 * certificate alone; while the trust directory or the certificate table cannot be read, an export
 * is a 503, never a bundle with certificates or the CRL missing.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogRoutesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ApiTestNode node;
  private ApiClient api;
  private NoteKey logKey;
  private Path logKeyFile;
  private String maker;
  private String hospital;
  private String regulator;
  private int serials;
  private Path work;
  private NetworkCa ca;
  private Path caFile;
  private NetworkCa.Issued makerCertificate;
  private NetworkCa.Issued hospitalCertificate;
  private NetworkCa.Certified logCertificate;

  @BeforeAll
  void start() throws Exception {
    Path keyDirectory = Files.createTempDirectory("medtrace-log-key");
    // The network CA: st-mary's certificate is in the node's trust directory; medidevice-gmbh's is
    // not, so its client sends it along (Medtrace-Certificate) and only the node's table keeps it.
    work = Files.createTempDirectory("medtrace-log-ca");
    ca = NetworkCa.init(work.resolve("ca"), "test network CA", Duration.ofDays(3650), Clock.systemUTC());
    caFile = ca.directory().caCertificate();
    makerCertificate = ca.issue("medidevice-gmbh", "manufacturer", Duration.ofDays(30));
    hospitalCertificate = ca.issue("st-mary", "hospital", Duration.ofDays(30));
    Files.delete(makerCertificate.certificateFile());
    // The node reads its certificates from a folder of their own (trust-certs-dir), as the
    // Kubernetes manifests mount them: a copy of st-mary's now, the log key's below.
    Path trustCertificates = Files.createDirectory(work.resolve("trust-certs"));
    Files.copy(hospitalCertificate.certificateFile(), trustCertificates.resolve(hospitalCertificate.certificateFile().getFileName()));
    node =
        ApiTestNode.start(
            "http_log",
            ConfigFactory.parseString(
                """
                medtrace.global-log.enabled = on
                medtrace.global-log.checkpoint-interval = 1s
                medtrace.global-log.reconcile-interval = 2s
                medtrace.global-log.development-key.enabled = on
                medtrace.global-log.development-key.dir = "%s"
                medtrace.http.signed-submissions.trust-dir = "%s"
                medtrace.http.signed-submissions.trust-certs-dir = "%s"
                # Re-read on every use, so that a trust directory made unreadable fails the next export.
                medtrace.http.signed-submissions.reload-interval = 0s
                pekko.persistence.cassandra.events-by-tag.eventual-consistency-delay = 1s
                """
                    .formatted(keyDirectory, work.resolve("ca"), trustCertificates)));
    api = node.client();
    logKeyFile = keyDirectory.resolve(LogKey.VKEY_FILE);
    logKey = NoteKey.parse(Files.readString(logKeyFile));
    // The CA certifies the log key; the certificate goes to the node's certificates' folder, whence
    // exports take it. Moved, not copied: exports that carry it show that the node reads that
    // folder and not the CA's certs/.
    logCertificate = ca.certify("medtrace-operator", NoteKeyRole.LOG, logKey, Duration.ofDays(30));
    Files.move(logCertificate.certificateFile(), trustCertificates.resolve(logCertificate.certificateFile().getFileName()));
    maker = node.tokens().token(Role.MANUFACTURER, "medidevice-gmbh", "factory-1");
    hospital = node.tokens().token(Role.HOSPITAL, "st-mary", "biomed");
    regulator = node.tokens().token(Role.REGULATOR, "health-authority", "inspector-1");
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  /** A registered and installed device (two events); returns its id. */
  private String device() {
    String serial = "SN-LOG-" + (++serials) + "-" + Long.toString(System.nanoTime() % 100000, 36);
    ApiClient.Reply registered =
        api.post("/api/v1/devices", maker, json("model", "InfusionPump-X2", "serialNumber", serial, "factoryTestReportSha256", "cd".repeat(32)));
    assertEquals(201, registered.status(), registered.toString());
    String path = registered.header("Location").orElseThrow();
    assertEquals(200, api.post(path + "/installation", hospital, json("facility", "st-mary", "department", "icu", "responsiblePerson", "dr-house")).status());
    return "medidevice-gmbh/" + serial;
  }

  private static String log(String id) {
    return "/api/v1/devices/" + PathSegments.encode(id) + "/log";
  }

  /** Waits until the event is in a checkpoint, and returns its inclusion proof. */
  private JsonNode inclusion(String id, long sequenceNumber) {
    JsonNode[] answer = new JsonNode[1];
    node.awaitAssert(
        Duration.ofSeconds(30),
        () -> {
          ApiClient.Reply reply = api.get(log(id) + "/events/" + sequenceNumber + "/inclusion", regulator);
          assertEquals(200, reply.status(), reply.toString());
          answer[0] = reply.json();
        });
    return answer[0];
  }

  /** The export of a new device's history (two events), once both are in a checkpoint. */
  private ApiClient.Reply exportOfANewDevice() {
    String id = device();
    inclusion(id, 2);
    ApiClient.Reply export = api.get(log(id) + "/export", regulator);
    assertEquals(200, export.status(), export.toString());
    return export;
  }

  private Checkpoint verified(String note) throws Exception {
    return Checkpoint.verify(SignedNote.parse(note), logKey);
  }

  private static List<byte[]> hashes(JsonNode array) {
    List<byte[]> hashes = new ArrayList<>();
    array.forEach(hash -> hashes.add(Base64.getDecoder().decode(hash.asText())));
    return hashes;
  }

  @Test
  void proofEndpointsAnswerProofsThatProofVerifierAccepts() throws Exception {
    String id = device();
    JsonNode first = inclusion(id, 1);
    Checkpoint older = verified(first.path("checkpoint").asText());
    // The leaf is the one of the event the journal holds (its hash from the trail).
    JsonNode trail = api.get("/api/v1/devices/" + PathSegments.encode(id) + "/trail", regulator).json();
    byte[] eventHash = HexFormat.of().parseHex(trail.path("events").get(0).path("hash").asText());
    byte[] leafHash = new LogLeaf(MedicalDevice.ENTITY_TYPE, id, 1, eventHash).leafHash();
    assertArrayEquals(leafHash, Base64.getDecoder().decode(first.path("leafHash").asText()));
    assertTrue(
        ProofVerifier.verifyInclusion(leafHash, first.path("leafIndex").asLong(), older.size(), hashes(first.path("proof")), older.rootHash())
            .isValid());

    String engineer = node.tokens().token(Role.DEVICE_ENGINEER, "st-mary", "eng-7");
    assertEquals(
        200,
        api.post("/api/v1/devices/" + PathSegments.encode(id) + "/decommissioning", engineer, json("reason", "end of life", "disposalMethod", "recycling"))
            .status());
    inclusion(id, 3);
    int slice = first.path("slice").asInt();
    node.awaitAssert(
        Duration.ofSeconds(30),
        () -> assertTrue(api.get("/api/v1/log/slices/" + slice + "/checkpoint", regulator).json().path("treeSize").asLong() > older.size()));
    JsonNode latest = api.get("/api/v1/log/slices/" + slice + "/checkpoint", regulator).json();
    Checkpoint newer = verified(latest.path("checkpoint").asText());
    assertEquals(latest.path("treeSize").asLong(), newer.size());

    JsonNode consistency =
        api.get("/api/v1/log/slices/" + slice + "/consistency?from=" + older.size() + "&to=" + newer.size(), regulator).json();
    assertTrue(
        ProofVerifier.verifyConsistency(older.size(), newer.size(), older.rootHash(), newer.rootHash(), hashes(consistency.path("proof")))
            .isValid(),
        consistency.toString());
    JsonNode again = api.get(log(id) + "/events/1/inclusion?treeSize=" + newer.size(), regulator).json();
    assertTrue(
        ProofVerifier.verifyInclusion(leafHash, again.path("leafIndex").asLong(), newer.size(), hashes(again.path("proof")), newer.rootHash())
            .isValid());

    ApiClient.Reply witnessed = api.get("/api/v1/log/slices/" + slice + "/checkpoint/witnessed", regulator);
    assertEquals(404, witnessed.status(), "no witnesses are configured, so nothing is witnessed: " + witnessed);
  }

  @Test
  void anExportedHistoryPassesMedtraceVerifyAndATamperedOneFailsIt() throws Exception {
    ApiClient.Reply export = exportOfANewDevice();
    Path bundle = Files.writeString(Files.createTempFile("history", ".json"), export.text());
    assertEquals(0, verify(bundle), "the exported bundle verifies");

    ObjectNode tampered = (ObjectNode) JSON.readTree(export.text());
    ObjectNode event = (ObjectNode) ((ArrayNode) tampered.get("events")).get(1);
    byte[] stored = Base64.getDecoder().decode(event.get("ledgerEvent").asText());
    stored[stored.length / 2] ^= 1;
    event.put("ledgerEvent", Base64.getEncoder().encodeToString(stored));
    Files.writeString(bundle, JSON.writeValueAsString(tampered) + "\n");
    assertEquals(1, verify(bundle), "a changed stored event fails");
  }

  @Test
  void anExportCarriesTheLogKeysCertificateAndVerifiesWithOnlyTheCaCertificate() throws Exception {
    ApiClient.Reply export = exportOfANewDevice();
    ObjectNode exported = (ObjectNode) JSON.readTree(export.text());
    assertTrue(exported.path("certificates").has(logCertificate.certificate().keyId()), exported.path("certificates").toString());
    Path bundle = Files.writeString(Files.createTempFile("certified-history", ".json"), export.text());

    Verification checked = verifyWithout(bundle, "--ca", caFile.toString());
    assertEquals(0, checked.status(), checked.output());
    assertTrue(checked.output().contains(" by the log key of medtrace-operator (CA-certified), cosigned by 0 of 0 witnesses"), checked.output());
    assertTrue(checked.output().contains("NOT fixed by the auditor or the CA"), checked.output());

    // Without the log key's certificate the auditor has only the bundle's word for the key.
    ObjectNode uncertified = exported.deepCopy();
    ((ObjectNode) uncertified.get("certificates")).remove(logCertificate.certificate().keyId());
    assertFails(
        verifyWithout(write(uncertified), "--ca", caFile.toString()),
        "checkpoint: the log key " + logKey.name() + "+" + logKey.keyIdHex() + " is not CA-certified: the bundle holds no certificate for it");
    // A changed stored event fails as ever.
    ObjectNode tampered = exported.deepCopy();
    ObjectNode event = (ObjectNode) ((ArrayNode) tampered.get("events")).get(1);
    byte[] stored = Base64.getDecoder().decode(event.get("ledgerEvent").asText());
    stored[stored.length / 2] ^= 1;
    event.put("ledgerEvent", Base64.getEncoder().encodeToString(stored));
    assertFails(verifyWithout(write(tampered), "--ca", caFile.toString()), "chain: broken");
  }

  @Test
  void entityProofsFollowTheEntitysReaders() {
    String id = device();
    inclusion(id, 1);
    String patient = node.tokens().patient("pk-11111111");
    String laboratory = node.tokens().token(Role.LABORATORY, "city-lab", "lab-1");
    assertEquals(403, api.get(log(id) + "/export", patient).status());
    assertEquals(403, api.get(log(id) + "/events/1/inclusion", laboratory).status());
    assertEquals(200, api.get("/api/v1/log/slices/0/checkpoint", laboratory).status());
    assertEquals(403, api.get("/api/v1/patients/pk-22222222/log/events/1/inclusion", patient).status());
    assertEquals(403, api.get("/api/v1/patients/pk-22222222/log/export", regulator).status());
    assertEquals(404, api.get(log(id) + "/events/99/inclusion", regulator).status());
    assertEquals(400, api.get("/api/v1/log/slices/16/checkpoint", regulator).status());
  }

  @Test
  void anExportCarriesTheSigningCertificatesAndMedtraceVerifyChecksThemAgainstTheCa() throws Exception {
    // A device registered by medidevice-gmbh (certificate sent inline) and installed by st-mary
    // (certificate from the trust directory), both as signed submissions; decommissioned unsigned.
    String serial = "SN-SIGNED-" + Long.toString(System.nanoTime() % 100000, 36);
    String registration = json("model", "InfusionPump-X2", "serialNumber", serial, "factoryTestReportSha256", "cd".repeat(32));
    ApiClient.Reply registered =
        signedPost("/api/v1/devices", maker, registration, "reg-" + serial, makerCertificate, true);
    assertEquals(201, registered.status(), registered.toString());
    String id = "medidevice-gmbh/" + serial;
    String device = "/api/v1/devices/" + PathSegments.encode(id);
    String installation = json("facility", "st-mary", "department", "icu", "responsiblePerson", "dr-house");
    ApiClient.Reply installed = signedPost(device + "/installation", hospital, installation, "inst-" + serial, hospitalCertificate, false);
    assertEquals(200, installed.status(), installed.toString());
    String engineer = node.tokens().token(Role.DEVICE_ENGINEER, "st-mary", "eng-7");
    assertEquals(200, api.post(device + "/decommissioning", engineer, json("reason", "end of life", "disposalMethod", "recycling")).status());
    inclusion(id, 3);

    ApiClient.Reply export = api.get(log(id) + "/export", regulator);
    assertEquals(200, export.status(), export.toString());
    ObjectNode exported = (ObjectNode) JSON.readTree(export.text());
    assertEquals("medtrace-history-bundle/v3", exported.path("format").asText());
    // The two signers' certificates and the log key's.
    assertEquals(3, exported.path("certificates").size(), exported.path("certificates").toString());
    assertTrue(exported.path("certificates").has(makerCertificate.certificate().keyId()), "the inline certificate was kept");
    assertTrue(!exported.path("crl").asText().isEmpty(), "the node's CRL is in the bundle");
    Path bundle = Files.writeString(Files.createTempFile("signed-history", ".json"), export.text());

    Verification checked = verify(bundle, "--ca", caFile.toString());
    assertEquals(0, checked.status(), checked.output());
    assertTrue(checked.output().contains("; 2 of 3 events signed by: medidevice-gmbh (1), st-mary (1); all signatures valid"), checked.output());
    Verification unchecked = verify(bundle, new String[0]);
    assertEquals(0, unchecked.status(), unchecked.output());
    assertTrue(unchecked.output().contains("signatures NOT checked against a network CA"), unchecked.output());

    // A changed signature byte (the chain breaks too: the signature is inside the hashed body).
    ObjectNode changedSignature = exported.deepCopy();
    ObjectNode first = (ObjectNode) changedSignature.get("events").get(0);
    LedgerEvent stored = LedgerEvent.parseFrom(Base64.getDecoder().decode(first.get("ledgerEvent").asText()));
    EventBody.Builder body = EventBody.parseFrom(stored.getBody()).toBuilder();
    byte[] signature = body.getSubmissionSignature().getSignature().toByteArray();
    signature[7] ^= 1;
    body.getSubmissionSignatureBuilder().setSignature(ByteString.copyFrom(signature));
    first.put("ledgerEvent", Base64.getEncoder().encodeToString(stored.toBuilder().setBody(body.build().toByteString()).build().toByteArray()));
    assertFails(
        verify(write(changedSignature), "--ca", caFile.toString()),
        "event #1: submission signature: the signature does not verify with certificate " + makerCertificate.certificate().serialHex());

    // The CA of another network, with the same name.
    Path otherCa =
        NetworkCa.init(work.resolve("other-ca"), "test network CA", Duration.ofDays(3650), Clock.systemUTC()).directory().caCertificate();
    assertFails(verify(bundle, "--ca", otherCa.toString()), "event #1: submission signature: OTHER_CA", "event #2: submission signature: OTHER_CA");

    // st-mary's certificate revoked an hour before it signed, per a CRL of the same CA.
    Path revoking = work.resolve("ca-revoking");
    try (var paths = Files.walk(work.resolve("ca"))) {
      for (Path path : paths.toList()) {
        Files.copy(path, revoking.resolve(work.resolve("ca").relativize(path).toString()));
      }
    }
    NetworkCa backdated = NetworkCa.open(revoking, Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)));
    backdated.revoke(hospitalCertificate.certificate().serialHex());
    ObjectNode revoked = exported.deepCopy();
    revoked.put("crl", Base64.getEncoder().encodeToString(backdated.currentCrl().getEncoded()));
    assertFails(
        verify(write(revoked), "--ca", caFile.toString()),
        "event #2: submission signature: REVOKED: certificate " + hospitalCertificate.certificate().serialHex());

    // medidevice-gmbh's certificate left out.
    ObjectNode missing = exported.deepCopy();
    ((ObjectNode) missing.get("certificates")).remove(makerCertificate.certificate().keyId());
    assertFails(
        verify(write(missing), "--ca", caFile.toString()),
        "event #1: submission signature: the bundle holds no certificate for key id " + makerCertificate.certificate().keyId());
  }

  @Test
  void anExportAnswers503WithRetryAfterAndNoBundleWhileTheTrustDirectoryOrTheCertificateStoreCannotBeRead() throws Exception {
    // Signed with its certificate inline: only the node's certificate table has it.
    String serial = "SN-UNAVAILABLE-" + Long.toString(System.nanoTime() % 100000, 36);
    ApiClient.Reply registered =
        signedPost(
            "/api/v1/devices", maker, json("model", "InfusionPump-X2", "serialNumber", serial, "factoryTestReportSha256", "cd".repeat(32)),
            "reg-" + serial, makerCertificate, true);
    assertEquals(201, registered.status(), registered.toString());
    String export = log("medidevice-gmbh/" + serial) + "/export";
    inclusion("medidevice-gmbh/" + serial, 1);
    assertEquals(200, api.get(export, regulator).status(), "exportable while both can be read");

    Path crl = ca.directory().crl();
    Path aside = crl.resolveSibling("crl.pem.aside");
    Files.move(crl, aside);
    try {
      assertUnavailable(api.get(export, regulator), "trust directory");
    } finally {
      Files.move(aside, crl);
    }

    // The table dropped, and put back with its rows afterwards (the other tests' exports need them).
    CqlSession cassandra = RealCassandra.session();
    String table = "http_log_journal.submission_certificates";
    List<Row> rows = cassandra.execute("SELECT key_id, certificate, organisation FROM " + table).all();
    cassandra.execute("DROP TABLE " + table);
    try {
      assertUnavailable(api.get(export, regulator), "signing certificates");
    } finally {
      RealCassandra.createKeyspaces("http_log_journal", "http_log_snapshot");
      for (Row row : rows) {
        cassandra.execute(
            SimpleStatement.newInstance(
                "INSERT INTO " + table + " (key_id, certificate, organisation) VALUES (?, ?, ?)",
                row.getString("key_id"), row.getByteBuffer("certificate"), row.getString("organisation")));
      }
    }
    ApiClient.Reply again = api.get(export, regulator);
    assertEquals(200, again.status(), again.toString());
    assertTrue(JSON.readTree(again.text()).path("certificates").has(makerCertificate.certificate().keyId()), again.text());
  }

  /** A 503 to retry later, with a problem document and nothing of the bundle. */
  private static void assertUnavailable(ApiClient.Reply reply, String what) {
    BatchRoutesTest.assertProblem(reply, 503, "unavailable");
    assertTrue(reply.header("Retry-After").isPresent(), reply.headers().toString());
    assertTrue(reply.json().path("detail").asText().contains(what), reply.toString());
    assertTrue(!reply.text().contains("medtrace-history-bundle") && !reply.json().has("events"), "no partial bundle: " + reply);
  }

  private ApiClient.Reply signedPost(
      String path, String token, String body, String idempotencyKey, NetworkCa.Issued signer, boolean sendCertificate) throws Exception {
    long signedAt = node.clock().instant().getEpochSecond();
    Map<String, String> headers =
        new HashMap<>(
            SignedSubmissionRoutesTest.signatureHeaders(
                idempotencyKey,
                signer.certificate().keyId(),
                signedAt,
                SignedSubmissionRoutesTest.sign(signer.privateKey(), "POST", path, body, idempotencyKey, signedAt, signer)));
    if (sendCertificate) {
      headers.put("Medtrace-Certificate", Base64.getEncoder().encodeToString(signer.certificate().certificate().getEncoded()));
    }
    return api.post(path, token, body, headers);
  }

  private static Path write(ObjectNode bundle) throws Exception {
    return Files.writeString(Files.createTempFile("tampered-history", ".json"), JSON.writeValueAsString(bundle) + "\n");
  }

  private static void assertFails(Verification verification, String... fragments) {
    assertEquals(1, verification.status(), verification.output());
    for (String fragment : fragments) {
      assertTrue(verification.output().contains(fragment), "expected '" + fragment + "' in:\n" + verification.output());
    }
  }

  private record Verification(int status, String output) {}

  private int verify(Path bundle) {
    return verify(bundle, new String[0]).status();
  }

  private Verification verify(Path bundle, String... options) {
    List<String> args = new ArrayList<>(List.of("--trust-log", logKeyFile.toString()));
    args.addAll(List.of(options));
    return verifyWithout(bundle, args.toArray(String[]::new));
  }

  /** medtrace-verify with only {@code options}: no log key from its operator. */
  private static Verification verifyWithout(Path bundle, String... options) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<String> args = new ArrayList<>(List.of(options));
    args.add(bundle.toString());
    int status = org.medtrace.verify.Main.run(args.toArray(String[]::new), new PrintStream(out), new PrintStream(out));
    System.out.println(out);
    return new Verification(status, out.toString());
  }
}
