package org.medtrace.ingest;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Role;
import org.medtrace.ingest.epcis.BizStep;
import org.medtrace.ingest.epcis.EpcisSettings;
import org.medtrace.ingest.kafka.KafkaSettings;
import org.medtrace.ingest.lab.LabResultSettings;
import org.medtrace.ingest.sensor.SensorReadingSettings;
import org.medtrace.ingest.signing.SignedRecordSettings;

/**
 * The ingest pipelines' settings, read once from {@code medtrace.ingest} (see reference.conf for
 * what each key means and implies), with the brokers of {@code medtrace.kafka}.
 */
public record IngestSettings(
    String bootstrapServers,
    String groupId,
    Duration askTimeout,
    int parallelism,
    String deadLetterSuffix,
    Restart restart,
    Duration lagPollInterval,
    Source labResults,
    LabResultSettings lab,
    Source sensorReadings,
    SensorReadingSettings sensors,
    Source epcisEvents,
    EpcisSettings epcis,
    ActingParty epcisGateway,
    SignedRecordSettings signedRecords) {

  /** Backoff between restarts of a failed pipeline. */
  public record Restart(Duration minBackoff, Duration maxBackoff, double randomFactor) {}

  /** One source: whether its pipeline runs, and its topic (the dead letters go to topic + suffix). */
  public record Source(boolean enabled, String topic) {}

  public IngestSettings {
    if (parallelism < 1) {
      throw new IllegalArgumentException("medtrace.ingest.parallelism must be at least 1, was " + parallelism);
    }
    if (deadLetterSuffix.isEmpty()) {
      throw new IllegalArgumentException("medtrace.ingest.dead-letter-suffix must not be empty: dead letters would loop into their source");
    }
  }

  /** The topics the enabled pipelines read, each followed by its dead-letter topic (for topic creation). */
  public List<String> topics() {
    List<String> topics = new ArrayList<>();
    for (Source source : List.of(labResults, sensorReadings, epcisEvents)) {
      if (source.enabled()) {
        topics.add(source.topic());
        topics.add(source.topic() + deadLetterSuffix);
      }
    }
    return topics;
  }

  public static IngestSettings from(Config root) {
    Config c = root.getConfig("medtrace.ingest");
    Config lab = c.getConfig("lab-results");
    Config sensors = c.getConfig("sensor-readings");
    Config epcis = c.getConfig("epcis-events");
    return new IngestSettings(
        // The embedded development broker's address when there is one: what medtrace.kafka says.
        KafkaSettings.from(root).bootstrapServers(),
        c.getString("group-id"),
        c.getDuration("ask-timeout"),
        c.getInt("parallelism"),
        c.getString("dead-letter-suffix"),
        new Restart(
            c.getDuration("restart.min-backoff"), c.getDuration("restart.max-backoff"), c.getDouble("restart.random-factor")),
        c.getDuration("lag-poll-interval"),
        source(lab),
        new LabResultSettings(
            lab.getString("pseudonym-key"),
            lab.getString("patient-identifier.assigning-authority"),
            lab.getString("patient-identifier.identifier-type")),
        source(sensors),
        new SensorReadingSettings(
            sensors.getString("organisation"), role(sensors, "batch-role"), role(sensors, "device-role")),
        source(epcis),
        new EpcisSettings(glnMap(epcis.getConfig("organisations-by-gln")), roles(epcis.getConfig("roles")), role(epcis, "temperature-role")),
        new ActingParty(epcis.getString("gateway.organisation"), epcis.getString("gateway.user"), Role.LOGISTICS),
        SignedRecordSettings.from(c.getConfig("signed-records")));
  }

  private static Source source(Config c) {
    return new Source(c.getBoolean("enabled"), c.getString("topic"));
  }

  private static Role role(Config c, String path) {
    String name = c.getString(path);
    return Role.fromWireName(name)
        .orElseThrow(() -> new IllegalArgumentException("medtrace.ingest: '" + name + "' at " + path + " is not a role"));
  }

  private static Map<BizStep, Role> roles(Config c) {
    Map<BizStep, Role> roles = new EnumMap<>(BizStep.class);
    for (BizStep step : BizStep.values()) {
      if (c.hasPath(step.shortName())) {
        roles.put(step, role(c, step.shortName()));
      }
    }
    return roles;
  }

  private static Map<String, String> glnMap(Config c) {
    Map<String, String> map = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> entry : c.root().entrySet()) {
      String gln = entry.getKey();
      if (!gln.matches("\\d{13}")) {
        throw new IllegalArgumentException("medtrace.ingest.epcis-events.organisations-by-gln: '" + gln + "' is not a 13-digit GLN");
      }
      map.put(gln, entry.getValue().unwrapped().toString());
    }
    return map;
  }
}
