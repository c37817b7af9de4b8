package org.medtrace.ingest.epcis;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import org.medtrace.actors.ledger.Role;

/**
 * How EPCIS events become batch commands.
 *
 * @param organisationsByGln the ledger organisation of each known location or party GLN (13 digits);
 *     an event's acting organisation is its bizLocation's (else readPoint's) organisation, and
 *     shipment ends map through it too
 * @param rolesByStep the role the acting party takes for each business step; each MUST be one the
 *     batch's permission table allows for the step's command
 * @param temperatureRole the role for sensor temperatures in events (logistics, hospital or
 *     manufacturer)
 */
public record EpcisSettings(Map<String, String> organisationsByGln, Map<BizStep, Role> rolesByStep, Role temperatureRole) {

  public EpcisSettings {
    organisationsByGln = Map.copyOf(organisationsByGln);
    EnumMap<BizStep, Role> roles = new EnumMap<>(BizStep.class);
    roles.putAll(defaultRoles());
    roles.putAll(rolesByStep);
    rolesByStep = Map.copyOf(roles);
    Objects.requireNonNull(temperatureRole, "temperatureRole");
  }

  /**
   * A manufacturer commissions, a logistics firm ships (the batch allows it to ship what it
   * carries), the receiving hospital receives, its pharmacist dispenses, and the custodian
   * (hospital) destroys.
   */
  public static Map<BizStep, Role> defaultRoles() {
    return Map.of(
        BizStep.COMMISSIONING, Role.MANUFACTURER,
        BizStep.SHIPPING, Role.LOGISTICS,
        BizStep.RECEIVING, Role.HOSPITAL,
        BizStep.DISPENSING, Role.PHARMACIST,
        BizStep.DESTROYING, Role.HOSPITAL);
  }

  public Role roleFor(BizStep step) {
    return rolesByStep.get(step);
  }
}
