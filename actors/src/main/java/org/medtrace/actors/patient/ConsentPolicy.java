package org.medtrace.actors.patient;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;
import org.medtrace.actors.ledger.ActingParty;

/**
 * "May this party read this category of the patient's data now, and under which consent?" A pure
 * function of the patient's consents, so that the entity, the HTTP layer and an offline auditor
 * replaying the chain all reach the same answer for the same inputs.
 *
 * <p>A consent allows a read when all of these hold:
 *
 * <ul>
 *   <li>it is not revoked, and {@code now} is before its expiry (a consent expiring at 10:00 no
 *       longer allows a read at 10:00);
 *   <li>its grantee organisation, if set, equals the party's organisation;
 *   <li>its grantee role, if set, equals the party's role;
 *   <li>its categories contain the requested category or {@link #ALL_CATEGORIES};
 *   <li>its purpose, if set, equals the requested purpose.
 * </ul>
 *
 * <p>A request for {@link #ALL_CATEGORIES} is a read of the record list: any consent that
 * otherwise allows the party covers part of that list, and the caller MUST return only the
 * categories the chosen consent covers ({@link PatientRecord.Consent#covers}).
 *
 * <p>When several consents allow a read, the choice is deterministic: a consent for all categories
 * before one for a list of categories (it covers the most of a list read), then the one expiring
 * last, then the smallest consent id.
 */
public final class ConsentPolicy {

  /** In a consent: every category. In a read: the record list. */
  public static final String ALL_CATEGORIES = "*";

  /** The order of preference among consents that all allow a read; the first wins. */
  static final Comparator<PatientRecord.Consent> PREFERENCE =
      Comparator.comparing((PatientRecord.Consent c) -> !c.categories().contains(ALL_CATEGORIES))
          .thenComparing(PatientRecord.Consent::expiresAt, Comparator.reverseOrder())
          .thenComparing(PatientRecord.Consent::consentId);

  private ConsentPolicy() {}

  /**
   * The consent under which {@code party} may read {@code category} for {@code purpose} at {@code
   * now}, or empty if none allows it.
   */
  public static Optional<PatientRecord.Consent> allowingConsent(
      Collection<PatientRecord.Consent> consents,
      ActingParty party,
      String category,
      String purpose,
      Instant now) {
    return consents.stream().filter(c -> allows(c, party, category, purpose, now)).min(PREFERENCE);
  }

  /** Whether {@code consent} alone allows the read; see the class comment. */
  public static boolean allows(
      PatientRecord.Consent consent, ActingParty party, String category, String purpose, Instant now) {
    if (consent.revoked() || !now.isBefore(consent.expiresAt())) {
      return false;
    }
    if (consent.granteeOrganisation().isPresent()
        && !consent.granteeOrganisation().get().equals(party.organisation())) {
      return false;
    }
    if (consent.granteeRole().isPresent() && consent.granteeRole().get() != party.role()) {
      return false;
    }
    if (category == null || !(ALL_CATEGORIES.equals(category) || consent.covers(category))) {
      return false;
    }
    return consent.purpose().isEmpty() || consent.purpose().get().equals(purpose);
  }
}
