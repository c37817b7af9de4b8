package org.medtrace.actors.ledger;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The roles of the network. The wire name is what tokens and ledger events carry. */
public enum Role {
  CLINICIAN,
  PHARMACIST,
  MANUFACTURER,
  LOGISTICS,
  HOSPITAL,
  REGULATOR,
  AUDITOR,
  DEVICE_ENGINEER,
  PATIENT,
  /** A laboratory whose results are anchored on patients' records (lab ingest acts as one). */
  LABORATORY,
  /**
   * An organisation's witness of the verifiable log, recording the forks it detects on its own
   * chain ({@code log-witness}). The witness service acts in it; no API endpoint needs it.
   */
  WITNESS;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Optional<Role> fromWireName(String wireName) {
    return Arrays.stream(values()).filter(role -> role.wireName().equals(wireName)).findFirst();
  }

  /** A role as the chain recorded it; one this code does not know means a foreign or newer ledger. */
  public static Role recorded(String wireName) {
    return fromWireName(wireName)
        .orElseThrow(() -> new IllegalStateException("unknown role '" + wireName + "' on the chain"));
  }
}
