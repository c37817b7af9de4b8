package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.http.JsonBodies.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.device.MedicalDevice;
import org.medtrace.actors.ledger.Role;
import org.medtrace.globallog.LogKey;
import org.medtrace.merkle.LogLeaf;
import org.medtrace.merkle.ProofVerifier;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * The global log's endpoints on a node whose log runs (writers, checkpoints every second, a
 * development log key): the proofs they answer verify with {@link ProofVerifier} against checkpoints
 * signed by the log key, and an exported history passes {@code medtrace-verify} while a tampered
 * copy fails it.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogRoutesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ApiTestNode node;
  private ApiClient api;
  private NoteKey logKey;
  private Path logKeyFile;
  private String maker;
  private String hospital;
  private String regulator;
  private int serials;

  @BeforeAll
  void start() throws Exception {
    Path keyDirectory = Files.createTempDirectory("medtrace-log-key");
    node =
        ApiTestNode.start(
            "http_log",
            ConfigFactory.parseString(
                """
                medtrace.global-log.enabled = on
                medtrace.global-log.checkpoint-interval = 1s
                medtrace.global-log.reconcile-interval = 2s
                medtrace.global-log.development-key.enabled = on
                medtrace.global-log.development-key.dir = "%s"
                pekko.persistence.cassandra.events-by-tag.eventual-consistency-delay = 1s
                """
                    .formatted(keyDirectory)));
    api = node.client();
    logKeyFile = keyDirectory.resolve(LogKey.VKEY_FILE);
    logKey = NoteKey.parse(Files.readString(logKeyFile));
    maker = node.tokens().token(Role.MANUFACTURER, "medidevice-gmbh", "factory-1");
    hospital = node.tokens().token(Role.HOSPITAL, "st-mary", "biomed");
    regulator = node.tokens().token(Role.REGULATOR, "health-authority", "inspector-1");
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  /** A registered and installed device (two events); returns its id. */
  private String device() {
    String serial = "SN-LOG-" + (++serials) + "-" + Long.toString(System.nanoTime() % 100000, 36);
    ApiClient.Reply registered =
        api.post("/api/v1/devices", maker, json("model", "InfusionPump-X2", "serialNumber", serial, "factoryTestReportSha256", "cd".repeat(32)));
    assertEquals(201, registered.status(), registered.toString());
    String path = registered.header("Location").orElseThrow();
    assertEquals(200, api.post(path + "/installation", hospital, json("facility", "st-mary", "department", "icu", "responsiblePerson", "dr-house")).status());
    return "medidevice-gmbh/" + serial;
  }

  private static String log(String id) {
    return "/api/v1/devices/" + PathSegments.encode(id) + "/log";
  }

  /** Waits until the event is in a checkpoint, and returns its inclusion proof. */
  private JsonNode inclusion(String id, long sequenceNumber) {
    JsonNode[] answer = new JsonNode[1];
    node.awaitAssert(
        Duration.ofSeconds(30),
        () -> {
          ApiClient.Reply reply = api.get(log(id) + "/events/" + sequenceNumber + "/inclusion", regulator);
          assertEquals(200, reply.status(), reply.toString());
          answer[0] = reply.json();
        });
    return answer[0];
  }

  private Checkpoint verified(String note) throws Exception {
    return Checkpoint.verify(SignedNote.parse(note), logKey);
  }

  private static List<byte[]> hashes(JsonNode array) {
    List<byte[]> hashes = new ArrayList<>();
    array.forEach(hash -> hashes.add(Base64.getDecoder().decode(hash.asText())));
    return hashes;
  }

  @Test
  void proofEndpointsAnswerProofsThatProofVerifierAccepts() throws Exception {
    String id = device();
    JsonNode first = inclusion(id, 1);
    Checkpoint older = verified(first.path("checkpoint").asText());
    // The leaf is the one of the event the journal holds (its hash from the trail).
    JsonNode trail = api.get("/api/v1/devices/" + PathSegments.encode(id) + "/trail", regulator).json();
    byte[] eventHash = HexFormat.of().parseHex(trail.path("events").get(0).path("hash").asText());
    byte[] leafHash = new LogLeaf(MedicalDevice.ENTITY_TYPE, id, 1, eventHash).leafHash();
    assertArrayEquals(leafHash, Base64.getDecoder().decode(first.path("leafHash").asText()));
    assertTrue(
        ProofVerifier.verifyInclusion(leafHash, first.path("leafIndex").asLong(), older.size(), hashes(first.path("proof")), older.rootHash())
            .isValid());

    String engineer = node.tokens().token(Role.DEVICE_ENGINEER, "st-mary", "eng-7");
    assertEquals(
        200,
        api.post("/api/v1/devices/" + PathSegments.encode(id) + "/decommissioning", engineer, json("reason", "end of life", "disposalMethod", "recycling"))
            .status());
    inclusion(id, 3);
    int slice = first.path("slice").asInt();
    node.awaitAssert(
        Duration.ofSeconds(30),
        () -> assertTrue(api.get("/api/v1/log/slices/" + slice + "/checkpoint", regulator).json().path("treeSize").asLong() > older.size()));
    JsonNode latest = api.get("/api/v1/log/slices/" + slice + "/checkpoint", regulator).json();
    Checkpoint newer = verified(latest.path("checkpoint").asText());
    assertEquals(latest.path("treeSize").asLong(), newer.size());

    JsonNode consistency =
        api.get("/api/v1/log/slices/" + slice + "/consistency?from=" + older.size() + "&to=" + newer.size(), regulator).json();
    assertTrue(
        ProofVerifier.verifyConsistency(older.size(), newer.size(), older.rootHash(), newer.rootHash(), hashes(consistency.path("proof")))
            .isValid(),
        consistency.toString());
    JsonNode again = api.get(log(id) + "/events/1/inclusion?treeSize=" + newer.size(), regulator).json();
    assertTrue(
        ProofVerifier.verifyInclusion(leafHash, again.path("leafIndex").asLong(), newer.size(), hashes(again.path("proof")), newer.rootHash())
            .isValid());

    ApiClient.Reply witnessed = api.get("/api/v1/log/slices/" + slice + "/checkpoint/witnessed", regulator);
    assertEquals(404, witnessed.status(), "no witnesses are configured, so nothing is witnessed: " + witnessed);
  }

  @Test
  void anExportedHistoryPassesMedtraceVerifyAndATamperedOneFailsIt() throws Exception {
    String id = device();
    inclusion(id, 2);
    ApiClient.Reply export = api.get(log(id) + "/export", regulator);
    assertEquals(200, export.status(), export.toString());
    Path bundle = Files.writeString(Files.createTempFile("history", ".json"), export.text());
    assertEquals(0, verify(bundle), "the exported bundle verifies");

    ObjectNode tampered = (ObjectNode) JSON.readTree(export.text());
    ObjectNode event = (ObjectNode) ((ArrayNode) tampered.get("events")).get(1);
    byte[] stored = Base64.getDecoder().decode(event.get("ledgerEvent").asText());
    stored[stored.length / 2] ^= 1;
    event.put("ledgerEvent", Base64.getEncoder().encodeToString(stored));
    Files.writeString(bundle, JSON.writeValueAsString(tampered) + "\n");
    assertEquals(1, verify(bundle), "a changed stored event fails");
  }

  @Test
  void entityProofsFollowTheEntitysReaders() {
    String id = device();
    inclusion(id, 1);
    String patient = node.tokens().patient("pk-11111111");
    String laboratory = node.tokens().token(Role.LABORATORY, "city-lab", "lab-1");
    assertEquals(403, api.get(log(id) + "/export", patient).status());
    assertEquals(403, api.get(log(id) + "/events/1/inclusion", laboratory).status());
    assertEquals(200, api.get("/api/v1/log/slices/0/checkpoint", laboratory).status());
    assertEquals(403, api.get("/api/v1/patients/pk-22222222/log/events/1/inclusion", patient).status());
    assertEquals(403, api.get("/api/v1/patients/pk-22222222/log/export", regulator).status());
    assertEquals(404, api.get(log(id) + "/events/99/inclusion", regulator).status());
    assertEquals(400, api.get("/api/v1/log/slices/16/checkpoint", regulator).status());
  }

  private int verify(Path bundle) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status =
        org.medtrace.verify.Main.run(
            new String[] {"--trust-log", logKeyFile.toString(), bundle.toString()}, new PrintStream(out), new PrintStream(out));
    System.out.println(out);
    return status;
  }
}
