package org.medtrace.actors.ledger;

import java.util.Objects;

/**
 * Who issues a command: the organisation, the user within it and the role they act in. It comes
 * from the authenticated caller (a token, a partner's credentials), never from a request body, and
 * is written into every event.
 *
 * @param submission the organisation's checked signature over the request the command came from,
 *     or null when the request was not signed; the command's events store it
 */
public record ActingParty(String organisation, String user, Role role, SubmissionSignature submission)
    implements CborSerializable {

  /** A party whose request was not signed. */
  public ActingParty(String organisation, String user, Role role) {
    this(organisation, user, role, null);
  }

  public ActingParty {
    Objects.requireNonNull(role, "role");
    if (organisation == null || organisation.isBlank()) {
      throw new IllegalArgumentException("an acting party needs an organisation");
    }
    if (user == null || user.isBlank()) {
      throw new IllegalArgumentException("an acting party needs a user");
    }
  }

  /** This party, its request signed with {@code signature}. */
  public ActingParty withSubmission(SubmissionSignature signature) {
    return new ActingParty(organisation, user, role, Objects.requireNonNull(signature, "signature"));
  }

  /** The party as events record it (the submission signature is stored beside it, in the event body). */
  public org.medtrace.ledger.v1.ActingParty toProto() {
    return org.medtrace.ledger.v1.ActingParty.newBuilder()
        .setOrganisation(organisation)
        .setUser(user)
        .setRole(role.wireName())
        .build();
  }

  /** The party as an event recorded it (without the submission signature). */
  public static ActingParty fromProto(org.medtrace.ledger.v1.ActingParty party) {
    return new ActingParty(party.getOrganisation(), party.getUser(), Role.recorded(party.getRole()));
  }

  @Override
  public String toString() {
    return user + "@" + organisation + " as " + role.wireName();
  }
}
