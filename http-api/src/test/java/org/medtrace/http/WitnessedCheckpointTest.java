package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.Role;
import org.medtrace.globallog.GlobalLog;
import org.medtrace.globallog.GlobalLogSettings;
import org.medtrace.globallog.LogKey;
import org.medtrace.globallog.LogTables;
import org.medtrace.merkle.LogFormat;
import org.medtrace.merkle.Rfc9162;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.Cosignature;
import org.medtrace.merkle.note.NoteSignature;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignatureType;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * {@code GET /api/v1/log/slices/{slice}/checkpoint/witnessed} applies the log's k-of-n witness
 * policy itself, over checkpoints stored in the real Cassandra: it serves the latest checkpoint with
 * verified cosignatures by at least the quorum (2 of 3 here) of the configured witnesses, names them,
 * passes over checkpoints below the quorum (also those with cosignatures by unconfigured keys or that
 * do not verify), and answers a 503 that says what the latest checkpoint has when none qualifies.
 *
 * <p>The node's writers are off, so the test alone decides what the slices hold; the checkpoints are
 * signed with the node's own (development) log key.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WitnessedCheckpointTest {

  private static final NoteSigner A = NoteSigner.generate("a.example/witness", SignatureType.COSIGNATURE_V1);
  private static final NoteSigner B = NoteSigner.generate("b.example/witness", SignatureType.COSIGNATURE_V1);
  private static final NoteSigner C = NoteSigner.generate("c.example/witness", SignatureType.COSIGNATURE_V1);
  /** A cosigner that is not one of the log's witnesses: its cosignatures MUST NOT count. */
  private static final NoteSigner OUTSIDER = NoteSigner.generate("outsider.example/witness", SignatureType.COSIGNATURE_V1);

  private ApiTestNode node;
  private NoteSigner logKey;
  private LogTables tables;
  private String regulator;

  @BeforeAll
  void start() throws Exception {
    Path keyDirectory = Files.createTempDirectory("medtrace-log-key");
    // Nothing listens on the discard port; nothing asks the witnesses either (no writers).
    String witness = "{ name = \"%s\", url = \"http://127.0.0.1:9/api/v1/witness/add-checkpoint\", key = \"%s\" }";
    node =
        ApiTestNode.start(
            "http_witnessed",
            ConfigFactory.parseString(
                """
                medtrace.global-log.enabled = off
                medtrace.global-log.development-key.enabled = on
                medtrace.global-log.development-key.dir = "%s"
                medtrace.global-log.witnesses { quorum = 2, timeout = 1s, list = [ %s, %s, %s ] }
                """
                    .formatted(
                        keyDirectory,
                        witness.formatted("a.example", A.verifierKey().vkey()),
                        witness.formatted("b.example", B.verifierKey().vkey()),
                        witness.formatted("c.example", C.verifierKey().vkey()))));
    GlobalLogSettings settings = GlobalLogSettings.from(node.system().settings().config());
    logKey = LogKey.load(settings.signing()).orElseThrow();
    tables = GlobalLog.tables(node.system());
    regulator = node.tokens().token(Role.REGULATOR, "health-authority", "inspector-1");
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  /** Stores a checkpoint of {@code size} signed by the log key, with cosignature lines by {@code cosigners}. */
  private SignedNote store(int slice, long size, NoteSigner... cosigners) {
    Instant now = Instant.now();
    SignedNote note =
        Checkpoint.at(LogFormat.sliceOrigin(logKey.verifierKey().name(), slice), size, Rfc9162.leafHash(new byte[] {(byte) size}), now)
            .sign(logKey);
    assertTrue(tables.insertCheckpoint(slice, size, note.format(), now));
    return cosign(slice, size, note, cosigners);
  }

  /** Appends cosignatures to the stored checkpoint of {@code size} (as the publisher does when they arrive). */
  private SignedNote cosign(int slice, long size, SignedNote note, NoteSigner... cosigners) {
    List<NoteSignature> lines = new ArrayList<>();
    for (NoteSigner cosigner : cosigners) {
      lines.add(Cosignature.sign(cosigner, note.text(), Instant.now()));
    }
    return attach(slice, size, note, lines);
  }

  private SignedNote attach(int slice, long size, SignedNote note, List<NoteSignature> lines) {
    SignedNote cosigned = note;
    for (NoteSignature line : lines) {
      cosigned = cosigned.withSignature(line);
    }
    tables.recordCosignedNote(slice, size, cosigned.format());
    return cosigned;
  }

  private ApiClient.Reply witnessed(int slice) {
    return node.client().get("/api/v1/log/slices/" + slice + "/checkpoint/witnessed", regulator);
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(item -> texts.add(item.asText()));
    return texts;
  }

  @Test
  void servesTheLatestCheckpointCosignedByTheQuorumAndNamesItsWitnesses() throws Exception {
    int slice = 3;
    store(slice, 5, A, B);
    SignedNote seven = store(slice, 7, A);
    store(slice, 9, A, OUTSIDER);

    ApiClient.Reply reply = witnessed(slice);
    assertEquals(200, reply.status(), reply.toString());
    JsonNode view = reply.json();
    assertEquals(5, view.path("treeSize").asLong(), "7 and 9 are below the quorum (the outsider does not count): " + view);
    assertEquals(2, view.path("quorum").asInt());
    assertEquals(List.of("a.example/witness", "b.example/witness", "c.example/witness"), texts(view.path("witnesses")));
    assertEquals(List.of("a.example/witness", "b.example/witness"), texts(view.path("cosignedBy")));
    Checkpoint.verify(SignedNote.parse(view.path("checkpoint").asText()), logKey.verifierKey());

    // B's cosignature arrives for 7: 7 reaches the quorum and is served.
    cosign(slice, 7, seven, B);
    JsonNode later = witnessed(slice).json();
    assertEquals(7, later.path("treeSize").asLong(), later.toString());
    assertEquals(List.of("a.example/witness", "b.example/witness"), texts(later.path("cosignedBy")));
  }

  @Test
  void aCosignatureThatDoesNotVerifyDoesNotCount() throws Exception {
    int slice = 4;
    SignedNote three = store(slice, 3, B, C);
    SignedNote four = store(slice, 4, A);
    // B's genuine cosignature of checkpoint 3, copied onto checkpoint 4: B's key, a signature that does not verify.
    attach(slice, 4, four, List.of(Cosignature.sign(A, four.text(), Instant.now()), three.signatureOf(B.verifierKey()).orElseThrow()));

    JsonNode view = witnessed(slice).json();
    assertEquals(3, view.path("treeSize").asLong(), view.toString());
    assertEquals(List.of("b.example/witness", "c.example/witness"), texts(view.path("cosignedBy")));
  }

  @Test
  void belowTheQuorumNothingIsServedAndTheProblemSaysWhatTheLatestHas() {
    int slice = 5;
    store(slice, 2, C);
    store(slice, 6, A, OUTSIDER);

    ApiClient.Reply reply = witnessed(slice);
    assertEquals(503, reply.status(), reply.toString());
    assertEquals("checkpoint-not-witnessed", reply.problemType());
    assertEquals(6, reply.json().path("latestTreeSize").asLong());
    assertEquals(List.of("a.example/witness"), texts(reply.json().path("latestCosignedBy")));
    assertEquals(2, reply.json().path("quorum").asInt());
    assertTrue(reply.header("Retry-After").isPresent(), reply.toString());

    assertEquals(404, witnessed(6).status(), "a slice without checkpoints");
    assertEquals(200, node.client().get("/api/v1/log/slices/" + slice + "/checkpoint", regulator).status(), "the signed checkpoint is still served");
  }
}
