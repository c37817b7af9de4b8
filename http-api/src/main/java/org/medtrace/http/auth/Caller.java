package org.medtrace.http.auth;

import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Role;

/**
 * The authenticated caller of one request, as its bearer token says: the acting party of every
 * command the request issues. A patient's user is their patient key.
 */
public record Caller(ActingParty party) {

  public Role role() {
    return party.role();
  }

  public String user() {
    return party.user();
  }

  public String organisation() {
    return party.organisation();
  }

  /** Whether the caller is the patient {@code patientKey} acting as themself. */
  public boolean isPatient(String patientKey) {
    return role() == Role.PATIENT && user().equals(patientKey);
  }
}
