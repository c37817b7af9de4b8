package org.medtrace.actors.patient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.actors.ledger.EntityTestSupport.NOW;
import static org.medtrace.actors.ledger.EntityTestSupport.party;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Role;

class ConsentPolicyTest {

  private static final ActingParty CLINICIAN = party(Role.CLINICIAN, "st-mary");
  private static final ActingParty OTHER_HOSPITAL_CLINICIAN = party(Role.CLINICIAN, "city-hospital");
  private static final ActingParty PHARMACIST = party(Role.PHARMACIST, "st-mary");
  private static final Instant IN_A_MONTH = NOW.plus(Duration.ofDays(30));

  private static PatientRecord.Consent consent(
      String id, String organisation, Role role, Set<String> categories, String purpose, Instant expiresAt) {
    return new PatientRecord.Consent(
        id,
        Optional.ofNullable(organisation),
        Optional.ofNullable(role),
        categories,
        Optional.ofNullable(purpose),
        expiresAt,
        NOW.minus(Duration.ofDays(1)),
        false,
        Optional.empty(),
        "");
  }

  private static PatientRecord.Consent labsForStMary() {
    return consent("c-1", "st-mary", null, Set.of("lab-result"), null, IN_A_MONTH);
  }

  private static Optional<String> allowing(List<PatientRecord.Consent> consents, ActingParty party, String category, String purpose, Instant now) {
    return ConsentPolicy.allowingConsent(consents, party, category, purpose, now).map(PatientRecord.Consent::consentId);
  }

  @Test
  void noConsentsAllowNothing() {
    assertEquals(Optional.empty(), allowing(List.of(), CLINICIAN, "lab-result", "treatment", NOW));
  }

  @Test
  void organisationMustMatchWhenSet() {
    List<PatientRecord.Consent> consents = List.of(labsForStMary());
    assertEquals(Optional.of("c-1"), allowing(consents, CLINICIAN, "lab-result", "treatment", NOW));
    // Any role of that organisation.
    assertEquals(Optional.of("c-1"), allowing(consents, PHARMACIST, "lab-result", "treatment", NOW));
    assertEquals(Optional.empty(), allowing(consents, OTHER_HOSPITAL_CLINICIAN, "lab-result", "treatment", NOW));
  }

  @Test
  void roleMustMatchWhenSet() {
    List<PatientRecord.Consent> consents =
        List.of(consent("c-role", null, Role.CLINICIAN, Set.of("lab-result"), null, IN_A_MONTH));
    // Any organisation's clinician.
    assertEquals(Optional.of("c-role"), allowing(consents, OTHER_HOSPITAL_CLINICIAN, "lab-result", "treatment", NOW));
    assertEquals(Optional.empty(), allowing(consents, PHARMACIST, "lab-result", "treatment", NOW));
  }

  @Test
  void organisationAndRoleMustBothMatchWhenBothSet() {
    List<PatientRecord.Consent> consents =
        List.of(consent("c-both", "st-mary", Role.CLINICIAN, Set.of("lab-result"), null, IN_A_MONTH));
    assertEquals(Optional.of("c-both"), allowing(consents, CLINICIAN, "lab-result", "treatment", NOW));
    assertEquals(Optional.empty(), allowing(consents, PHARMACIST, "lab-result", "treatment", NOW));
    assertEquals(Optional.empty(), allowing(consents, OTHER_HOSPITAL_CLINICIAN, "lab-result", "treatment", NOW));
  }

  @Test
  void categoryMustBeListedOrAllCategoriesGranted() {
    List<PatientRecord.Consent> consents = List.of(labsForStMary());
    assertEquals(Optional.empty(), allowing(consents, CLINICIAN, "imaging", "treatment", NOW));
    List<PatientRecord.Consent> all = List.of(consent("c-all", "st-mary", null, Set.of("*"), null, IN_A_MONTH));
    assertEquals(Optional.of("c-all"), allowing(all, CLINICIAN, "imaging", "treatment", NOW));
    assertEquals(Optional.of("c-all"), allowing(all, CLINICIAN, "vaccination", "treatment", NOW));
    assertEquals(Optional.empty(), allowing(all, CLINICIAN, null, "treatment", NOW));
  }

