package org.medtrace.ingest.sensor;

import java.util.Objects;
import org.medtrace.actors.ledger.Role;

/**
 * Who records sensor readings on the ledger: the sensor gateway's organisation, with the sensor id
 * as the user, in a role the entity allows for readings.
 *
 * @param batchRole the role for temperature readings on drug batches (allowed: logistics, hospital,
 *     manufacturer)
 * @param deviceRole the role for usage and faults on devices (allowed: hospital, device-engineer,
 *     clinician)
 */
public record SensorReadingSettings(String organisation, Role batchRole, Role deviceRole) {

  public SensorReadingSettings {
    Objects.requireNonNull(batchRole, "batchRole");
    Objects.requireNonNull(deviceRole, "deviceRole");
    if (organisation == null || organisation.isBlank()) {
      throw new IllegalArgumentException("the sensor gateway needs an organisation");
    }
  }
}
