package org.medtrace.loadtests.http;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Every knob of the HTTP load test, read once from system properties {@code medtrace.load.<key>}
 * ({@code mvn ... -Dmedtrace.load.rate=20}); the defaults are the ones below and in
 * {@code load-tests/README.md}. The defaults are modest on purpose: they run on a shared 2-core
 * machine beside the node, its Cassandra and Kafka.
 *
 * @param baseUrl the node's API, without {@code /api/v1} ({@code base-url}, http://127.0.0.1:8080)
 * @param issuerKeyDirectory the development issuer's key directory of that node ({@code
 *     issuer-key-dir}, {@code data/dev-issuer} of the project); tokens are minted with its key
 * @param runId makes this run's entity ids and Idempotency-Keys unique ({@code run-id}, from the clock)
 * @param duration how long operations start ({@code duration}, 60 s)
 * @param rampUp time to reach the rate from nothing ({@code ramp-up}, 10 s), part of the duration
 * @param rate operations started per second, an open model ({@code rate}, 5); a "shipment" is four
 *     requests, every other operation one
 * @param batches batches registered, shipped and received at st-mary before the load ({@code batches}, 10)
 * @param unitsPerBatch unit serials registered per batch ({@code units-per-batch}, 100): the size of
 *     a registration, and how many units pharmacists can dispense
 * @param devices devices registered and installed before the load ({@code devices}, 10)
 * @param patients patients with records and consent before the load ({@code patients}, 20)
 * @param recordsPerPatient records anchored per patient ({@code records-per-patient}, 3): the size
 *     of an audited read's answer
 * @param productNameChars length of a batch's product name ({@code product-name-chars}, 40): the
 *     size of a registration besides its serials
 * @param trailPageSize events per batch trail read ({@code trail-page-size}, 20)
 * @param setUpConcurrency entities registered in parallel before the load ({@code set-up-concurrency}, 4)
 * @param writeAttempts attempts per write with the same Idempotency-Key when the node answers 503
 *     (outcome unknown) ({@code write-attempts}, 3)
 * @param maxFailedPercent Gatling assertion: most failed requests of the load, in percent
 *     ({@code max-failed-percent}, 1.0); correctness checks must never fail
 * @param weights the mix: relative weight of each operation ({@code weight.<operation>})
 */
