package org.medtrace.http.witness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.Role;
import org.medtrace.actors.witness.LogWitness;
import org.medtrace.http.ApiClient;
import org.medtrace.http.ApiTestNode;
import org.medtrace.merkle.note.Cosignature;
import org.medtrace.merkle.note.Ed25519Pem;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignatureType;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.merkle.witness.HttpCheckpointWitnesses;
import org.medtrace.merkle.witness.WitnessEndpoint;
import org.medtrace.merkle.witness.WitnessProtocol;
import org.medtrace.merkle.witness.WitnessingResult;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * The witness over HTTP on the real Cassandra: cosigning, every refusal with its reason and an
 * unchanged state, fork evidence, its alarm and its alert, the state across a restart, and the log's collector
 * against this endpoint. Each test uses its own log origin, so their states do not meet.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WitnessRoutesTest {

  private static final String KEYSPACES = "http_witness";
  private static final String WITNESS = "health-authority";
  private static final String LOG_NAME = "medtrace.example/ledger";

  private final NoteSigner logSigner = NoteSigner.generate(LOG_NAME, SignatureType.ED25519);
  private Path keyFile;
  private NoteKey witnessKey;
  private ApiTestNode node;

  @BeforeAll
  void start() throws Exception {
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    keyFile = Files.createTempDirectory("medtrace-witness").resolve("witness.pem");
    Ed25519Pem.writePrivateKey(pair.getPrivate(), keyFile);
    witnessKey = NoteKey.of(WITNESS, SignatureType.COSIGNATURE_V1, pair.getPublic());
    node = startNode();
  }

  private ApiTestNode startNode() {
    Config witness =
        ConfigFactory.parseString(
            """
            medtrace.witness {
              enabled = on
              name = "%s"
              key-file = "%s"
              trusted-logs = [ { origin = "%s/slice-*", key = "%s" } ]
              # Short, so that the sweep's test sees it run.
              alert-sweep-interval = 2s
            }
            """
                .formatted(WITNESS, keyFile, LOG_NAME, logSigner.verifierKey().vkey()));
    return ApiTestNode.start(KEYSPACES, witness);
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  private TestLog log(int slice) {
    return new TestLog(logSigner, LOG_NAME + "/slice-" + slice);
  }

  private ApiClient.Reply add(long oldSize, List<byte[]> proof, String checkpoint) {
    return node.client().post(WitnessProtocol.ADD_CHECKPOINT_PATH, null, WitnessProtocol.requestBody(oldSize, proof, checkpoint));
  }

  @Test
  void cosignsConsistentGrowthAndTheCosignatureVerifies() throws Exception {
    TestLog log = log(0).grow(5, "a");
    String first = log.checkpoint();

    ApiClient.Reply cosigned = add(0, List.of(), first);

    assertEquals(200, cosigned.status(), cosigned.toString());
    assertTrue(cosigned.header("Content-Type").orElse("").startsWith("text/plain"), cosigned.headers().toString());
    SignedNote note = SignedNote.parse(first + cosigned.text());
    Cosignature.verify(witnessKey, note.text(), note.signatureOf(witnessKey).orElseThrow());

    String second = log.grow(7, "b").checkpoint();
    assertEquals(200, add(5, log.proof(5, 12), second).status());
    ApiClient.Reply describe = node.client().get(WitnessEndpoints.BASE, null);
    assertEquals(witnessKey.vkey(), describe.json().path("key").asText(), describe.toString());
  }

  @Test
  void refusesAStaleOldSizeWithItsSizeAndChangesNothing() {
    TestLog log = log(1).grow(4, "a");
    assertEquals(200, add(0, List.of(), log.checkpoint()).status());
    String later = log.grow(4, "b").checkpoint();

    ApiClient.Reply stale = add(2, log.proof(2, 8), later);

    assertEquals(409, stale.status(), stale.toString());
    assertEquals("witness-size-mismatch", stale.problemType());
    assertEquals(4, stale.json().path("witnessSize").asLong());
    // Unchanged: the old size 4 is still the one to prove from.
    assertEquals(200, add(4, log.proof(4, 8), later).status());
  }

  @Test
  void refusesUnknownLogsAndBadSignaturesWithTheReasonAndChangesNothing() {
    TestLog log = log(2).grow(3, "a");
    TestLog stranger = new TestLog(NoteSigner.generate("other.example/log", SignatureType.ED25519), "other.example/log/slice-0").grow(2, "x");
    String tampered = log.checkpoint().replaceFirst("\n3\n", "\n2\n");

    ApiClient.Reply unknown = add(0, List.of(), stranger.checkpoint());
    ApiClient.Reply badSignature = add(0, List.of(), tampered);

    assertEquals(403, unknown.status(), unknown.toString());
    assertEquals("checkpoint-not-trusted", unknown.problemType());
    assertEquals("UNKNOWN_LOG", unknown.json().path("reason").asText());
    assertEquals(403, badSignature.status(), badSignature.toString());
    assertEquals("BAD_LOG_SIGNATURE", badSignature.json().path("reason").asText());
    // Nothing was recorded for the origin: the first genuine checkpoint is still taken from size 0.
    assertEquals(200, add(0, List.of(), log.checkpoint()).status());
  }

  @Test
  void storesAnInconsistentProofAsEvidenceAndKeepsItsState() {
    TestLog log = log(3).grow(4, "a");
    add(0, List.of(), log.checkpoint());
    String later = log.grow(4, "b").checkpoint();

    ApiClient.Reply inconsistent = add(4, log.proof(3, 8), later);

    assertEquals(422, inconsistent.status(), inconsistent.toString());
    assertEquals("checkpoint-inconsistent", inconsistent.problemType());
    assertEquals("INCONSISTENT_PROOF", inconsistent.json().path("reason").asText());
    assertFalse(inconsistent.json().path("evidenceId").asText().isEmpty());
    assertEquals(200, add(4, log.proof(4, 8), later).status(), "the state stayed at 4");
  }

  @Test
  void storesAForkAsEvidenceForRegulatorsAndRaisesTheAlarm() {
    TestLog log = log(4).grow(6, "a");
    String cosigned = log.checkpoint();
    add(0, List.of(), cosigned);
    String fork = log.forkedCheckpoint(6);

    ApiClient.Reply detected = add(6, List.of(), fork);

    assertEquals(422, detected.status(), detected.toString());
    assertEquals("log-fork-detected", detected.problemType());
    String evidenceId = detected.json().path("evidenceId").asText();
    String regulator = node.tokens().token(Role.REGULATOR, "health-authority", "inspector-1");
    ApiClient.Reply forks = node.client().get(WitnessEndpoints.BASE + "/forks", regulator);
    assertEquals(200, forks.status(), forks.toString());
    boolean found = false;
    for (var item : forks.json().path("forks")) {
      if (item.path("evidenceId").asText().equals(evidenceId)) {
        found = true;
        assertEquals("SAME_SIZE_DIFFERENT_ROOT", item.path("kind").asText());
        assertEquals(cosigned, item.path("firstNote").asText());
        assertEquals(fork, item.path("secondNote").asText());
      }
    }
    assertTrue(found, forks.toString());
    String metrics = node.client().get("/metrics", null).text();
    assertTrue(
        metrics.contains("medtrace_witness_forks_total{kind=\"SAME_SIZE_DIFFERENT_ROOT\",origin=\"" + log.origin + "\"} 1.0"),
        metrics.lines().filter(l -> l.contains("witness")).toList().toString());
    ApiClient.Reply clinician = node.client().get(WitnessEndpoints.BASE + "/forks", node.tokens().token(Role.CLINICIAN, "st-mary", "dr-house"));
    assertEquals(403, clinician.status());
  }

  @Test
  void aForkShownTwiceReachesTheAlertsOnceWithItsEvidence() throws Exception {
    Instant before = Instant.now().minus(Duration.ofMinutes(5));
    TestLog log = log(8).grow(6, "a");
    String cosigned = log.checkpoint();
    assertEquals(200, add(0, List.of(), cosigned).status());
    String fork = log.forkedCheckpoint(6);

    ApiClient.Reply first = add(6, List.of(), fork);
    ApiClient.Reply second = add(6, List.of(), fork);

    assertEquals(422, first.status(), first.toString());
    assertEquals(422, second.status(), second.toString());
    String evidenceId = first.json().path("evidenceId").asText();
    assertEquals(evidenceId, second.json().path("evidenceId").asText());
    String regulator = node.tokens().token(Role.REGULATOR, "health-authority", "inspector-1");
    List<JsonNode> mine = new ArrayList<>();
    node.awaitAssert(
        Duration.ofSeconds(45),
        () -> {
          mine.clear();
          ApiClient.Reply alerts = node.client().get("/api/v1/alerts?since=" + before + "&limit=500", regulator);
          assertEquals(200, alerts.status(), alerts.toString());
          alerts.json().path("alerts").forEach(alert -> {
            if (alert.path("payload").path("evidenceId").asText().equals(evidenceId)) {
              mine.add(alert);
            }
          });
          assertEquals(1, mine.size(), alerts.toString());
        });
    JsonNode alert = mine.get(0);
    assertEquals(LogWitness.ENTITY_TYPE, alert.path("entityType").asText());
    assertEquals(WITNESS, alert.path("entityId").asText());
    assertEquals("LogForkDetected", alert.path("eventType").asText());
    assertEquals(Role.WITNESS.wireName(), alert.path("actingParty").path("role").asText());
    assertEquals(log.origin, alert.path("payload").path("origin").asText());
    assertEquals("SAME_SIZE_DIFFERENT_ROOT", alert.path("payload").path("kind").asText());
    assertEquals(cosigned, alert.path("payload").path("firstNote").asText());
    assertEquals(fork, alert.path("payload").path("secondNote").asText());
    // Once on the chain too: one event per distinct piece of evidence, the repeat stored nothing.
    LogWitness.State chain =
        ClusterSharding.get(node.system())
            .entityRefFor(LogWitness.TYPE_KEY, WITNESS)
            .<LogWitness.State>ask(LogWitness.Get::new, Duration.ofSeconds(10))
            .toCompletableFuture()
            .get();
    assertEquals(alert.path("sequenceNumber").asLong(), chain.forkSequenceNumbers().get(evidenceId));
    assertEquals(chain.forkSequenceNumbers().size(), chain.head().sequenceNumber());
  }

  @Test
  void theSweepAlertsStoredEvidenceWhoseAlertWasNeverRecorded() throws Exception {
    Instant before = Instant.now().minus(Duration.ofMinutes(5));
    TestLog log = log(9).grow(3, "a");
    String cosigned = log.checkpoint();
    String fork = log.forkedCheckpoint(3);
    // As if the alert had failed when the fork was detected and no log showed the fork again:
    // the evidence is stored, nothing is on the ledger.
    String evidenceId = LogWitness.evidenceId(cosigned, fork);
    CassandraWitnessStore.onCassandra(node.system())
        .recordFork(
            WITNESS,
            new WitnessFork(evidenceId, log.origin, WitnessFork.Kind.SAME_SIZE_DIFFERENT_ROOT, 3, cosigned, fork, List.of(), Instant.now()))
        .toCompletableFuture()
        .get();

    String regulator = node.tokens().token(Role.REGULATOR, "health-authority", "inspector-1");
    node.awaitAssert(
        Duration.ofSeconds(45),
        () -> {
          ApiClient.Reply alerts = node.client().get("/api/v1/alerts?since=" + before + "&limit=500", regulator);
          List<String> found = new ArrayList<>();
          alerts.json().path("alerts").forEach(alert -> found.add(alert.path("payload").path("evidenceId").asText()));
          assertEquals(1, found.stream().filter(evidenceId::equals).count(), alerts.toString());
        });
  }

  @Test
  void theLogsCollectorGetsAVerifiedCosignatureFromThisEndpointWhenAnotherWitnessIsDown() throws Exception {
    TestLog log = log(5).grow(9, "a");
    URI endpoint = node.client().base().resolve(WitnessProtocol.ADD_CHECKPOINT_PATH);
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    WitnessEndpoint down =
        new WitnessEndpoint(
            "hospital-b",
            URI.create("http://127.0.0.1:" + closedPort + WitnessProtocol.ADD_CHECKPOINT_PATH),
            NoteSigner.generate("hospital-b", SignatureType.COSIGNATURE_V1).verifierKey());
    HttpCheckpointWitnesses collector =
        new HttpCheckpointWitnesses(
            List.of(new WitnessEndpoint(WITNESS, endpoint, witnessKey), down), 1, Duration.ofSeconds(10), Optional.empty());

    WitnessingResult result = collector.cosign(log.checkpoint(), 0, List.of()).toCompletableFuture().get();

    assertTrue(result.witnessed(), result.summary());
    assertEquals(List.of(WITNESS), result.verdict().cosignedBy());
    assertTrue(result.failures().containsKey("hospital-b"), result.summary());
  }

  @Test
  void theStateSurvivesARestartOfTheService() {
    TestLog log = log(6).grow(10, "a");
    assertEquals(200, add(0, List.of(), log.checkpoint()).status());

    node.close();
    node = startNode();

    ApiClient.Reply fromScratch = add(0, List.of(), log.grow(2, "b").checkpoint());
    assertEquals(409, fromScratch.status(), fromScratch.toString());
    assertEquals(10, fromScratch.json().path("witnessSize").asLong());
    assertEquals(200, add(10, log.proof(10, 12), log.checkpoint()).status());
  }

  @Test
  void ofTwoConcurrentAdvancesFromTheSameStateTheStoreAppliesOne() throws Exception {
    CassandraWitnessStore store = CassandraWitnessStore.onCassandra(node.system());
    String origin = LOG_NAME + "/slice-7";
    TestLog log = log(7).grow(2, "a");
    String start = log.checkpoint();
    assertTrue(store.advance(WITNESS, origin, Optional.empty(), start, 2).toCompletableFuture().get());
    assertFalse(store.advance(WITNESS, origin, Optional.empty(), start, 2).toCompletableFuture().get(), "a second first state");

    String left = log.grow(1, "b").checkpoint();
    String right = log.forkedCheckpoint(3);
    var first = store.advance(WITNESS, origin, Optional.of(start), left, 3).toCompletableFuture();
    var second = store.advance(WITNESS, origin, Optional.of(start), right, 3).toCompletableFuture();

    assertEquals(1, (first.get() ? 1 : 0) + (second.get() ? 1 : 0), "exactly one of the two advances applies");
    assertEquals(first.get() ? left : right, store.latest(WITNESS, origin).toCompletableFuture().get().orElseThrow());
  }
}
