package org.medtrace.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.Role;
import org.medtrace.http.ApiClient;
import org.medtrace.ingest.kafka.RealKafka;
import org.medtrace.ingest.v1.Alert;
import org.medtrace.persistence.cassandra.RealCassandra;
import org.medtrace.persistence.chain.TrustedKeys;
import org.medtrace.persistence.chain.VerificationResult;
import org.medtrace.persistence.journal.JournalChainVerifier;

/**
 * The README's walk-throughs, end to end: their {@code sh} blocks run as written — tokens from
 * {@code bin/medtrace token}, calls with curl, input sent with {@code bin/medtrace send} — against a
 * whole development node on the real Cassandra and Kafka; only the API's address is filled in (the
 * node listens on a free port). After the API's:
 * the batch went from registration through a cold-chain quarantine and the regulator's release to
 * dispensing, the clinician's read under consent is in the patient's access log, every chain
 * verifies, the quarantine is on the alerts topic once, and the node reports itself ready. Run a
 * second time, the walk-through stores nothing new but the second read (reads are always recorded).
 * After the streams': the EPCIS document, the sensor readings and the lab result are on the ledger,
 * the duplicate scan over HTTP was refused, and both alerts are on the topic.
 */
@ExtendWith({RealCassandra.class, RealKafka.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadmeWalkthroughTest {

  private static final Pattern SH_BLOCK = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL);
  private static final String API_LINE = "API=http://localhost:8080";
  private static final String BATCH = "/api/v1/batches/4006381333931/L-2026-001";
  private static final String DEVICE = "/api/v1/devices/medidevice-gmbh%2FSN-1001";
  private static final String PATIENT = "/api/v1/patients/patient-4711-abcd";

  private final Path projectDir = Path.of(System.getProperty("medtrace.project-dir", "..")).toAbsolutePath();
  private final Path issuerDirectory =
      Path.of(System.getProperty("medtrace.test.work-dir", "target/test-work")).toAbsolutePath().resolve("readme-dev-issuer");
  private DevelopmentNode node;

  @BeforeAll
  void start() throws Exception {
    node = DevelopmentNode.start("readme", issuerDirectory);
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void theApiWalkthroughRunsAsWrittenAgainstADevelopmentNode() throws Exception {
    String script = script("## The API, step by step");
    String output = run(script);
    assertTrue(output.contains("\"status\":\"intact\""), output);

    ApiClient api = node.client();
    String regulator = node.tokens().token(Role.REGULATOR, "health-authority", "inspector-1");
    JsonNode batch = api.get(BATCH, regulator).json();
    assertEquals("IN_STOCK", batch.path("status").asText(), batch.toString());
    assertEquals(2, batch.path("stock").asLong(), batch.toString());
    List<String> batchEvents = eventTypes(api.get(BATCH + "/trail?order=oldest&limit=100", regulator).json());
    assertEquals(
        List.of("BatchRegistered", "BatchShipped", "TemperatureRecorded", "TemperatureRecorded", "TemperatureRecorded",
            "ColdChainQuarantined", "QuarantineReleased", "BatchReceived", "UnitsDispensed"),
        batchEvents);
    assertEquals("DECOMMISSIONED", api.get(DEVICE, regulator).json().path("status").asText());
    JsonNode log = api.get(PATIENT + "/access-log", regulator).json().path("entries");
    assertEquals(1, log.size(), log.toString());
    assertEquals("dr-house", log.get(0).path("party").path("user").asText(), log.toString());
    assertEquals("consent-1", log.get(0).path("consentId").asText(), log.toString());

    JournalChainVerifier verifier = JournalChainVerifier.onCassandra(node.system(), TrustedKeys.none());
    for (String[] entity :
        new String[][] {
          {"drug-batch", "04006381333931/L-2026-001"},
          {"medical-device", "medidevice-gmbh/SN-1001"},
          {"patient-record", "patient-4711-abcd"}
        }) {
      VerificationResult result = verifier.verify(entity[0], entity[1]).toCompletableFuture().get(30, TimeUnit.SECONDS);
      VerificationResult.Intact intact = assertInstanceOf(VerificationResult.Intact.class, result, result::toString);
      assertTrue(intact.length() > 0, entity[1]);
    }

    String alertId = "drug-batch/04006381333931/L-2026-001/6";
    TestProbe<Void> probe = TestProbe.create(node.system());
    probe.awaitAssert(Duration.ofSeconds(60), Duration.ofSeconds(1), () -> {
      assertEquals(1, alertsWithId(alertId), "the cold-chain quarantine on the alerts topic, once");
      return null;
    });

    assertEquals(200, status(node.management().resolve("/ready")), "readiness: member Up, journal answers");
    assertEquals(200, status(node.management().resolve("/alive")));

    long batchHead = batch.path("sequenceNumber").asLong();
    run(script);
    assertEquals(batchHead, api.get(BATCH, regulator).json().path("sequenceNumber").asLong(), "a second run stores nothing new");
    assertEquals(2, api.get(PATIENT + "/access-log", regulator).json().path("entries").size(),
        "the second run's read is recorded too: reads are never deduplicated away");
  }

  private static List<String> eventTypes(JsonNode trail) {
    List<String> types = new ArrayList<>();
    trail.path("events").forEach(event -> types.add(event.path("eventType").asText()));
    return types;
  }

  private long alertsWithId(String alertId) throws Exception {
    long count = 0;
    for (ConsumerRecord<String, byte[]> record : RealKafka.readAll(node.config().getString("medtrace.alerts.topic"))) {
      if (Alert.parseFrom(record.value()).getAlertId().equals(alertId)) {
        count++;
      }
    }
    return count;
  }

  private static int status(URI uri) throws Exception {
    return HttpClient.newBuilder()
        .proxy(HttpClient.Builder.NO_PROXY)
        .build()
        .send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  @Test
  void theStreamsWalkthroughRunsAsWrittenAgainstADevelopmentNode() throws Exception {
    String output = run(script("## Streams, step by step"));

    assertTrue(output.contains("\"status\":422"), "the second scan over HTTP is refused: " + output);
    assertTrue(output.contains("\"eventType\":\"ColdChainQuarantined\""), "the trail shows the quarantine: " + output);
    assertTrue(
        Pattern.compile("medtrace_ingest_messages_stored_total\\{pipeline=\"lab-results\"} 1").matcher(output).find(),
        "the lab result is stored: " + output);
    long batchAlerts = output.lines().filter(line -> line.startsWith("drug-batch/10614141073464/L2026-11/")).count();
    assertEquals(2, batchAlerts, "a duplicate scan and a cold-chain quarantine on the alerts topic: " + output);
    VerificationResult result =
        JournalChainVerifier.onCassandra(node.system(), TrustedKeys.none())
            .verify("drug-batch", "10614141073464/L2026-11")
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    assertInstanceOf(VerificationResult.Intact.class, result, result::toString);
  }

  /** A README section's sh blocks, with the node's address in place of the development one. */
  private String script(String sectionTitle) throws IOException {
    String readme = Files.readString(projectDir.resolve("README.md"), StandardCharsets.UTF_8);
    int start = readme.indexOf(sectionTitle);
    assertTrue(start >= 0, "the README has the section " + sectionTitle);
    int end = readme.indexOf("\n## ", start + 1);
    String section = readme.substring(start, end < 0 ? readme.length() : end);
    List<String> blocks = new ArrayList<>();
    Matcher block = SH_BLOCK.matcher(section);
    while (block.find()) {
      blocks.add(block.group(1));
    }
    assertFalse(blocks.isEmpty(), sectionTitle + " has sh blocks");
    String script = String.join("\n", blocks);
    assertTrue(script.contains(API_LINE), "the walk-through starts with the development node's address");
    String base = node.api().toString().replaceAll("/$", "");
    return "set -euo pipefail\n" + script.replace(API_LINE, "API=" + base);
  }

  /** Runs {@code script} with bash at the project's root, as a user would paste it. */
  private String run(String script) throws Exception {
    ProcessBuilder bash = new ProcessBuilder("bash", "-c", script).directory(projectDir.toFile()).redirectErrorStream(true);
    // bin/medtrace token: the build already ran, and the node's issuer key is the test's.
    bash.environment().put("MEDTRACE_SKIP_BUILD", "1");
    bash.environment().put("MEDTRACE_DEV_ISSUER_DIR", issuerDirectory.toString());
    // bin/medtrace send and alerts: the test run's Kafka, and this node's alerts topic.
    bash.environment().put("MEDTRACE_KAFKA_BOOTSTRAP_SERVERS", RealKafka.bootstrapServers());
    bash.environment().put("MEDTRACE_ALERTS_TOPIC", node.config().getString("medtrace.alerts.topic"));
    // The API is on a loopback address; a proxy from the environment must not be asked for it.
    bash.environment().keySet().removeIf(name -> name.toLowerCase(Locale.ROOT).endsWith("_proxy"));
    Process process = bash.start();
    byte[] output = process.getInputStream().readAllBytes();
    assertTrue(process.waitFor(Duration.ofMinutes(3).toSeconds(), TimeUnit.SECONDS), "the walk-through finished");
    String text = new String(output, StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), text);
    return text;
  }
}
