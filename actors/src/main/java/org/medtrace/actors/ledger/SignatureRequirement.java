package org.medtrace.actors.ledger;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which acting parties must sign what they submit (signed submissions over HTTP, signed records
 * over Kafka): every party of these organisations, and anyone acting in these roles. An unsigned
 * submission of such a party is refused before anything is stored.
 */
public record SignatureRequirement(Set<String> organisations, Set<Role> roles) {

  /** Nobody must sign. */
  public static final SignatureRequirement NONE = new SignatureRequirement(Set.of(), Set.of());

  public SignatureRequirement {
    organisations = Set.copyOf(organisations);
    roles = Set.copyOf(roles);
  }

  /**
   * From configuration lists.
   *
   * @param roleWireNames roles by wire name ("manufacturer")
   * @param where the configuration they come from, for the message about an unknown role
   * @throws IllegalArgumentException when a role name is unknown
   */
  public static SignatureRequirement of(List<String> organisations, List<String> roleWireNames, String where) {
    return new SignatureRequirement(
        Set.copyOf(organisations),
        roleWireNames.stream()
            .map(name -> Role.fromWireName(name)
                .orElseThrow(() -> new IllegalArgumentException(where + ".required-for-roles names an unknown role '" + name + "'")))
            .collect(Collectors.toUnmodifiableSet()));
  }

  public boolean appliesTo(ActingParty party) {
    return organisations.contains(party.organisation()) || roles.contains(party.role());
  }

  public boolean isEmpty() {
    return organisations.isEmpty() && roles.isEmpty();
  }
}
