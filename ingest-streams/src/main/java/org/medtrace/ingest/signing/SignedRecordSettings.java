package org.medtrace.ingest.signing;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.medtrace.actors.ledger.Role;

/**
 * How signed records are checked ({@code medtrace.ingest.signed-records}; reference.conf says what
 * each key implies).
 *
 * @param trustDirectory the network CA's public files; empty: signed records cannot be checked and are dead-lettered
 * @param maxClockSkew how far in the future a signing time may be
 * @param maxAge how old a signing time may be when the pipeline reads the record
 * @param reloadInterval how often the trust directory is re-read
 * @param requiredForOrganisations organisations whose records must be signed
 * @param requiredForRoles roles whose records must be signed (whatever the organisation)
 */
public record SignedRecordSettings(
    Optional<Path> trustDirectory,
    Duration maxClockSkew,
    Duration maxAge,
    Duration reloadInterval,
    Set<String> requiredForOrganisations,
    Set<Role> requiredForRoles) {

  public SignedRecordSettings {
    requiredForOrganisations = Set.copyOf(requiredForOrganisations);
    requiredForRoles = Set.copyOf(requiredForRoles);
    if (trustDirectory.isEmpty() && !(requiredForOrganisations.isEmpty() && requiredForRoles.isEmpty())) {
      throw new IllegalArgumentException("medtrace.ingest.signed-records requires signatures but names no trust-dir to check them with");
    }
  }

  /** Nothing required and nothing to check with: signed records are dead-lettered, unsigned ones ingested. */
  public static final SignedRecordSettings NONE =
      new SignedRecordSettings(Optional.empty(), Duration.ofMinutes(5), Duration.ofDays(7), Duration.ofSeconds(30), Set.of(), Set.of());

  public static SignedRecordSettings from(Config c) {
    String trustDir = c.getString("trust-dir").trim();
    return new SignedRecordSettings(
        trustDir.isEmpty() ? Optional.empty() : Optional.of(Path.of(trustDir)),
        c.getDuration("max-clock-skew"),
        c.getDuration("max-age"),
        c.getDuration("reload-interval"),
        Set.copyOf(c.getStringList("required-for-organisations")),
        c.getStringList("required-for-roles").stream()
            .map(name -> Role.fromWireName(name)
                .orElseThrow(() -> new IllegalArgumentException("medtrace.ingest.signed-records.required-for-roles names an unknown role '" + name + "'")))
            .collect(Collectors.toUnmodifiableSet()));
  }
}
