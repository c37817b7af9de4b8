package org.medtrace.ingest.signing;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Optional;
import org.medtrace.actors.ledger.SignatureRequirement;
import org.medtrace.identity.TrustLocation;

/**
 * How signed records are checked ({@code medtrace.ingest.signed-records}; reference.conf says what
 * each key implies).
 *
 * @param trustDirectory the network CA's public files (the certificates possibly in a folder of their own); empty: signed
 *     records cannot be checked and are dead-lettered
 * @param maxClockSkew how far in the future a signing time may be
 * @param maxAge how old a signing time may be when the pipeline reads the record
 * @param reloadInterval how often the trust directory is re-read
 * @param required whose records must be signed (by organisation, or by role whatever the organisation)
 */
public record SignedRecordSettings(
    Optional<TrustLocation> trustDirectory,
    Duration maxClockSkew,
    Duration maxAge,
    Duration reloadInterval,
    SignatureRequirement required) {

  public SignedRecordSettings {
    if (trustDirectory.isEmpty() && !required.isEmpty()) {
      throw new IllegalArgumentException("medtrace.ingest.signed-records requires signatures but names no trust-dir to check them with");
    }
  }

  public static SignedRecordSettings from(Config c) {
    return new SignedRecordSettings(
        TrustLocation.fromSettings(c.getString("trust-dir"), c.getString("trust-certs-dir"), "medtrace.ingest.signed-records"),
        c.getDuration("max-clock-skew"),
        c.getDuration("max-age"),
        c.getDuration("reload-interval"),
        SignatureRequirement.of(
            c.getStringList("required-for-organisations"), c.getStringList("required-for-roles"), "medtrace.ingest.signed-records"));
  }
}