public record HttpLoadSettings(
    String baseUrl,
    Path issuerKeyDirectory,
    String runId,
    Duration duration,
    Duration rampUp,
    double rate,
    int batches,
    int unitsPerBatch,
    int devices,
    int patients,
    int recordsPerPatient,
    int productNameChars,
    int trailPageSize,
    int setUpConcurrency,
    int writeAttempts,
    double maxFailedPercent,
    Map<Operation, Double> weights) {

  static final String PREFIX = "medtrace.load.";

  /** The operations of the mix, with their default weights. */
  public enum Operation {
    /** A clinician reads a patient's records under consent (recorded on the patient's chain). */
    READ_PATIENT_RECORDS("read-patient-records", 30),
    /** A clinician reads who accessed a patient's records. */
    READ_ACCESS_LOG("read-access-log", 10),
    /** Hospital staff read a batch's newest events. */
    READ_BATCH_TRAIL("read-batch-trail", 10),
    /** A pharmacist checks a unit before dispensing it. */
    VERIFY_UNIT("verify-unit", 20),
    /** A pharmacist dispenses one unit not dispensed before (a unit check when none is left). */
    DISPENSE_UNIT("dispense-unit", 5),
    /** A carrier's sensor reading within the batch's range. */
    RECORD_TEMPERATURE("record-temperature", 15),
    /** A manufacturer registers a new batch, ships it; the carrier records a reading; st-mary receives it. */
    SHIPMENT("shipment", 5),
    /** A hospital reports a device's usage hours. */
    REPORT_DEVICE_USAGE("report-device-usage", 5);

    final String key;
    final double defaultWeight;

    Operation(String key, double defaultWeight) {
      this.key = key;
      this.defaultWeight = defaultWeight;
    }
  }

  public static HttpLoadSettings fromSystemProperties() {
    Path projectRoot = Path.of(System.getProperty(PREFIX + "project-root", "."));
    Map<Operation, Double> weights = new LinkedHashMap<>();
    for (Operation operation : Operation.values()) {
      weights.put(operation, number("weight." + operation.key, operation.defaultWeight));
    }
    HttpLoadSettings settings =
        new HttpLoadSettings(
            text("base-url", "http://127.0.0.1:8080").replaceAll("/+$", ""),
            Path.of(text("issuer-key-dir", projectRoot.resolve("data/dev-issuer").toString())),
            text("run-id", Long.toString(Instant.now().getEpochSecond(), 36)),
            duration("duration", Duration.ofSeconds(60)),
            duration("ramp-up", Duration.ofSeconds(10)),
            number("rate", 5),
            whole("batches", 10),
            whole("units-per-batch", 100),
            whole("devices", 10),
            whole("patients", 20),
            whole("records-per-patient", 3),
            whole("product-name-chars", 40),
            whole("trail-page-size", 20),
            whole("set-up-concurrency", 4),
            whole("write-attempts", 3),
            number("max-failed-percent", 1.0),
            weights);
    settings.validate();
    return settings;
  }

  private void validate() {
    if (!runId.matches("[a-z0-9]{1,8}")) {
      throw new IllegalArgumentException(PREFIX + "run-id must be 1-8 lower-case letters or digits (it goes into lots), was " + runId);
    }
    if (rate <= 0 || batches < 1 || unitsPerBatch < 1 || devices < 1 || patients < 1 || recordsPerPatient < 1
        || setUpConcurrency < 1 || writeAttempts < 1 || productNameChars < 1 || trailPageSize < 1) {
      throw new IllegalArgumentException("rate and every count of " + PREFIX + "* must be at least 1: " + this);
    }
    if (rampUp.compareTo(duration) > 0) {
      throw new IllegalArgumentException(PREFIX + "ramp-up (" + rampUp + ") is longer than " + PREFIX + "duration (" + duration + ")");
    }
    if (weights.values().stream().anyMatch(w -> w < 0) || totalWeight() <= 0) {
      throw new IllegalArgumentException(PREFIX + "weight.* must be non-negative and not all 0: " + weights);
    }
  }

  double totalWeight() {
    return weights.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /** The operation's share of the mix in percent (Gatling's random switch takes percentages). */
  double percentOf(Operation operation) {
    // Rounded down: Gatling refuses percentages that add up to more than 100 by a rounding error.
    return Math.floor(1e6 * 100.0 * weights.get(operation) / totalWeight()) / 1e6;
  }

  private static String text(String key, String fallback) {
    return System.getProperty(PREFIX + key, fallback);
  }

  private static double number(String key, double fallback) {
    return parsed(key, fallback, Double::parseDouble, "a number");
  }

  private static int whole(String key, int fallback) {
    return parsed(key, fallback, Integer::parseInt, "a whole number");
  }

  private static <T> T parsed(String key, T fallback, Function<String, T> parse, String expected) {
    String value = System.getProperty(PREFIX + key);
    try {
      return value == null ? fallback : parse.apply(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(PREFIX + key + " must be " + expected + ", was '" + value + "'");
    }
  }

  /** A duration as {@code 90s}, {@code 5m} or ISO-8601 ({@code PT90S}). */
  private static Duration duration(String key, Duration fallback) {
    String value = System.getProperty(PREFIX + key);
    if (value == null) {
      return fallback;
    }
    try {
      if (value.matches("\\d+s")) {
        return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
      }
      if (value.matches("\\d+m")) {
        return Duration.ofMinutes(Long.parseLong(value.substring(0, value.length() - 1)));
      }
      return Duration.parse(value);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(PREFIX + key + " must be a duration such as 60s, 5m or PT90S, was '" + value + "'");
    }
  }
}
