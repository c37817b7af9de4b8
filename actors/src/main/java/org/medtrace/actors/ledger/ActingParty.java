package org.medtrace.actors.ledger;

import java.util.Objects;

/**
 * Who issues a command: the organisation, the user within it and the role they act in. It comes
 * from the authenticated caller (a token, a partner's credentials), never from a request body, and
 * is written into every event.
 */
public record ActingParty(String organisation, String user, Role role) implements CborSerializable {

  public ActingParty {
    Objects.requireNonNull(role, "role");
    if (organisation == null || organisation.isBlank()) {
      throw new IllegalArgumentException("an acting party needs an organisation");
    }
    if (user == null || user.isBlank()) {
      throw new IllegalArgumentException("an acting party needs a user");
    }
  }

  public org.medtrace.ledger.v1.ActingParty toProto() {
    return org.medtrace.ledger.v1.ActingParty.newBuilder()
        .setOrganisation(organisation)
        .setUser(user)
        .setRole(role.wireName())
        .build();
  }

  /** The party as an event recorded it. */
  public static ActingParty fromProto(org.medtrace.ledger.v1.ActingParty party) {
    return new ActingParty(party.getOrganisation(), party.getUser(), Role.recorded(party.getRole()));
  }

  @Override
  public String toString() {
    return user + "@" + organisation + " as " + role.wireName();
  }
}
