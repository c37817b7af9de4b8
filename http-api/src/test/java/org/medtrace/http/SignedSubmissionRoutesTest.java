package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.http.BatchRoutesTest.assertProblem;
import static org.medtrace.http.JsonBodies.json;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.medtrace.actors.ledger.Role;
import org.medtrace.identity.IssuedCertificate;
import org.medtrace.identity.NetworkCa;
import org.medtrace.identity.SignedRequest;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * Signed submissions against a node on the real Cassandra: a valid one is stored with its
 * signature and key id; every kind of bad one is refused with its own problem type, and nothing is
 * stored.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SignedSubmissionRoutesTest {

  private static final String GTIN = BatchRoutesTest.GTIN;
  private static final AtomicInteger LOTS = new AtomicInteger();

  private Path trustDir;
  private ApiTestNode node;
  private ApiClient api;
  private String manufacturer;
  private String strictManufacturer;
  private String regulator;
  private NetworkCa.Issued acme;
  private NetworkCa.Issued acmeRevoked;
  private NetworkCa.Issued acmeExpired;
  private NetworkCa.Issued acmeFromOtherCa;
  private NetworkCa.Issued stMary;
  private NetworkCa.Issued strict;
  private NetworkCa.Issued acmeSecond;

  @BeforeAll
  void start() throws IOException {
    Path work = Files.createTempDirectory("medtrace-signed-submissions");
    trustDir = work.resolve("ca");
    NetworkCa ca = NetworkCa.init(trustDir, "test network CA", Duration.ofDays(3650), Clock.systemUTC());
    acme = ca.issue("acme-pharma", "manufacturer", Duration.ofDays(30));
    acmeRevoked = ca.issue("acme-pharma", "manufacturer", Duration.ofDays(30));
    ca.revoke(acmeRevoked.certificate().serialHex());
    stMary = ca.issue("st-mary", "hospital", Duration.ofDays(30));
    strict = ca.issue("strict-pharma", "manufacturer", Duration.ofDays(30));
    acmeSecond = ca.issue("acme-pharma", "manufacturer", Duration.ofDays(30));
    acmeExpired =
        NetworkCa.open(trustDir, Clock.offset(Clock.systemUTC(), Duration.ofDays(-10))).issue("acme-pharma", "manufacturer", Duration.ofDays(1));
    acmeFromOtherCa =
        NetworkCa.init(work.resolve("other-ca"), "test network CA", Duration.ofDays(3650), Clock.systemUTC())
            .issue("acme-pharma", "manufacturer", Duration.ofDays(30));

    node =
        ApiTestNode.start(
            "http_signed",
            ConfigFactory.empty()
                .withValue("medtrace.http.signed-submissions.trust-dir", ConfigValueFactory.fromAnyRef(trustDir.toString()))
                .withValue("medtrace.http.signed-submissions.reload-interval", ConfigValueFactory.fromAnyRef("0s"))
                .withValue("medtrace.http.signed-submissions.required-for-organisations", ConfigValueFactory.fromIterable(List.of("strict-pharma"))));
    api = node.client();
    manufacturer = node.tokens().token(Role.MANUFACTURER, "acme-pharma", "qa-lead");
    strictManufacturer = node.tokens().token(Role.MANUFACTURER, "strict-pharma", "qa-lead");
    regulator = node.tokens().token(Role.REGULATOR, "health-authority", "inspector-1");
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void signedRegistrationIsStoredWithItsSignatureAndKeyId() throws Exception {
    String lot = newLot();
    String body = registration(lot);
    long signedAt = now();

    ApiClient.Reply reply = post("/api/v1/batches", manufacturer, body, "reg-" + lot, acme, acme.privateKey(), signedAt, Map.of());

    assertEquals(201, reply.status(), reply.toString());
    JsonNode event = trail(lot).path("events").get(0);
    JsonNode stored = event.path("submissionSignature");
    assertEquals(acme.certificate().keyId(), stored.path("keyId").asText(), event.toString());
    String expected =
        new String(
            SignedRequest.of("POST", "/api/v1/batches", body.getBytes(StandardCharsets.UTF_8), "reg-" + lot, signedAt, acme.certificate().keyId())
                .canonicalBytes(),
            StandardCharsets.UTF_8);
    assertEquals(expected, stored.path("signedRequest").asText());
    // What is stored proves authorship to anyone with the certificate.
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(acme.certificate().certificate().getPublicKey());
    verifier.update(stored.path("signedRequest").asText().getBytes(StandardCharsets.UTF_8));
    assertTrue(verifier.verify(Base64.getDecoder().decode(stored.path("signature").asText())));

    // A signed write on the batch's own path: the target with its path parameters is covered too.
    String shipment = json("shipmentId", "SH-1", "fromOrganisation", "acme-pharma", "toOrganisation", "st-mary", "carrier", "cold-logistics");
    ApiClient.Reply shipped =
        post("/api/v1/batches/" + GTIN + "/" + lot + "/shipments", manufacturer, shipment, "ship-" + lot, acme, acme.privateKey(), now(), Map.of());
    assertEquals(200, shipped.status(), shipped.toString());
    assertEquals(acme.certificate().keyId(), trail(lot).path("events").get(1).path("submissionSignature").path("keyId").asText());
  }

  @Test
  void aSignedWriteOnAnEscapedPathVerifiesWhateverTheClientEscaped() {
    String maker = node.tokens().token(Role.MANUFACTURER, "medidevice-gmbh", "factory-1");
    String hospital = node.tokens().token(Role.HOSPITAL, "st-mary", "biomed");
    String serial = "SN-" + newLot();
    ApiClient.Reply registered =
        api.post("/api/v1/devices", maker, json("model", "InfusionPump-X2", "serialNumber", serial, "factoryTestReportSha256", BatchRoutesTest.QC));
    assertEquals(201, registered.status(), registered.toString());
    // The id medidevice-gmbh/<serial> is one path segment; this client escapes its '/' in lower case.
    String installation = "/api/v1/devices/medidevice-gmbh%2f" + serial + "/installation";

    ApiClient.Reply installed =
        post(installation, hospital, json("facility", "st-mary", "department", "icu", "responsiblePerson", "dr-house"), "install-" + serial,
            stMary, stMary.privateKey(), now(), Map.of());

    assertEquals(200, installed.status(), installed.toString());
    JsonNode trail = api.get("/api/v1/devices/medidevice-gmbh%2F" + serial + "/trail?order=oldest", hospital).json();
    JsonNode stored = trail.path("events").get(1).path("submissionSignature");
    assertEquals(stMary.certificate().keyId(), stored.path("keyId").asText(), trail.toString());
    assertTrue(stored.path("signedRequest").asText().contains("\n/api/v1/devices/medidevice-gmbh%2F" + serial + "/installation\n"), stored.toString());
  }

  @Test
  void anUnsignedWriteStoresNoSubmissionSignature() {
    String lot = newLot();
    assertEquals(201, api.post("/api/v1/batches", manufacturer, registration(lot)).status());
    assertTrue(trail(lot).path("events").get(0).path("submissionSignature").isMissingNode());
  }

  @Test
  void theSameSignedRequestAgainIsARepeatThatStoresNothing() {
    String lot = newLot();
    String body = registration(lot);
    long signedAt = now();
    assertEquals(201, post("/api/v1/batches", manufacturer, body, "reg-" + lot, acme, acme.privateKey(), signedAt, Map.of()).status());

    ApiClient.Reply replayed = post("/api/v1/batches", manufacturer, body, "reg-" + lot, acme, acme.privateKey(), signedAt, Map.of());

    assertEquals("already-recorded", replayed.json().path("outcome").asText(), replayed.toString());
    assertEquals(1, trail(lot).path("headSequenceNumber").asLong());
  }

  @Test
  void aTamperedBodyIsRefused() {
    String lot = newLot();
    String signedBody = registration(lot);
    String sentBody = signedBody.replace("\"quantity\":5", "\"quantity\":500");
    assertFalse(signedBody.equals(sentBody));
    long signedAt = now();
    String signature = acmeRegistrationSignature(lot, signedBody, signedAt);

    ApiClient.Reply reply = sendAcmeRegistration(sentBody, "reg-" + lot, signedAt, signature);

    assertRefusedAndNothingStored(reply, 401, "bad-signature", lot);
  }

  @Test
  void aSignatureReplayedOverAnotherRequestIsRefused() {
    String lot = newLot();
    String body = registration(lot);
    long signedAt = now();
    String signature = acmeRegistrationSignature(lot, body, signedAt);
    assertEquals(201, sendAcmeRegistration(body, "reg-" + lot, signedAt, signature).status());

    String otherLot = newLot();
    ApiClient.Reply otherBody =
        sendAcmeRegistration(registration(otherLot), "reg-" + lot, signedAt, signature);
    assertRefusedAndNothingStored(otherBody, 401, "bad-signature", otherLot);
    ApiClient.Reply otherNonce =
        sendAcmeRegistration(body, "reg-again-" + lot, signedAt, signature);
    assertProblem(otherNonce, 401, "bad-signature");
    assertEquals(1, trail(lot).path("headSequenceNumber").asLong(), "the replay added nothing to the signed batch");
  }

  /** One way a signed registration is wrong: who it claims to be, what signs it, and the answer. */
  record Refusal(String name, NetworkCa.Issued claimed, PrivateKey key, long clockOffsetSeconds, boolean sendCertificate, int status, String type) {
    @Override
    public String toString() {
      return name;
    }
  }

  List<Refusal> refusals() {
    NetworkCa.Issued nodeCertificate =
        NetworkCa.open(trustDir, Clock.systemUTC()).issueNode("acme-pharma", "node-1.acme.example", Duration.ofDays(1));
    return List.of(
        new Refusal("another key than the certificate's", acme, stMary.privateKey(), 0, false, 401, "bad-signature"),
        new Refusal("a revoked certificate", acmeRevoked, acmeRevoked.privateKey(), 0, false, 403, "certificate-revoked"),
        new Refusal("an expired certificate", acmeExpired, acmeExpired.privateKey(), 0, false, 403, "certificate-expired"),
        new Refusal("another CA's certificate, sent along", acmeFromOtherCa, acmeFromOtherCa.privateKey(), 0, true, 403, "untrusted-certificate"),
        new Refusal("another CA's certificate, not sent", acmeFromOtherCa, acmeFromOtherCa.privateKey(), 0, false, 401, "unknown-certificate"),
        new Refusal("a node's certificate", nodeCertificate, nodeCertificate.privateKey(), 0, false, 403, "untrusted-certificate"),
        new Refusal("signed an hour ago", acme, acme.privateKey(), -3600, false, 401, "stale-signature"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void aWronglySignedRegistrationIsRefusedAndStoresNothing(Refusal refusal) throws Exception {
    String lot = newLot();
    Map<String, String> certificate =
        refusal.sendCertificate()
            ? Map.of("Medtrace-Certificate", Base64.getEncoder().encodeToString(refusal.claimed().certificate().certificate().getEncoded()))
            : Map.of();
    ApiClient.Reply reply = registrationOf(lot, refusal.claimed(), refusal.key(), now() + refusal.clockOffsetSeconds(), certificate);
    assertRefusedAndNothingStored(reply, refusal.status(), refusal.type(), lot);
  }

  @Test
  void aCertificateOfAnotherOrganisationIsRefused() {
    String lot = newLot();
    ApiClient.Reply reply = registrationOf(lot, stMary, stMary.privateKey(), now(), Map.of());
    assertRefusedAndNothingStored(reply, 403, "certificate-organisation-mismatch", lot);
    assertEquals("st-mary", reply.json().path("certificateOrganisation").asText());
  }

  @Test
  void incompleteSignatureHeadersAreRefused() {
    String lot = newLot();
    String body = registration(lot);
    long signedAt = now();
    String signature = acmeRegistrationSignature(lot, body, signedAt);
    ApiClient.Reply noNonce = api.post("/api/v1/batches", manufacturer, body, Map.of(
        "Medtrace-Key-Id", acme.certificate().keyId(), "Medtrace-Signed-At", Long.toString(signedAt), "Medtrace-Signature", signature));
    assertRefusedAndNothingStored(noNonce, 401, "malformed-signature", lot);
    ApiClient.Reply noSignature = api.post("/api/v1/batches", manufacturer, body, Map.of(
        "Idempotency-Key", "reg-" + lot, "Medtrace-Key-Id", acme.certificate().keyId(), "Medtrace-Signed-At", Long.toString(signedAt)));
    assertRefusedAndNothingStored(noSignature, 401, "malformed-signature", lot);
  }

  @Test
  void anOrganisationThatMustSignIsRefusedUnsignedAndAcceptedSigned() {
    String lot = newLot();
    String body = registration(lot);
    assertRefusedAndNothingStored(api.post("/api/v1/batches", strictManufacturer, body), 401, "signature-required", lot);

    ApiClient.Reply signed = post("/api/v1/batches", strictManufacturer, body, "reg-" + lot, strict, strict.privateKey(), now(), Map.of());
    assertEquals(201, signed.status(), signed.toString());
    assertEquals(strict.certificate().keyId(), trail(lot).path("events").get(0).path("submissionSignature").path("keyId").asText());
  }

  @Test
  void aSignedWriteWhoseCertificateCannotBeRecordedIsRefusedWith503AndStoresNothing() {
    // Without its certificate kept, the event could never be verified offline (history export).
    CqlSession cassandra = RealCassandra.session();
    String table = "http_signed_journal.submission_certificates";
    String refusedLot = newLot();
    cassandra.execute("DROP TABLE " + table);
    try {
      assertRefusedAndNothingStored(
          registrationOf(refusedLot, acmeSecond, acmeSecond.privateKey(), now(), Map.of()), 503, "unavailable", refusedLot);
    } finally {
      RealCassandra.createKeyspaces("http_signed_journal", "http_signed_snapshot");
    }

    String lot = newLot();
    ApiClient.Reply stored = registrationOf(lot, acmeSecond, acmeSecond.privateKey(), now(), Map.of());
    assertEquals(201, stored.status(), stored.toString());
    Row row =
        cassandra.execute(SimpleStatement.newInstance("SELECT organisation FROM " + table + " WHERE key_id = ?", acmeSecond.certificate().keyId())).one();
    assertEquals("acme-pharma", row == null ? null : row.getString("organisation"), "the certificate is kept for exports");
  }

  @Test
  void anUnreadableTrustDirectoryRefusesSignedWritesWith503AndStoresNothing() throws IOException {
    String lot = newLot();
    Path crl = trustDir.resolve("crl.pem");
    Path aside = trustDir.resolve("crl.pem.aside");
    Files.move(crl, aside);
    try {
      // The node re-reads the directory on every request here (reload-interval 0s): it fails closed.
      ApiClient.Reply refused = registrationOf(lot, acme, acme.privateKey(), now(), Map.of());
      assertRefusedAndNothingStored(refused, 503, "unavailable", lot);
      assertTrue(refused.header("Retry-After").isPresent(), refused.headers().toString());
    } finally {
      Files.move(aside, crl);
    }
    assertEquals(201, registrationOf(lot, acme, acme.privateKey(), now(), Map.of()).status(), "accepted again once it can be read");
  }

  // ---- helpers ----

  private void assertRefusedAndNothingStored(ApiClient.Reply reply, int status, String type, String lot) {
    assertProblem(reply, status, type);
    if (status == 401) {
      assertTrue(reply.header("WWW-Authenticate").orElse("").startsWith("Medtrace-Signature"), reply.headers().toString());
    }
    ApiClient.Reply batch = api.get("/api/v1/batches/" + GTIN + "/" + lot, regulator);
    assertEquals(404, batch.status(), "nothing stored for " + lot + ": " + batch);
  }

  private ApiClient.Reply post(
      String path, String token, String body, String idempotencyKey, NetworkCa.Issued claimed, PrivateKey signingKey, long signedAt,
      Map<String, String> extraHeaders) {
    String signature = sign(signingKey, "POST", path, body, idempotencyKey, signedAt, claimed);
    return send(path, token, body, idempotencyKey, claimed.certificate().keyId(), signedAt, signature, extraHeaders);
  }

  /** acme-pharma's manufacturer registers {@code lot}, signing as {@code claimed} with {@code key}. */
  private ApiClient.Reply registrationOf(
      String lot, NetworkCa.Issued claimed, PrivateKey key, long signedAt, Map<String, String> extraHeaders) {
    return post("/api/v1/batches", manufacturer, registration(lot), "reg-" + lot, claimed, key, signedAt, extraHeaders);
  }

  /** acme's signature of registering {@code lot} with {@code body} (nonce {@code reg-<lot>}). */
  private String acmeRegistrationSignature(String lot, String body, long signedAt) {
    return sign(acme.privateKey(), "POST", "/api/v1/batches", body, "reg-" + lot, signedAt, acme);
  }

  private ApiClient.Reply sendAcmeRegistration(String body, String idempotencyKey, long signedAt, String signature) {
    return send("/api/v1/batches", manufacturer, body, idempotencyKey, acme.certificate().keyId(), signedAt, signature, Map.of());
  }

  private ApiClient.Reply send(
      String path, String token, String body, String idempotencyKey, String keyId, long signedAt, String signature, Map<String, String> extraHeaders) {
    Map<String, String> headers = new HashMap<>(extraHeaders);
    headers.putAll(signatureHeaders(idempotencyKey, keyId, signedAt, signature));
    return api.post(path, token, body, headers);
  }

  /** The headers of a signed submission. */
  static Map<String, String> signatureHeaders(String idempotencyKey, String keyId, long signedAt, String signature) {
    return Map.of(
        "Idempotency-Key", idempotencyKey,
        "Medtrace-Key-Id", keyId,
        "Medtrace-Signed-At", Long.toString(signedAt),
        "Medtrace-Signature", signature);
  }

  /** {@code claimed}'s signature, made with {@code key}, of the request; base64. */
  static String sign(
      PrivateKey key, String method, String path, String body, String idempotencyKey, long signedAt, NetworkCa.Issued claimed) {
    IssuedCertificate certificate = claimed.certificate();
    byte[] signature =
        SignedRequest.of(method, SignedRequest.canonicalTarget(path), body.getBytes(StandardCharsets.UTF_8), idempotencyKey, signedAt, certificate.keyId())
            .sign(key);
    return Base64.getEncoder().encodeToString(signature);
  }

  private JsonNode trail(String lot) {
    ApiClient.Reply reply = api.get("/api/v1/batches/" + GTIN + "/" + lot + "/trail?order=oldest", regulator);
    assertEquals(200, reply.status(), reply.toString());
    return reply.json();
  }

  private long now() {
    return node.clock().instant().getEpochSecond();
  }

  private static String newLot() {
    return "SIG-" + LOTS.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 100000, 36);
  }

  private static String registration(String lot) {
    return json(
        "gtin", GTIN, "lot", lot, "productName", "Vaccine X", "expiryDate", LocalDate.now(ZoneOffset.UTC).plusYears(2).toString(),
        "quantity", 5, "qcReportSha256", BatchRoutesTest.QC);
  }
}
