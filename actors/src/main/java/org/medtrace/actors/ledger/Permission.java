package org.medtrace.actors.ledger;

import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which roles may issue one kind of write command. Each entity publishes its table of permissions,
 * so that the rule lives in one place and other layers (an API's authorisation matrix, its
 * documentation) can read it instead of restating it.
 *
 * @param action what the command does, as a refusal names it ("ship a batch")
 */
public record Permission(String action, Set<Role> roles) {

  public Permission {
    roles = Set.copyOf(roles);
  }

  public boolean allows(Role role) {
    return roles.contains(role);
  }

  /** Why {@code role} is refused, naming the roles that are allowed. */
  public String refusal(Role role) {
    return "a "
        + role.wireName()
        + " may not "
        + action
        + "; allowed: "
        + roles.stream().map(Role::wireName).sorted().collect(Collectors.joining(", "));
  }
}
