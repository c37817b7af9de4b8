package org.medtrace.actors.patient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.actors.ledger.EntityTestSupport.NOW;
import static org.medtrace.actors.ledger.EntityTestSupport.assertAccepted;
import static org.medtrace.actors.ledger.EntityTestSupport.assertIntact;
import static org.medtrace.actors.ledger.EntityTestSupport.assertRejected;
import static org.medtrace.actors.ledger.EntityTestSupport.party;
import static org.medtrace.actors.ledger.EntityTestSupport.storedEvents;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.actors.ledger.EntityTestSupport;
import org.medtrace.actors.ledger.LedgerSettings;
import org.medtrace.actors.ledger.Rejection;
import org.medtrace.actors.ledger.Role;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.HashChain;
import org.medtrace.persistence.chain.JournalRecord;
import org.medtrace.persistence.chain.VerificationResult;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PatientRecordTest {

  private static final String H1 = "a1".repeat(32);
  private static final String H2 = "b2".repeat(32);
  private static final String H3 = "c3".repeat(32);
  private static final Instant IN_A_MONTH = NOW.plus(Duration.ofDays(30));

  private static final ActingParty LAB = party(Role.LABORATORY, "city-lab");
  private static final ActingParty CLINICIAN = party(Role.CLINICIAN, "st-mary", "dr.okafor@st-mary");
  private static final ActingParty HOSPITAL = party(Role.HOSPITAL, "st-mary");
  private static final ActingParty OTHER_CLINICIAN = party(Role.CLINICIAN, "city-hospital");
  private static final ActingParty PHARMACIST = party(Role.PHARMACIST, "st-mary");
  private static final ActingParty REGULATOR = party(Role.REGULATOR, "health-authority");
  private static final ActingParty AUDITOR = party(Role.AUDITOR, "audit-co");
  private static final ActingParty MANUFACTURER = party(Role.MANUFACTURER, "acme-pharma");
  private static final ActingParty CARRIER = party(Role.LOGISTICS, "cold-logistics");
  private static final ActingParty ENGINEER = party(Role.DEVICE_ENGINEER, "med-devices");

  private final ActorTestKit testKit = EntityTestSupport.testKit();
  private final AtomicInteger patients = new AtomicInteger();

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  private record Patient(
      String entityId, EventSourcedBehaviorTestKit<PatientRecord.Command, JournalRecord, PatientRecord.State> kit) {

    /** The patient, acting as themself through the patient portal. */
    ActingParty self() {
      return party(Role.PATIENT, "patient-portal", entityId);
    }

    CommandResult anchor(ActingParty party, String recordId, String category) {
      return anchor(party, recordId, category, H1, "https://ehr.st-mary.example/records/" + recordId);
    }

    CommandResult anchor(ActingParty party, String recordId, String category, String sha256, String locationUri) {
      return kit.<CommandResult>runCommand(
              r ->
                  new PatientRecord.AnchorRecord(
                      recordId, category, sha256, locationUri, "st-mary-ehr", "dr.okafor", Map.of("loinc", "2345-7"), party, "msg-" + recordId, r))
          .reply();
    }

    CommandResult amend(ActingParty party, String recordId, String sha256, String locationUri, String reason) {
      return kit.<CommandResult>runCommand(r -> new PatientRecord.AmendRecord(recordId, sha256, locationUri, reason, party, "", r))
          .reply();
    }

    CommandResult grant(ActingParty party, String consentId, String organisation, Role role, Set<String> categories, String purpose, Instant expiresAt) {
      return kit.<CommandResult>runCommand(
              r -> new PatientRecord.GrantConsent(consentId, organisation, role, categories, purpose, expiresAt, party, "", r))
          .reply();
    }

    /** The patient lets st-mary read lab results, for any purpose, for a month. */
    CommandResult grantLabsToStMary(String consentId) {
      return grant(self(), consentId, "st-mary", null, Set.of("lab-result"), null, IN_A_MONTH);
    }

    CommandResult revoke(ActingParty party, String consentId) {
      return kit.<CommandResult>runCommand(r -> new PatientRecord.RevokeConsent(consentId, "moved to another hospital", party, "", r))
          .reply();
    }

    PatientRecord.AccessResult read(ActingParty party, String recordId, String category, String purpose, String breakGlass) {
      return kit.<PatientRecord.AccessResult>runCommand(
              r -> new PatientRecord.RecordAccess(recordId, category, purpose, breakGlass, party, "req-1", r))
          .reply();
    }

    PatientRecord.AccessResult readCategory(ActingParty party, String category) {
      return read(party, null, category, "treatment", null);
    }

    PatientRecord.State state() {
      return kit.getState();
    }

    List<ChainedEvent> events() {
      return storedEvents(kit, PatientRecord.ENTITY_TYPE, entityId);
    }

    EventBody lastEvent() {
      List<ChainedEvent> events = events();
      return events.get(events.size() - 1).body();
    }

    void assertStored(long expectedLength) {
      assertEquals(expectedLength, events().size());
    }

    /** Lab results L1 and L2 (city-lab), imaging I1 (st-mary clinician), note N1 (st-mary hospital). */
    Patient withRecords() {
      assertAccepted(anchor(LAB, "L1", "lab-result"));
      assertAccepted(anchor(CLINICIAN, "I1", "imaging"));
      assertAccepted(anchor(LAB, "L2", "lab-result"));
      assertAccepted(anchor(HOSPITAL, "N1", "note"));
      return this;
    }
  }

  private Patient newPatient() {
    return newPatient(EntityTestSupport.settings(10));
  }

  private Patient newPatient(LedgerSettings settings) {
    return newPatient(String.format("pk-%08d-7f3a", patients.incrementAndGet()), settings);
  }

  private Patient newPatient(String entityId, LedgerSettings settings) {
    return new Patient(entityId, EventSourcedBehaviorTestKit.create(testKit.system(), PatientRecord.create(entityId, settings)));
  }

  private static PatientRecord.AccessResult.Granted assertGranted(PatientRecord.AccessResult result) {
    return assertInstanceOf(PatientRecord.AccessResult.Granted.class, result, () -> "expected a granted read, got " + result);
  }

  private static CommandResult.Rejected assertRefused(Rejection reason, PatientRecord.AccessResult result) {
    PatientRecord.AccessResult.Refused refused =
        assertInstanceOf(PatientRecord.AccessResult.Refused.class, result, () -> "expected " + reason + ", got " + result);
    return assertRejected(reason, refused.rejection());
  }

  private static List<String> ids(List<PatientRecord.RecordView> records) {
    return records.stream().map(PatientRecord.RecordView::recordId).toList();
  }

  private static Set<String> tags(ChainedEvent event) {
    return PatientRecord.create("pk-tags-only", EntityTestSupport.settings(10)).tagsFor(event);
  }

  // ---- anchoring and amending ----

  @Test
  void anchorsARecordWithItsFingerprintAndTheAnchoringOrganisationAsOwner() {
    Patient patient = newPatient();
    assertFalse(patient.state().exists());
    CommandResult.Accepted accepted = assertAccepted(patient.anchor(LAB, "L1", "lab-result"));
    assertEquals(1, accepted.sequenceNumber());

    EventBody event = patient.lastEvent();
    assertEquals(EventBody.EventCase.RECORD_ANCHORED, event.getEventCase());
    assertEquals("patient-record", event.getEntityType());
    assertEquals(patient.entityId(), event.getEntityId());
    assertEquals("city-lab", event.getActingParty().getOrganisation());
    assertEquals("laboratory", event.getActingParty().getRole());
    assertEquals("msg-L1", event.getSourceMessageId());
    assertEquals(32, event.getRecordAnchored().getContentSha256().size());
    assertEquals("lab-result", event.getRecordAnchored().getCategory());
    assertEquals(Map.of("loinc", "2345-7"), event.getRecordAnchored().getMetadataMap());

    PatientRecord.State state = patient.state();
    assertTrue(state.exists());
    PatientRecord.RecordView record = state.records().get("L1");
    assertEquals("city-lab", record.owner());
    assertEquals(H1, record.contentSha256());
    assertEquals("https://ehr.st-mary.example/records/L1", record.locationUri());
    assertEquals("st-mary-ehr", record.sourceSystem());
    assertEquals("dr.okafor", record.author());
    assertEquals(NOW, record.anchoredAt());
    assertEquals(0, record.amendments());
    assertEquals(accepted.headHash(), state.head().hashHex());
    assertTrue(tags(patient.events().get(0)).isEmpty());
  }

  @Test
  void onlyClinicianHospitalOrLaboratoryAnchorsAndOnlyOncePerRecord() {
    Patient patient = newPatient();
    for (ActingParty party : List.of(PHARMACIST, REGULATOR, AUDITOR, MANUFACTURER, patient.self())) {
      assertRejected(Rejection.FORBIDDEN, patient.anchor(party, "L1", "lab-result"));
    }
    patient.assertStored(0);
    assertAccepted(patient.anchor(LAB, "L1", "lab-result"));
    assertAccepted(patient.anchor(CLINICIAN, "I1", "imaging"));
    assertAccepted(patient.anchor(HOSPITAL, "D1", "discharge-summary"));
    CommandResult.Rejected duplicate = assertRejected(Rejection.ILLEGAL_STATE, patient.anchor(HOSPITAL, "L1", "lab-result"));
    assertTrue(duplicate.message().contains("already anchored (by city-lab)"), duplicate.message());
    patient.assertStored(3);
  }

  @Test
  void refusesMalformedAnchors() {
    Patient patient = newPatient();
    String uri = "https://ehr.example/r/1";
    assertRejected(Rejection.INVALID_INPUT, patient.anchor(LAB, "L1", "x-ray-film"));
    assertRejected(Rejection.INVALID_INPUT, patient.anchor(LAB, "L1", null));
    assertRejected(Rejection.INVALID_INPUT, patient.anchor(LAB, " ", "lab-result"));
    assertRejected(Rejection.INVALID_INPUT, patient.anchor(LAB, "L1", "lab-result", H1.toUpperCase(), uri));
    assertRejected(Rejection.INVALID_INPUT, patient.anchor(LAB, "L1", "lab-result", "a1".repeat(31), uri));
    assertRejected(Rejection.INVALID_INPUT, patient.anchor(LAB, "L1", "lab-result", H1, "records/1"));
    assertRejected(Rejection.INVALID_INPUT, patient.anchor(LAB, "L1", "lab-result", H1, "https://bad host/r 1"));
    assertRejected(Rejection.INVALID_INPUT, patient.anchor(LAB, "L1", "lab-result", H1, null));
    assertRejected(
        Rejection.INVALID_INPUT,
        patient.kit().<CommandResult>runCommand(
                r -> new PatientRecord.AnchorRecord("L1", "lab-result", H1, uri, " ", "dr.okafor", Map.of(), LAB, "", r))
            .reply());
    assertRejected(
        Rejection.INVALID_INPUT,
        patient.kit().<CommandResult>runCommand(
                r -> new PatientRecord.AnchorRecord("L1", "lab-result", H1, uri, "lis", "dr.okafor", Map.of(" ", "x"), LAB, "", r))
            .reply());
    patient.assertStored(0);
    // Metadata is optional; a URN is an absolute URI too.
    assertAccepted(
        patient.kit().<CommandResult>runCommand(
                r -> new PatientRecord.AnchorRecord("L1", "vaccination", H1, "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", "lis", "nurse", null, LAB, "", r))
            .reply());
    assertEquals(Map.of(), patient.state().records().get("L1").metadata());
  }

  @Test
  void refusesEveryCommandForAnInvalidPatientKey() {
    for (String badKey : List.of("short", "has space-12345", "slash/in/the/key", "x".repeat(129))) {
      Patient patient = newPatient(badKey, EntityTestSupport.settings(10));
      CommandResult.Rejected refused = assertRejected(Rejection.INVALID_INPUT, patient.anchor(LAB, "L1", "lab-result"));
      assertTrue(refused.message().contains("is not a patient key"), refused.message());
      assertRejected(Rejection.INVALID_INPUT, patient.grantLabsToStMary("c-1"));
      assertRejected(Rejection.INVALID_INPUT, patient.amend(LAB, "L1", H2, null, "corrected"));
      assertRejected(Rejection.INVALID_INPUT, patient.revoke(patient.self(), "c-1"));
      assertRefused(Rejection.INVALID_INPUT, patient.read(patient.self(), null, "*", "own copy", null));
      patient.assertStored(0);
    }
    // The edges of the form are fine.
    assertAccepted(newPatient("a.b_c:d-", EntityTestSupport.settings(10)).anchor(LAB, "L1", "lab-result"));
    assertAccepted(newPatient("k".repeat(128), EntityTestSupport.settings(10)).anchor(LAB, "L1", "lab-result"));
  }

  @Test
  void onlyTheAnchoringOrganisationAmendsAndTheEventCarriesBothHashes() {
    Patient patient = newPatient().withRecords();
    assertRejected(Rejection.FORBIDDEN, patient.amend(PHARMACIST, "L1", H2, null, "corrected"));
    assertRejected(Rejection.FORBIDDEN, patient.amend(patient.self(), "L1", H2, null, "corrected"));
    CommandResult.Rejected notOwner = assertRejected(Rejection.FORBIDDEN, patient.amend(HOSPITAL, "L1", H2, null, "corrected"));
    assertTrue(notOwner.message().contains("anchored by city-lab"), notOwner.message());
    assertRejected(Rejection.NOT_FOUND, patient.amend(LAB, "L9", H2, null, "corrected"));
    assertRejected(Rejection.INVALID_INPUT, patient.amend(LAB, "L1", H1, null, "corrected"));
    assertRejected(Rejection.INVALID_INPUT, patient.amend(LAB, "L1", H2, null, " "));
    assertRejected(Rejection.INVALID_INPUT, patient.amend(LAB, "L1", "nothex", null, "corrected"));
    assertRejected(Rejection.INVALID_INPUT, patient.amend(LAB, "L1", H2, "relative/path", "corrected"));
    patient.assertStored(4);

    CommandResult.Accepted amended = assertAccepted(patient.amend(LAB, "L1", H2, null, "corrected unit"));
    EventBody event = patient.lastEvent();
    assertEquals(EventBody.EventCase.RECORD_AMENDED, event.getEventCase());
    assertEquals(ByteString.copyFrom(HashChain.fromHex(H1)), event.getRecordAmended().getPreviousSha256());
    assertEquals(ByteString.copyFrom(HashChain.fromHex(H2)), event.getRecordAmended().getNewSha256());
    assertEquals("corrected unit", event.getRecordAmended().getReason());
    assertEquals("", event.getRecordAmended().getNewLocationUri());
    PatientRecord.RecordView record = patient.state().records().get("L1");
    assertEquals(H2, record.contentSha256());
    assertEquals("https://ehr.st-mary.example/records/L1", record.locationUri());
    assertEquals(1, record.amendments());
    assertEquals(Optional.of(NOW), record.lastAmendedAt());
    assertEquals(5, amended.sequenceNumber());

    // Same organisation, another of its roles; a new location.
    assertAccepted(patient.amend(CLINICIAN, "N1", H3, "https://archive.st-mary.example/N1", "moved to archive"));
    assertEquals("https://archive.st-mary.example/N1", patient.state().records().get("N1").locationUri());
    assertEquals("https://archive.st-mary.example/N1", patient.lastEvent().getRecordAmended().getNewLocationUri());
    assertAccepted(patient.amend(LAB, "L1", H3, null, "second correction"));
    assertEquals(2, patient.state().records().get("L1").amendments());
    assertIntact(patient.kit(), PatientRecord.ENTITY_TYPE, patient.entityId());
  }

  @Test
  void commandsOnAPatientWithoutEventsAreNotFound() {
    Patient patient = newPatient();
    assertRejected(Rejection.NOT_FOUND, patient.amend(LAB, "L1", H2, null, "corrected"));
    assertRejected(Rejection.NOT_FOUND, patient.revoke(patient.self(), "c-1"));
    assertRefused(Rejection.NOT_FOUND, patient.read(CLINICIAN, null, "*", "treatment", "emergency"));
    assertRefused(Rejection.NOT_FOUND, patient.read(patient.self(), null, "*", "own copy", null));
    patient.assertStored(0);
  }

  // ---- consent ----

  @Test
  void thePatientGrantsConsentAndThatAloneMakesThePatientExist() {
    Patient patient = newPatient();
    CommandResult.Accepted granted =
        assertAccepted(
            patient.grant(patient.self(), "c-1", "st-mary", Role.CLINICIAN, Set.of("lab-result", "imaging"), "treatment", IN_A_MONTH));
    assertEquals(1, granted.sequenceNumber());
    assertTrue(patient.state().exists());

    EventBody event = patient.lastEvent();
    assertEquals(EventBody.EventCase.CONSENT_GRANTED, event.getEventCase());
    assertEquals("st-mary", event.getConsentGranted().getGranteeOrganisation());
    assertEquals("clinician", event.getConsentGranted().getGranteeRole());
    assertEquals(List.of("imaging", "lab-result"), event.getConsentGranted().getCategoriesList());
    assertEquals("treatment", event.getConsentGranted().getPurpose());
    assertEquals(IN_A_MONTH.getEpochSecond(), event.getConsentGranted().getExpiresAt().getSeconds());
    assertEquals(patient.entityId(), event.getActingParty().getUser());

    PatientRecord.Consent consent = patient.state().consents().get("c-1");
    assertEquals(Optional.of("st-mary"), consent.granteeOrganisation());
    assertEquals(Optional.of(Role.CLINICIAN), consent.granteeRole());
    assertEquals(Set.of("lab-result", "imaging"), consent.categories());
    assertEquals(Optional.of("treatment"), consent.purpose());
    assertEquals(IN_A_MONTH, consent.expiresAt());
    assertEquals(NOW, consent.grantedAt());
    assertFalse(consent.revoked());

    // Any organisation's pharmacists, every category, any purpose.
    assertAccepted(patient.grant(patient.self(), "c-2", null, Role.PHARMACIST, Set.of("*"), null, IN_A_MONTH));
    PatientRecord.Consent any = patient.state().consents().get("c-2");
    assertEquals(Optional.empty(), any.granteeOrganisation());
    assertEquals(Optional.empty(), any.purpose());
  }

  @Test
  void onlyThePatientThemselfGrantsConsent() {
    Patient patient = newPatient();
    for (ActingParty party : List.of(CLINICIAN, HOSPITAL, REGULATOR, AUDITOR)) {
      assertRejected(Rejection.FORBIDDEN, patient.grant(party, "c-1", "st-mary", null, Set.of("*"), null, IN_A_MONTH));
    }
    // A patient, but another one.
    ActingParty otherPatient = party(Role.PATIENT, "patient-portal", "pk-someone-else");
    CommandResult.Rejected notSelf =
        assertRejected(Rejection.FORBIDDEN, patient.grant(otherPatient, "c-1", "st-mary", null, Set.of("*"), null, IN_A_MONTH));
    assertTrue(notSelf.message().contains("only patient " + patient.entityId()), notSelf.message());
    // Their key in the organisation field does not make a clinician the patient.
    assertRejected(
        Rejection.FORBIDDEN,
        patient.grant(party(Role.CLINICIAN, "st-mary", patient.entityId()), "c-1", "st-mary", null, Set.of("*"), null, IN_A_MONTH));
    patient.assertStored(0);
  }

  @Test
  void refusesMalformedConsents() {
    EntityTestSupport.MutableClock clock = new EntityTestSupport.MutableClock(NOW);
    Patient patient = newPatient(EntityTestSupport.settings(clock, 10));
    ActingParty self = patient.self();
    assertRejected(Rejection.INVALID_INPUT, patient.grant(self, " ", "st-mary", null, Set.of("*"), null, IN_A_MONTH));
    CommandResult.Rejected noGrantee =
        assertRejected(Rejection.INVALID_INPUT, patient.grant(self, "c-1", " ", null, Set.of("*"), null, IN_A_MONTH));
    assertTrue(noGrantee.message().contains("grantee"), noGrantee.message());
    assertRejected(Rejection.INVALID_INPUT, patient.grant(self, "c-1", "st-mary", null, Set.of(), null, IN_A_MONTH));
    assertRejected(Rejection.INVALID_INPUT, patient.grant(self, "c-1", "st-mary", null, null, null, IN_A_MONTH));
    assertRejected(Rejection.INVALID_INPUT, patient.grant(self, "c-1", "st-mary", null, Set.of("lab-result", "genome"), null, IN_A_MONTH));
    assertRejected(Rejection.INVALID_INPUT, patient.grant(self, "c-1", "st-mary", null, Set.of("*"), null, null));
    assertRejected(Rejection.INVALID_INPUT, patient.grant(self, "c-1", "st-mary", null, Set.of("*"), null, NOW));
    assertRejected(Rejection.INVALID_INPUT, patient.grant(self, "c-1", "st-mary", null, Set.of("*"), null, NOW.minusSeconds(1)));
    patient.assertStored(0);

    assertAccepted(patient.grant(self, "c-1", "st-mary", null, Set.of("*"), null, NOW.plusSeconds(1)));
    CommandResult.Rejected duplicate =
        assertRejected(Rejection.ILLEGAL_STATE, patient.grant(self, "c-1", "city-hospital", null, Set.of("*"), null, IN_A_MONTH));
    assertTrue(duplicate.message().contains("already exists"), duplicate.message());
    // "The future" is the clock's.
    clock.advance(Duration.ofDays(60));
    assertRejected(Rejection.INVALID_INPUT, patient.grant(self, "c-2", "st-mary", null, Set.of("*"), null, IN_A_MONTH));
    patient.assertStored(1);
  }

  @Test
  void onlyThePatientRevokesAndOnlyOnce() {
    Patient patient = newPatient();
    assertAccepted(patient.grantLabsToStMary("c-1"));
    assertRejected(Rejection.FORBIDDEN, patient.revoke(CLINICIAN, "c-1"));
    assertRejected(Rejection.FORBIDDEN, patient.revoke(party(Role.PATIENT, "patient-portal", "pk-someone-else"), "c-1"));
    assertRejected(Rejection.NOT_FOUND, patient.revoke(patient.self(), "c-unknown"));
    assertRejected(Rejection.INVALID_INPUT, patient.revoke(patient.self(), " "));
    patient.assertStored(1);

    assertAccepted(patient.revoke(patient.self(), "c-1"));
    EventBody event = patient.lastEvent();
    assertEquals(EventBody.EventCase.CONSENT_REVOKED, event.getEventCase());
    assertEquals("c-1", event.getConsentRevoked().getConsentId());
    assertEquals("moved to another hospital", event.getConsentRevoked().getReason());
    PatientRecord.Consent revoked = patient.state().consents().get("c-1");
    assertTrue(revoked.revoked());
    assertEquals(Optional.of(NOW), revoked.revokedAt());
    assertEquals("moved to another hospital", revoked.revocationReason());

    CommandResult.Rejected again = assertRejected(Rejection.ILLEGAL_STATE, patient.revoke(patient.self(), "c-1"));
    assertTrue(again.message().contains("already revoked"), again.message());
    patient.assertStored(2);
  }

  // ---- reads ----

  @Test
  void aConsentedReadIsRecordedWithTheConsentIdBeforeTheDataIsReturned() {
    Patient patient = newPatient().withRecords();
    assertAccepted(patient.grantLabsToStMary("c-labs"));

    PatientRecord.AccessResult.Granted granted = assertGranted(patient.readCategory(CLINICIAN, "lab-result"));
    assertEquals(Optional.of("c-labs"), granted.consentId());
    assertFalse(granted.breakGlass());
    assertEquals(List.of("L1", "L2"), ids(granted.records()));
    assertEquals(patient.state().records().get("L1"), granted.records().get(0));

    // The reply names the event that recorded the read, and that event is the head.
    List<ChainedEvent> events = patient.events();
    assertEquals(6, events.size());
    assertEquals(6, granted.sequenceNumber());
    assertEquals(events.get(5).hashHex(), granted.headHash());
    EventBody event = events.get(5).body();
    assertEquals(EventBody.EventCase.ACCESS_RECORDED, event.getEventCase());
    assertEquals("c-labs", event.getAccessRecorded().getConsentId());
    assertEquals("lab-result", event.getAccessRecorded().getCategory());
    assertEquals("", event.getAccessRecorded().getRecordId());
    assertEquals("treatment", event.getAccessRecorded().getPurpose());
    assertEquals("", event.getAccessRecorded().getBreakGlassJustification());
    assertFalse(event.getAccessRecorded().getPatientSelfAccess());
    assertEquals("dr.okafor@st-mary", event.getActingParty().getUser());
    assertEquals("req-1", event.getSourceMessageId());
    assertTrue(tags(events.get(5)).isEmpty());

    PatientRecord.AccessEntry entry = patient.state().accessLog().get(0);
    assertEquals(
        new PatientRecord.AccessEntry(
            6, NOW, CLINICIAN, Optional.empty(), "lab-result", "treatment", Optional.of("c-labs"), Optional.empty(), false, false, Optional.empty()),
        entry);

    // Consent covers the pharmacist of st-mary as well (organisation only), but not imaging.
    assertEquals(List.of("L1", "L2"), ids(assertGranted(patient.readCategory(PHARMACIST, "lab-result")).records()));
    assertRefused(Rejection.REFUSED_AND_RECORDED, patient.readCategory(CLINICIAN, "imaging"));
    assertIntact(patient.kit(), PatientRecord.ENTITY_TYPE, patient.entityId());
  }

  @Test
  void aReadOfOneRecordUsesTheRecordsCategoryAndReturnsOnlyThatRecord() {
    Patient patient = newPatient().withRecords();
    assertAccepted(patient.grantLabsToStMary("c-labs"));

    PatientRecord.AccessResult.Granted one = assertGranted(patient.read(CLINICIAN, "L2", null, "treatment", null));
    assertEquals(List.of("L2"), ids(one.records()));
    EventBody event = patient.lastEvent();
    assertEquals("L2", event.getAccessRecorded().getRecordId());
    assertEquals("lab-result", event.getAccessRecorded().getCategory());
    assertEquals(Optional.of("L2"), patient.state().accessLog().get(0).recordId());
    // Naming the category is allowed if it is the record's.
    assertGranted(patient.read(CLINICIAN, "L2", "lab-result", "treatment", null));

    // The imaging record is not covered: denied and recorded with its category.
    assertRefused(Rejection.REFUSED_AND_RECORDED, patient.read(CLINICIAN, "I1", null, "treatment", null));
    assertEquals("imaging", patient.lastEvent().getAccessDenied().getCategory());
    assertEquals("I1", patient.lastEvent().getAccessDenied().getRecordId());
    long stored = patient.events().size();

    // Not stored: an unknown record, a category that is not the record's, a blank record id.
    assertRefused(Rejection.NOT_FOUND, patient.read(CLINICIAN, "L9", null, "treatment", null));
    assertRefused(Rejection.INVALID_INPUT, patient.read(CLINICIAN, "I1", "lab-result", "treatment", null));
    assertRefused(Rejection.INVALID_INPUT, patient.read(CLINICIAN, " ", null, "treatment", null));
    patient.assertStored(stored);
  }

  @Test
  void refusesMalformedReadsWithoutStoringThem() {
    Patient patient = newPatient().withRecords();
    assertRefused(Rejection.INVALID_INPUT, patient.read(CLINICIAN, null, "lab-result", " ", null));
    assertRefused(Rejection.INVALID_INPUT, patient.read(CLINICIAN, null, "lab-result", null, null));
    assertRefused(Rejection.INVALID_INPUT, patient.read(CLINICIAN, null, "genome", "treatment", null));
    assertRefused(Rejection.INVALID_INPUT, patient.read(CLINICIAN, null, null, "treatment", null));
    patient.assertStored(4);
  }

  @Test
  void aRevokedConsentNoLongerAllowsAndTheDenialIsEvidence() {
    Patient patient = newPatient().withRecords();
    assertAccepted(patient.grantLabsToStMary("c-labs"));
    assertGranted(patient.readCategory(CLINICIAN, "lab-result"));
    assertAccepted(patient.revoke(patient.self(), "c-labs"));

    CommandResult.Rejected denied = assertRefused(Rejection.REFUSED_AND_RECORDED, patient.readCategory(CLINICIAN, "lab-result"));
    assertTrue(denied.message().startsWith("consent required"), denied.message());
    List<ChainedEvent> events = patient.events();
    assertEquals(8, events.size());
    assertEquals(8, denied.recordedUpTo());
    EventBody evidence = events.get(7).body();
    assertEquals(EventBody.EventCase.ACCESS_DENIED, evidence.getEventCase());
    assertEquals("lab-result", evidence.getAccessDenied().getCategory());
    assertEquals("treatment", evidence.getAccessDenied().getPurpose());
    assertEquals(denied.message(), evidence.getAccessDenied().getReason());
    assertEquals("st-mary", evidence.getActingParty().getOrganisation());
    assertEquals(Set.of("alert"), tags(events.get(7)));

    PatientRecord.AccessEntry entry = patient.state().accessLog().get(1);
    assertTrue(entry.denied());
    assertEquals(Optional.of(denied.message()), entry.denialReason());
    assertEquals(8, entry.sequenceNumber());
    assertEquals(Optional.empty(), entry.consentId());
    assertIntact(patient.kit(), PatientRecord.ENTITY_TYPE, patient.entityId());
  }

  @Test
  void anExpiredConsentNoLongerAllowsAndTheDenialIsRecorded() {
    EntityTestSupport.MutableClock clock = new EntityTestSupport.MutableClock(NOW);
    Patient patient = newPatient(EntityTestSupport.settings(clock, 10)).withRecords();
    assertAccepted(patient.grant(patient.self(), "c-week", "st-mary", null, Set.of("lab-result"), null, NOW.plus(Duration.ofDays(7))));
    clock.advance(Duration.ofDays(6));
    assertEquals(Optional.of("c-week"), assertGranted(patient.readCategory(CLINICIAN, "lab-result")).consentId());
    clock.advance(Duration.ofDays(1));

    CommandResult.Rejected denied = assertRefused(Rejection.REFUSED_AND_RECORDED, patient.readCategory(CLINICIAN, "lab-result"));
    ChainedEvent evidence = patient.events().get((int) denied.recordedUpTo() - 1);
    assertEquals(EventBody.EventCase.ACCESS_DENIED, evidence.body().getEventCase());
    assertEquals(NOW.plus(Duration.ofDays(7)).getEpochSecond(), evidence.body().getRecordedAt().getSeconds());
    assertEquals(Set.of("alert"), tags(evidence));
    assertTrue(patient.state().accessLog().get(1).denied());
  }

  @Test
  void aConsentForAnotherPurposeDoesNotAllow() {
    Patient patient = newPatient().withRecords();
    assertAccepted(patient.grant(patient.self(), "c-research", null, Role.CLINICIAN, Set.of("*"), "research", IN_A_MONTH));
    assertRefused(Rejection.REFUSED_AND_RECORDED, patient.readCategory(OTHER_CLINICIAN, "lab-result"));
    assertEquals("treatment", patient.lastEvent().getAccessDenied().getPurpose());
    PatientRecord.AccessResult.Granted research = assertGranted(patient.read(OTHER_CLINICIAN, null, "imaging", "research", null));
    assertEquals(Optional.of("c-research"), research.consentId());
    assertEquals(List.of("I1"), ids(research.records()));
  }

  @Test
  void aClinicianBreaksTheGlassAndTheReadIsFlagged() {
    Patient patient = newPatient().withRecords();
    PatientRecord.AccessResult.Granted granted =
        assertGranted(patient.read(OTHER_CLINICIAN, null, "*", "treatment", "unconscious in the emergency department"));
    assertTrue(granted.breakGlass());
    assertEquals(Optional.empty(), granted.consentId());
    assertEquals(List.of("L1", "I1", "L2", "N1"), ids(granted.records()));

    ChainedEvent event = patient.events().get(4);
    assertEquals(EventBody.EventCase.ACCESS_RECORDED, event.body().getEventCase());
    assertEquals("unconscious in the emergency department", event.body().getAccessRecorded().getBreakGlassJustification());
    assertEquals("", event.body().getAccessRecorded().getConsentId());
    assertEquals("*", event.body().getAccessRecorded().getCategory());
    assertEquals(Set.of("alert"), tags(event));
    assertEquals(
        Optional.of("unconscious in the emergency department"), patient.state().accessLog().get(0).breakGlassJustification());

    // A blank justification is no justification.
    assertRefused(Rejection.REFUSED_AND_RECORDED, patient.read(OTHER_CLINICIAN, null, "*", "treatment", " "));
    // A consent that covers the read takes precedence: no alert.
    assertAccepted(patient.grantLabsToStMary("c-labs"));
    PatientRecord.AccessResult.Granted consented = assertGranted(patient.read(CLINICIAN, "L1", null, "treatment", "emergency"));
    assertFalse(consented.breakGlass());
    assertEquals(Optional.of("c-labs"), consented.consentId());
    assertTrue(tags(patient.events().get(patient.events().size() - 1)).isEmpty());
  }

  @Test
  void onlyACliniciansBreakGlassCountsAndAnyOtherIsDeniedAndRecorded() {
    Patient patient = newPatient().withRecords();
    for (ActingParty party : List.of(PHARMACIST, HOSPITAL, LAB, REGULATOR, AUDITOR)) {
      long before = patient.events().size();
      CommandResult.Rejected denied =
          assertRefused(Rejection.REFUSED_AND_RECORDED, patient.read(party, null, "lab-result", "treatment", "urgent"));
      assertTrue(denied.message().contains("break-glass is for [clinician] only"), denied.message());
      assertEquals(before + 1, denied.recordedUpTo());
      ChainedEvent evidence = patient.events().get((int) before);
      assertEquals(EventBody.EventCase.ACCESS_DENIED, evidence.body().getEventCase());
      assertTrue(evidence.body().getAccessDenied().getReason().contains("'urgent'"));
      assertEquals(Set.of("alert"), tags(evidence));
    }
    assertEquals(5, patient.state().accessLog().stream().filter(PatientRecord.AccessEntry::denied).count());
  }

  @Test
  void thePatientReadsTheirOwnRecordsWithoutConsent() {
    Patient patient = newPatient().withRecords();
    PatientRecord.AccessResult.Granted all = assertGranted(patient.read(patient.self(), null, "*", "own copy", null));
    assertEquals(List.of("L1", "I1", "L2", "N1"), ids(all.records()));
    assertEquals(Optional.empty(), all.consentId());
    assertFalse(all.breakGlass());
    EventBody event = patient.lastEvent();
    assertTrue(event.getAccessRecorded().getPatientSelfAccess());
    assertEquals("", event.getAccessRecorded().getConsentId());
    assertTrue(patient.state().accessLog().get(0).patientSelfAccess());
    assertTrue(tags(patient.events().get(4)).isEmpty());
    assertEquals(List.of("I1"), ids(assertGranted(patient.readCategory(patient.self(), "imaging")).records()));
    assertEquals(List.of("N1"), ids(assertGranted(patient.read(patient.self(), "N1", null, "own copy", null)).records()));

    // Another patient is not this patient.
    ActingParty otherPatient = party(Role.PATIENT, "patient-portal", "pk-someone-else");
    assertRefused(Rejection.REFUSED_AND_RECORDED, patient.read(otherPatient, null, "*", "curiosity", null));
    assertEquals(EventBody.EventCase.ACCESS_DENIED, patient.lastEvent().getEventCase());
  }

  @Test
  void aListReadUnderAConsentReturnsExactlyTheCategoriesItCovers() {
    Patient patient = newPatient().withRecords();
    assertAccepted(patient.grant(patient.self(), "c-st-mary", "st-mary", null, Set.of("lab-result", "note"), null, IN_A_MONTH));
    PatientRecord.AccessResult.Granted list = assertGranted(patient.readCategory(CLINICIAN, "*"));
    assertEquals(Optional.of("c-st-mary"), list.consentId());
    assertEquals(List.of("L1", "L2", "N1"), ids(list.records()));
    assertEquals("*", patient.lastEvent().getAccessRecorded().getCategory());

    // A consent for every category returns everything, and is preferred.
    assertAccepted(patient.grant(patient.self(), "c-all", "st-mary", null, Set.of("*"), null, NOW.plus(Duration.ofDays(1))));
    PatientRecord.AccessResult.Granted all = assertGranted(patient.readCategory(CLINICIAN, "*"));
    assertEquals(Optional.of("c-all"), all.consentId());
    assertEquals(List.of("L1", "I1", "L2", "N1"), ids(all.records()));

    // A category read of a category without records is granted and empty (it is still recorded).
    long before = patient.events().size();
    assertEquals(List.of(), assertGranted(patient.readCategory(CLINICIAN, "vaccination")).records());
    patient.assertStored(before + 1);
  }

  @Test
  void aPatientWithOnlyAConsentHasAnEmptyRecordList() {
    Patient patient = newPatient();
    assertAccepted(patient.grantLabsToStMary("c-labs"));
    PatientRecord.AccessResult.Granted granted = assertGranted(patient.readCategory(CLINICIAN, "lab-result"));
    assertEquals(List.of(), granted.records());
    assertEquals(2, granted.sequenceNumber());
  }

  @Test
  void rolesThatNeverReadPatientDataAreForbiddenAndNothingIsStored() {
    Patient patient = newPatient().withRecords();
    assertAccepted(patient.grant(patient.self(), "c-all", "acme-pharma", null, Set.of("*"), null, IN_A_MONTH));
    for (ActingParty party : List.of(MANUFACTURER, CARRIER, ENGINEER)) {
      CommandResult.Rejected refused = assertRefused(Rejection.FORBIDDEN, patient.read(party, null, "*", "treatment", "urgent"));
      assertTrue(refused.message().contains("may not read patient data"), refused.message());
      assertEquals(0, refused.recordedUpTo());
    }
    patient.assertStored(5);
    assertTrue(patient.state().accessLog().isEmpty());
  }

  @Test
  void theAccessLogListsEveryReadInOrder() {
    Patient patient = newPatient().withRecords();
    assertAccepted(patient.grantLabsToStMary("c-labs"));
    assertGranted(patient.readCategory(CLINICIAN, "lab-result"));
    assertRefused(Rejection.REFUSED_AND_RECORDED, patient.readCategory(OTHER_CLINICIAN, "lab-result"));
    assertGranted(patient.read(patient.self(), "I1", null, "own copy", null));

    PatientRecord.AccessLog log =
        patient.kit().<PatientRecord.AccessLog>runCommand(PatientRecord.GetAccessLog::new).reply();
    assertEquals(List.of(6L, 7L, 8L), log.entries().stream().map(PatientRecord.AccessEntry::sequenceNumber).toList());
    assertEquals(List.of(false, true, false), log.entries().stream().map(PatientRecord.AccessEntry::denied).toList());
    assertEquals(OTHER_CLINICIAN, log.entries().get(1).party());
    assertEquals(patient.self(), log.entries().get(2).party());
    assertEquals(patient.state().accessLog(), log.entries());
    // Reading the log and the state writes nothing.
    patient.kit().<PatientRecord.State>runCommand(PatientRecord.Get::new);
    patient.assertStored(8);
  }

  // ---- chain, recovery, serialization ----

  private Patient fullLifecycle(Patient patient) {
    patient.withRecords();
    assertAccepted(patient.grantLabsToStMary("c-labs"));
    assertGranted(patient.readCategory(CLINICIAN, "lab-result"));
    assertAccepted(patient.amend(LAB, "L1", H2, null, "corrected"));
    assertGranted(patient.read(OTHER_CLINICIAN, "I1", null, "treatment", "stroke alert"));
    assertAccepted(patient.revoke(patient.self(), "c-labs"));
    assertRefused(Rejection.REFUSED_AND_RECORDED, patient.readCategory(CLINICIAN, "lab-result"));
    return patient;
  }

  @Test
  void aFullLifecycleLeavesAnIntactChainEndingAtTheStateHead() {
    Patient patient = fullLifecycle(newPatient());
    VerificationResult.Intact intact = assertIntact(patient.kit(), PatientRecord.ENTITY_TYPE, patient.entityId());
    assertEquals(10, intact.length());
    assertEquals(patient.state().head().hashHex(), intact.headHashHex());
    assertEquals(
        List.of(
            "RECORD_ANCHORED", "RECORD_ANCHORED", "RECORD_ANCHORED", "RECORD_ANCHORED", "CONSENT_GRANTED",
            "ACCESS_RECORDED", "RECORD_AMENDED", "ACCESS_RECORDED", "CONSENT_REVOKED", "ACCESS_DENIED"),
        patient.events().stream().map(e -> e.body().getEventCase().name()).toList());
    assertEquals(
        List.of(Set.of(), Set.of(), Set.of(), Set.of(), Set.of(), Set.of(), Set.of(), Set.of("alert"), Set.of(), Set.of("alert")),
        patient.events().stream().map(PatientRecordTest::tags).toList());
  }

  @Test
  void replayAfterRestartGivesTheSameStateAndHeadHash() {
    Patient patient = fullLifecycle(newPatient(EntityTestSupport.settings(1000)));
    PatientRecord.State before = patient.state();
    PatientRecord.State after = patient.kit().restart().state();
    assertEquals(before, after);
    assertEquals(before.head(), after.head());
    assertEquals(3, after.accessLog().size());
  }

  @Test
  void recoveryFromASnapshotContinuesTheChain() {
    Patient patient = fullLifecycle(newPatient(EntityTestSupport.settings(3)));
    PatientRecord.State before = patient.state();
    assertTrue(patient.kit().snapshotTestKit().isPresent());
    PatientRecord.State after = patient.kit().restart().state();
    assertEquals(before, after);

    assertAccepted(patient.anchor(LAB, "L3", "lab-result"));
    assertGranted(patient.read(patient.self(), null, "*", "own copy", null));
    VerificationResult.Intact intact = assertIntact(patient.kit(), PatientRecord.ENTITY_TYPE, patient.entityId());
    assertEquals(12, intact.length());
    assertEquals(patient.state().head().hashHex(), intact.headHashHex());
  }

  @Test
  void anEntityWhoseStoredChainIsBrokenRefusesWritesAndFailsReadsClosed() {
    Patient patient = newPatient(EntityTestSupport.settings(1000)).withRecords();
    assertAccepted(patient.grantLabsToStMary("c-labs"));
    List<ChainedEvent> events = patient.events();
    // Rewrite the journal with the second event's body altered but its hash kept.
    ChainedEvent second = events.get(1);
    byte[] body = second.envelope().getBody().toByteArray();
    body[body.length - 1] ^= 1;
    ChainedEvent tampered = new ChainedEvent(second.envelope().toBuilder().setBody(ByteString.copyFrom(body)).build(), second.body());
    patient.kit().persistenceTestKit().clearByPersistenceId(PersistenceId.of(PatientRecord.ENTITY_TYPE, patient.entityId()).id());
    patient.kit().initialize(events.get(0), tampered, events.get(2), events.get(3), events.get(4));

    PatientRecord.State recovered = patient.kit().restart().state();
    assertTrue(recovered.brokenChain().isPresent());
    assertRejected(Rejection.LEDGER_BROKEN, patient.anchor(LAB, "L3", "lab-result"));
    assertRejected(Rejection.LEDGER_BROKEN, patient.grantLabsToStMary("c-2"));
    // Not even the patient's own read, nor an emergency read, returns data from a broken chain.
    CommandResult.Rejected read = assertRefused(Rejection.LEDGER_BROKEN, patient.read(patient.self(), null, "*", "own copy", null));
    assertTrue(read.message().contains("broken at #2"), read.message());
    assertRefused(Rejection.LEDGER_BROKEN, patient.read(CLINICIAN, "L1", null, "treatment", "emergency"));
    patient.assertStored(5);
  }

  @Test
  void repliesCommandsAndStateSerialize() {
    Patient patient = fullLifecycle(newPatient());
    // A consent with every optional field set, next to c-labs which has none of role and purpose.
    assertAccepted(patient.grant(patient.self(), "c-full", "st-mary", Role.CLINICIAN, Set.of("imaging", "note"), "treatment", IN_A_MONTH));
    var serialization = testKit.serializationTestKit();
    serialization.verifySerialization(patient.state(), true);
    PatientRecord.RecordView record = patient.state().records().get("L1");
    serialization.verifySerialization(
        new PatientRecord.AccessResult.Granted(7, "ab", Optional.of("c-1"), false, List.of(record)), true);
    serialization.verifySerialization(new PatientRecord.AccessResult.Granted(7, "ab", Optional.empty(), true, List.of()), true);
    serialization.verifySerialization(
        new PatientRecord.AccessResult.Refused(new CommandResult.Rejected(Rejection.REFUSED_AND_RECORDED, "why", 9)), true);
    serialization.verifySerialization(new PatientRecord.AccessLog(patient.state().accessLog()), true);
    var accessProbe = testKit.<PatientRecord.AccessResult>createTestProbe();
    serialization.verifySerialization(
        new PatientRecord.RecordAccess(null, "*", "treatment", null, CLINICIAN, "req-1", accessProbe.ref()), true);
    var resultProbe = testKit.<CommandResult>createTestProbe();
    serialization.verifySerialization(
        new PatientRecord.GrantConsent("c-1", "st-mary", Role.CLINICIAN, Set.of("*"), null, IN_A_MONTH, patient.self(), "", resultProbe.ref()),
        true);
    serialization.verifySerialization(
        new PatientRecord.AnchorRecord("L1", "note", H1, "https://x.example/1", "ehr", "dr", Map.of("k", "v"), LAB, "", resultProbe.ref()),
        true);
    serialization.verifySerialization(new PatientRecord.Get(testKit.<PatientRecord.State>createTestProbe().ref()), true);
    serialization.verifySerialization(new PatientRecord.GetAccessLog(testKit.<PatientRecord.AccessLog>createTestProbe().ref()), true);
  }
}
