package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.http.BatchRoutesTest.assertField;
import static org.medtrace.http.BatchRoutesTest.assertProblem;
import static org.medtrace.http.JsonBodies.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.Role;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * Patient routes against a node on the real Cassandra: records are read only under a valid consent,
 * by the patient themself, or by a clinician breaking the glass; every read and every denial is in
 * the access log before the answer; the access log and chain are shown to the right parties only.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PatientRoutesTest {

  private static final String CONTENT = "ef".repeat(32);

  private ApiTestNode node;
  private ApiClient api;
  private String clinician;
  private String lab;
  private String auditor;
  private String regulator;

  @BeforeAll
  void start() {
    node = ApiTestNode.start("http_patients");
    api = node.client();
    clinician = node.tokens().token(Role.CLINICIAN, "st-mary", "dr-house");
    lab = node.tokens().token(Role.LABORATORY, "city-lab", "lab-1");
    auditor = node.tokens().token(Role.AUDITOR, "audit-co", "auditor-1");
    regulator = node.tokens().token(Role.REGULATOR, "health-authority", "inspector-1");
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  /** A new patient with a lab result anchored by st-mary and an imaging record by city-lab. */
  private String patientWithRecords() {
    String patient = "patient-" + UUID.randomUUID().toString().substring(0, 8);
    assertEquals(201, anchor(patient, clinician, "rec-1", "lab-result").status());
    assertEquals(201, anchor(patient, lab, "rec-2", "imaging").status());
    return patient;
  }

  private ApiClient.Reply anchor(String patient, String token, String recordId, String category) {
    return api.post(
        "/api/v1/patients/" + patient + "/records",
        token,
        json(
            "recordId", recordId, "category", category, "contentSha256", CONTENT, "locationUri", "https://ehr.st-mary.example/r/" + recordId,
            "sourceSystem", "ehr", "author", "dr-house", "metadata", Map.of("loinc", "718-7")));
  }

  private ApiClient.Reply grant(String patient, String consentId, Instant expiresAt) {
    return api.post(
        "/api/v1/patients/" + patient + "/consents",
        node.tokens().patient(patient),
        json(
            "consentId", consentId, "granteeOrganisation", "st-mary", "granteeRole", "clinician", "categories", List.of("*"),
            "purpose", "treatment", "expiresAt", expiresAt.toString()));
  }

  private ApiClient.Reply readList(String patient, String token) {
    return api.get("/api/v1/patients/" + patient + "/records?purpose=treatment", token);
  }

  private JsonNode accessLog(String patient) {
    ApiClient.Reply log = api.get("/api/v1/patients/" + patient + "/access-log", node.tokens().patient(patient));
    assertEquals(200, log.status(), log.toString());
    return log.json().path("entries");
  }

  private Instant inAnHour() {
    return node.clock().instant().plus(Duration.ofHours(1));
  }

  @Test
  void aReadUnderConsentIsAllowedAndAuditedAndAfterRevocationDeniedAndAudited() {
    String patient = patientWithRecords();
    ApiClient.Reply before = readList(patient, clinician);
    assertProblem(before, 403, "consent-required");
    assertFalse(before.text().contains("rec-1"), "a denied read returns no data");

    assertEquals(200, grant(patient, "c-1", inAnHour()).status());
    ApiClient.Reply read = readList(patient, clinician);
    assertEquals(200, read.status(), read.toString());
    assertEquals("c-1", read.json().path("consentId").asText());
    assertEquals(2, read.json().path("records").size());
    ApiClient.Reply one = api.get("/api/v1/patients/" + patient + "/records/rec-1?purpose=treatment", clinician);
    assertEquals(200, one.status(), one.toString());
    assertEquals(CONTENT, one.json().path("records").get(0).path("contentSha256").asText());

    assertEquals(200, api.post("/api/v1/patients/" + patient + "/consents/c-1/revocation", node.tokens().patient(patient), json("reason", "changed doctor")).status());
    ApiClient.Reply after = readList(patient, clinician);
    assertProblem(after, 403, "consent-required");

    JsonNode log = accessLog(patient);
    assertEquals(4, log.size(), log.toString());
    assertTrue(log.get(0).path("denied").asBoolean());
    assertEquals(before.json().path("denialRecordedAt").asLong(), log.get(0).path("sequenceNumber").asLong());
    assertEquals("c-1", log.get(1).path("consentId").asText());
    assertEquals(read.json().path("accessRecordedAt").asLong(), log.get(1).path("sequenceNumber").asLong());
    assertEquals("st-mary", log.get(1).path("party").path("organisation").asText());
    assertEquals("dr-house", log.get(1).path("party").path("user").asText());
    assertEquals("treatment", log.get(1).path("purpose").asText());
    assertEquals("rec-1", log.get(2).path("recordId").asText());
    assertTrue(log.get(3).path("denied").asBoolean());
    assertEquals(after.json().path("denialRecordedAt").asLong(), log.get(3).path("sequenceNumber").asLong());
  }

  @Test
  void anExpiredConsentNoLongerAllowsAReadAndTheDenialIsAudited() {
    String patient = patientWithRecords();
    assertEquals(200, grant(patient, "short", node.clock().instant().plus(Duration.ofMinutes(30))).status());
    assertEquals(200, readList(patient, clinician).status());

    // Only this class's entities share the clock; the other tests' consents run an hour from their own now.
    node.clock().advance(Duration.ofMinutes(31));

    assertProblem(readList(patient, clinician), 403, "consent-required");
    JsonNode log = accessLog(patient);
    assertTrue(log.get(log.size() - 1).path("denied").asBoolean(), log.toString());
  }

  @Test
  void aClinicianMayBreakTheGlassFlaggedAndAPharmacistMayNot() {
    String patient = patientWithRecords();
    String emergency = node.tokens().token(Role.CLINICIAN, "er-hospital", "dr-er");

    ApiClient.Reply read = api.get("/api/v1/patients/" + patient + "/records?purpose=emergency&breakGlass=unconscious%20on%20arrival", emergency);
    assertEquals(200, read.status(), read.toString());
    assertTrue(read.json().path("breakGlass").asBoolean());
    assertEquals("recorded", read.header("Break-Glass").orElse(""));

    String pharmacist = node.tokens().token(Role.PHARMACIST, "er-hospital", "pharm-er");
    assertProblem(api.get("/api/v1/patients/" + patient + "/records?purpose=emergency&breakGlass=urgent", pharmacist), 403, "consent-required");

    JsonNode log = accessLog(patient);
    assertEquals("unconscious on arrival", log.get(0).path("breakGlassJustification").asText(), log.toString());
    assertTrue(log.get(1).path("denied").asBoolean());

    node.awaitAssert(
        Duration.ofSeconds(45),
        () -> {
          JsonNode alerts = api.get("/api/v1/alerts?since=" + Instant.now().minus(Duration.ofHours(1)), regulator).json();
          List<String> mine = new ArrayList<>();
          alerts.path("alerts").forEach(alert -> {
            if (alert.path("entityId").asText().equals(patient)) {
              mine.add(alert.path("eventType").asText());
            }
          });
          assertEquals(List.of("AccessRecorded", "AccessDenied"), mine, alerts.toString());
        });
  }

  @Test
  void thePatientReadsTheirOwnRecordsAndAccessLogAndNobodyElses() {
    String patient = patientWithRecords();
    String other = patientWithRecords();
    String patientToken = node.tokens().patient(patient);

    ApiClient.Reply own = api.get("/api/v1/patients/" + patient + "/records?purpose=personal", patientToken);
    assertEquals(200, own.status(), own.toString());
    assertTrue(accessLog(patient).get(0).path("patientSelfAccess").asBoolean());

    assertProblem(api.get("/api/v1/patients/" + other + "/access-log", patientToken), 403, "forbidden");
    assertProblem(api.get("/api/v1/patients/" + other + "/records?purpose=personal", patientToken), 403, "consent-required");
    assertProblem(grantAs(patientToken, other), 403, "forbidden");
  }

  private ApiClient.Reply grantAs(String token, String patient) {
    return api.post(
        "/api/v1/patients/" + patient + "/consents",
        token,
        json("consentId", "hijack", "granteeRole", "pharmacist", "categories", List.of("*"), "expiresAt", inAnHour().toString()));
  }

  @Test
  void theAccessLogAndChainAreForOversightAndTheOwningHospital() {
    String patient = patientWithRecords();
    String owningHospital = node.tokens().token(Role.HOSPITAL, "st-mary", "records-office");
    String otherHospital = node.tokens().token(Role.HOSPITAL, "elsewhere", "records-office");

    assertEquals(200, api.get("/api/v1/patients/" + patient + "/access-log", owningHospital).status());
    assertEquals(200, api.get("/api/v1/patients/" + patient + "/access-log", auditor).status());
    assertProblem(api.get("/api/v1/patients/" + patient + "/access-log", otherHospital), 403, "forbidden");
    assertProblem(api.get("/api/v1/patients/" + patient + "/access-log", lab), 403, "role-not-allowed");

    JsonNode verification = api.get("/api/v1/patients/" + patient + "/verify", regulator).json();
    assertEquals("intact", verification.path("status").asText(), verification.toString());
    assertEquals(2, verification.path("length").asLong());
    assertProblem(api.get("/api/v1/patients/" + patient + "/verify", otherHospital), 403, "forbidden");
  }

  @Test
  void recordsAreAmendedByTheirOwnerOnly() {
    String patient = patientWithRecords();
    String amendment = json("newContentSha256", "12".repeat(32), "reason", "corrected unit");
    assertEquals(200, api.post("/api/v1/patients/" + patient + "/records/rec-1/amendments", clinician, amendment).status());
    assertProblem(api.post("/api/v1/patients/" + patient + "/records/rec-1/amendments", lab, amendment), 403, "forbidden");
    assertProblem(api.post("/api/v1/patients/" + patient + "/records/rec-9/amendments", clinician, amendment), 404, "not-found");
    assertProblem(anchor(patient, clinician, "rec-1", "lab-result"), 409, "illegal-state");
  }

  @Test
  void badRequestsGetSpecificProblems() {
    String patient = patientWithRecords();
    assertField(api.get("/api/v1/patients/" + patient + "/records", clinician), "purpose");
    assertField(api.get("/api/v1/patients/x/records?purpose=treatment", clinician), "patientId");
    assertField(
        api.post("/api/v1/patients/" + patient + "/consents", node.tokens().patient(patient),
            json("consentId", "c", "granteeRole", "wizard", "categories", List.of("*"), "expiresAt", inAnHour().toString())),
        "granteeRole");
    assertField(
        api.post("/api/v1/patients/" + patient + "/consents", node.tokens().patient(patient),
            json("consentId", "c", "granteeRole", "clinician", "categories", List.of("*"), "expiresAt", "soon")),
        "expiresAt");
    assertProblem(anchor(patient, clinician, "rec-3", "horoscope"), 400, "invalid-field");
    assertProblem(readList("patient-unknown-1", clinician), 404, "not-found");
    assertProblem(api.get("/api/v1/patients/patient-unknown-1/access-log", auditor), 404, "not-found");
    assertProblem(api.post("/api/v1/patients/" + patient + "/consents/none/revocation", node.tokens().patient(patient), "{}"), 404, "not-found");
    assertEquals(2, api.get("/api/v1/patients/" + patient + "/verify", auditor).json().path("length").asLong(), "no error stored anything");
  }
}
