package org.medtrace.ingest.lab;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * How lab results become patient records.
 *
 * @param pseudonymKey the HMAC-SHA256 secret turning a patient identifier into the patient key;
 *     every component that derives patient keys (this pipeline, the HTTP API) MUST use the same one,
 *     and changing it orphans every existing patient key
 * @param assigningAuthority the PID-3 assigning authority (CX-4 namespace id) whose identifier is
 *     used; empty: any
 * @param identifierType the PID-3 identifier type code (CX-5, e.g. MR); empty: any
 */
public record LabResultSettings(String pseudonymKey, String assigningAuthority, String identifierType) {

  /** The development default of {@code pseudonym-key}: a deployment MUST replace it. */
  public static final String DEVELOPMENT_PSEUDONYM_KEY = "DEVELOPMENT-ONLY-pseudonym-key-replace-in-production";

  public LabResultSettings {
    Objects.requireNonNull(assigningAuthority, "assigningAuthority");
    Objects.requireNonNull(identifierType, "identifierType");
    if (pseudonymKey == null || pseudonymKey.getBytes(StandardCharsets.UTF_8).length < 16) {
      throw new IllegalArgumentException("the lab-results pseudonym key must have at least 16 bytes");
    }
  }

  public boolean usesDevelopmentKey() {
    return DEVELOPMENT_PSEUDONYM_KEY.equals(pseudonymKey);
  }
}
