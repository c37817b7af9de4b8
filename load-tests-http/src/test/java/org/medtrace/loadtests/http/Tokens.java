package org.medtrace.loadtests.http;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.medtrace.http.auth.TokenCommand;

/**
 * Real bearer tokens for the load: minted exactly as {@code bin/medtrace token} mints them ({@link
 * TokenCommand}), with the development issuer key of the node under load, so the node checks every
 * request's signature, issuer, audience and expiry as it would a user's.
 */
final class Tokens {

  private static final String KEY_FILE = "dev-issuer.jwk.json";

  private final Config config;
  private final Map<String, String> patients = new ConcurrentHashMap<>();
  private final String manufacturer;
  private final String deviceMaker;
  private final String carrier;
  private final String hospital;
  private final String pharmacist;
  private final String clinician;
  private final String engineer;
  private final String auditor;

  Tokens(Path issuerKeyDirectory) {
    if (!Files.isRegularFile(issuerKeyDirectory.resolve(KEY_FILE))) {
      // The issuer would create a fresh key here, whose tokens the node rejects: say so instead.
      throw new IllegalStateException(
          "no development issuer key at " + issuerKeyDirectory.toAbsolutePath().normalize().resolve(KEY_FILE)
              + ": start the node (bin/medtrace dev) first, or point -D" + HttpLoadSettings.PREFIX
              + "issuer-key-dir at its data/dev-issuer");
    }
    this.config =
        ConfigFactory.empty()
            .withValue("medtrace.http.auth.development-issuer.enabled", ConfigValueFactory.fromAnyRef(true))
            .withValue(
                "medtrace.http.auth.development-issuer.key-dir",
                ConfigValueFactory.fromAnyRef(issuerKeyDirectory.toAbsolutePath().toString()))
            .withFallback(ConfigFactory.load());
    // The README walk-through's parties.
    manufacturer = mint("manufacturer", Payloads.MANUFACTURER, "qa-lead");
    deviceMaker = mint("manufacturer", Payloads.DEVICE_MAKER, "factory-1");
    carrier = mint("logistics", Payloads.CARRIER, "driver-1");
    hospital = mint("hospital", Payloads.HOSPITAL, "receiving");
    pharmacist = mint("pharmacist", Payloads.HOSPITAL, "pharm-1");
    clinician = mint("clinician", Payloads.HOSPITAL, "dr-house");
    engineer = mint("device-engineer", Payloads.HOSPITAL, "eng-7");
    auditor = mint("auditor", "health-authority", "auditor-1");
  }

  String manufacturer() { return manufacturer; }

  String deviceMaker() { return deviceMaker; }

  String carrier() { return carrier; }

  String hospital() { return hospital; }

  String pharmacist() { return pharmacist; }

  String clinician() { return clinician; }

  String engineer() { return engineer; }

  /** Reads every trail, chain and access log for the final check. */
  String auditor() { return auditor; }

  /** The patient's own token (its user is the pseudonymous key). */
  String patient(String patientKey) {
    return patients.computeIfAbsent(patientKey, key -> mint("patient", "patients", key));
  }

  /** A token for {@code user} of {@code organisation} acting as {@code role}, valid long enough for any run. */
  private String mint(String role, String organisation, String user) {
    return TokenCommand.run(config, List.of("--role", role, "--org", organisation, "--user", user, "--lifetime", "PT12H"));
  }
}