  @Test
  void aListReadIsCoveredByAnyConsentOfTheParty() {
    // The caller then returns only the categories the consent covers.
    PatientRecord.Consent labs = labsForStMary();
    assertEquals(Optional.of("c-1"), allowing(List.of(labs), CLINICIAN, "*", "treatment", NOW));
    assertTrue(labs.covers("lab-result"));
    assertFalse(labs.covers("imaging"));
    assertEquals(Optional.empty(), allowing(List.of(labs), OTHER_HOSPITAL_CLINICIAN, "*", "treatment", NOW));
  }

  @Test
  void purposeMustMatchWhenSet() {
    List<PatientRecord.Consent> consents =
        List.of(consent("c-research", "st-mary", null, Set.of("lab-result"), "research", IN_A_MONTH));
    assertEquals(Optional.of("c-research"), allowing(consents, CLINICIAN, "lab-result", "research", NOW));
    assertEquals(Optional.empty(), allowing(consents, CLINICIAN, "lab-result", "treatment", NOW));
    assertEquals(Optional.empty(), allowing(consents, CLINICIAN, "lab-result", null, NOW));
  }

  @Test
  void anExpiredConsentAllowsNothingFromItsExpiryOn() {
    List<PatientRecord.Consent> consents = List.of(labsForStMary());
    assertEquals(Optional.of("c-1"), allowing(consents, CLINICIAN, "lab-result", "treatment", IN_A_MONTH.minusNanos(1)));
    assertEquals(Optional.empty(), allowing(consents, CLINICIAN, "lab-result", "treatment", IN_A_MONTH));
    assertEquals(Optional.empty(), allowing(consents, CLINICIAN, "lab-result", "treatment", IN_A_MONTH.plusSeconds(1)));
  }

  @Test
  void aRevokedConsentAllowsNothing() {
    PatientRecord.Consent revoked = labsForStMary().revoke(NOW, "changed my mind");
    assertTrue(revoked.revoked());
    assertEquals(Optional.of(NOW), revoked.revokedAt());
    assertEquals(Optional.empty(), allowing(List.of(revoked), CLINICIAN, "lab-result", "treatment", NOW));
    assertFalse(ConsentPolicy.allows(revoked, CLINICIAN, "lab-result", "treatment", NOW));
  }

  @Test
  void choosesTheConsentExpiringLastThenTheSmallestIdWhateverTheOrder() {
    PatientRecord.Consent soon = consent("c-a", "st-mary", null, Set.of("lab-result"), null, NOW.plus(Duration.ofDays(1)));
    PatientRecord.Consent late = consent("c-b", "st-mary", null, Set.of("lab-result"), null, IN_A_MONTH);
    PatientRecord.Consent lateTwin = consent("c-c", null, Role.CLINICIAN, Set.of("lab-result"), null, IN_A_MONTH);
    assertEquals(Optional.of("c-b"), allowing(List.of(soon, late, lateTwin), CLINICIAN, "lab-result", "treatment", NOW));
    assertEquals(Optional.of("c-b"), allowing(List.of(lateTwin, late, soon), CLINICIAN, "lab-result", "treatment", NOW));
    // Once c-b is revoked, c-c is the latest.
    assertEquals(
        Optional.of("c-c"),
        allowing(List.of(soon, late.revoke(NOW, "no"), lateTwin), CLINICIAN, "lab-result", "treatment", NOW));
  }

  @Test
  void prefersAConsentForAllCategoriesSoThatAListReadCoversTheMost() {
    PatientRecord.Consent labsLate = consent("c-a", "st-mary", null, Set.of("lab-result"), null, IN_A_MONTH);
    PatientRecord.Consent allSoon = consent("c-z", "st-mary", null, Set.of("*"), null, NOW.plus(Duration.ofDays(1)));
    assertEquals(Optional.of("c-z"), allowing(List.of(labsLate, allSoon), CLINICIAN, "*", "treatment", NOW));
    assertEquals(Optional.of("c-z"), allowing(List.of(allSoon, labsLate), CLINICIAN, "lab-result", "treatment", NOW));
    // Without the consent for all categories, nothing covers imaging.
    assertEquals(Optional.empty(), allowing(List.of(labsLate), CLINICIAN, "imaging", "treatment", NOW));
  }
}
