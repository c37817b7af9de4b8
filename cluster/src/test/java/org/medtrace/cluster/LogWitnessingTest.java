package org.medtrace.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.Role;
import org.medtrace.http.ApiClient;
import org.medtrace.ingest.kafka.RealKafka;
import org.medtrace.merkle.LogFormat;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignatureType;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.merkle.note.WitnessPolicy;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * The log's checkpoints go to its witnesses over HTTP, against the real Cassandra: in development
 * mode the node's NOT-INDEPENDENT self-witness cosigns them and they are served witnessed; with the
 * log's only witness down they are still published, unwitnessed (and not served as witnessed), and
 * the log keeps growing.
 */
@ExtendWith({RealCassandra.class, RealKafka.class})
class LogWitnessingTest {

  private static final String GTIN = "04006381333931";
  private static final String QC = "a".repeat(64);

  @Test
  void inDevelopmentTheSelfWitnessCosignsTheLogsCheckpoints() throws Exception {
    try (DevelopmentNode node = DevelopmentNode.start("dev_logwit", workDir("dev_logwit"), fastCheckpoints())) {
      ApiClient api = node.client();
      String regulator = node.tokens().token(Role.REGULATOR, "health-authority", "inspector-1");
      registerBatch(node, "L-WIT-1");
      NoteKey witnessKey = NoteKey.parse(api.get("/api/v1/witness", null).json().path("key").asText());
      assertTrue(witnessKey.name().contains("NOT-INDEPENDENT"), witnessKey.name());
      WitnessPolicy policy = new WitnessPolicy(1, List.of(witnessKey));

      awaitAssert(node, () -> {
        JsonNode witnessed = checkpointWithLeaves(api, regulator, true);
        assertTrue(witnessed.path("cosignatures").asInt() >= 1, witnessed.toString());
        SignedNote note = SignedNote.parse(witnessed.path("checkpoint").asText());
        assertTrue(policy.evaluate(note).witnessed(), policy.evaluate(note).toString());
      });
      String export = api.get("/api/v1/batches/" + GTIN + "/L-WIT-1/log/export", regulator).text();
      assertTrue(export.contains(witnessKey.vkey()), "the export carries the witness's key: " + export);
    }
  }

  @Test
  void withTheWitnessDownCheckpointsArePublishedUnwitnessedAndTheLogGoesOn() throws Exception {
    String downWitness = NoteSigner.generate("down.example/witness", SignatureType.COSIGNATURE_V1).verifierKey().vkey();
    var config =
        ConfigFactory.parseString(
                """
                medtrace.global-log.witnesses {
                  development-self-witness = off
                  quorum = 1
                  timeout = 1s
                  # Nothing listens on the discard port.
                  list = [ { name = "down.example", url = "http://127.0.0.1:9/api/v1/witness/add-checkpoint", key = "%s" } ]
                }
                """
                    .formatted(downWitness))
            .withFallback(fastCheckpoints());
    try (DevelopmentNode node = DevelopmentNode.start("dev_logdown", workDir("dev_logdown"), config)) {
      ApiClient api = node.client();
      String regulator = node.tokens().token(Role.REGULATOR, "health-authority", "inspector-1");
      registerBatch(node, "L-DOWN-1");
      awaitAssert(node, () -> assertEquals(1, leavesInCheckpoints(api, regulator)));
      registerBatch(node, "L-DOWN-2");
      awaitAssert(node, () -> assertEquals(2, leavesInCheckpoints(api, regulator), "the log goes on past the unwitnessed checkpoint"));
      for (int slice = 0; slice < LogFormat.SLICE_COUNT; slice++) {
        // Below the quorum nothing is served as witnessed: 503 for a slice with checkpoints, 404 for one without.
        ApiClient.Reply witnessed = api.get("/api/v1/log/slices/" + slice + "/checkpoint/witnessed", regulator);
        assertTrue(witnessed.status() == 503 || witnessed.status() == 404, witnessed.toString());
      }
    }
  }

  private static com.typesafe.config.Config fastCheckpoints() {
    return ConfigFactory.parseString("medtrace.global-log.checkpoint-interval = 1s");
  }

  private static Path workDir(String prefix) {
    return Path.of(System.getProperty("medtrace.test.work-dir", "target/test-work")).toAbsolutePath().resolve(prefix + "-dev-issuer");
  }

  private static void registerBatch(DevelopmentNode node, String lot) {
    String manufacturer = node.tokens().token(Role.MANUFACTURER, "acme-pharma", "qa-lead");
    String body =
        """
        {"gtin": "%s", "lot": "%s", "productName": "Vaccine X", "expiryDate": "2030-01-31", "quantity": 5, "qcReportSha256": "%s"}
        """
            .formatted(GTIN, lot, QC);
    ApiClient.Reply reply = node.client().post("/api/v1/batches", manufacturer, body);
    assertEquals(201, reply.status(), reply.toString());
  }

  /** The latest checkpoint (or its witnessed form) of a slice that has leaves; fails if none has. */
  private static JsonNode checkpointWithLeaves(ApiClient api, String token, boolean witnessed) {
    for (int slice = 0; slice < LogFormat.SLICE_COUNT; slice++) {
      ApiClient.Reply reply = api.get("/api/v1/log/slices/" + slice + "/checkpoint" + (witnessed ? "/witnessed" : ""), token);
      if (reply.status() == 200 && reply.json().path("treeSize").asLong() > 0) {
        return reply.json();
      }
    }
    throw new AssertionError("no slice has a checkpoint with leaves yet");
  }

  /** The leaves of all slices' latest checkpoints together. */
  private static long leavesInCheckpoints(ApiClient api, String token) {
    long leaves = 0;
    for (int slice = 0; slice < LogFormat.SLICE_COUNT; slice++) {
      ApiClient.Reply reply = api.get("/api/v1/log/slices/" + slice + "/checkpoint", token);
      if (reply.status() == 200) {
        leaves += reply.json().path("treeSize").asLong();
      }
    }
    return leaves;
  }

  private static void awaitAssert(DevelopmentNode node, ThrowingRunnable assertion) {
    TestProbe<Void> probe = TestProbe.create(node.system());
    probe.awaitAssert(Duration.ofSeconds(90), Duration.ofSeconds(1), () -> {
      try {
        assertion.run();
      } catch (RuntimeException | AssertionError e) {
        throw e;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      return null;
    });
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }
}
