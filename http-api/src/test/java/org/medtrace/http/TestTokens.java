package org.medtrace.http;

import java.time.Duration;
import org.medtrace.actors.ledger.Role;
import org.medtrace.http.auth.DevTokenIssuer;

/** Bearer tokens for tests, minted by the node's development issuer. */
public final class TestTokens {

  private final DevTokenIssuer issuer;

  public TestTokens(DevTokenIssuer issuer) {
    this.issuer = issuer;
  }

  public DevTokenIssuer issuer() {
    return issuer;
  }

  /** A token valid for ten minutes for {@code user} of {@code organisation} as {@code role}. */
  public String token(Role role, String organisation, String user) {
    return issuer.mint(role, organisation, user, Duration.ofMinutes(10));
  }

  /** A patient's token: their key is the subject. */
  public String patient(String patientKey) {
    return token(Role.PATIENT, "patients", patientKey);
  }
}
