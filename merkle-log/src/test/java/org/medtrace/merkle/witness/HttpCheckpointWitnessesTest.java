package org.medtrace.merkle.witness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.medtrace.merkle.MerkleTree;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.Cosignature;
import org.medtrace.merkle.note.InMemoryWitnessState;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.NoteSignature;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignatureType;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.merkle.note.Witness;
import org.medtrace.merkle.note.WitnessResponse;

/**
 * The collector against witnesses on real HTTP servers (the JDK's): each runs {@link Witness} and
 * speaks {@link WitnessProtocol}'s success and 409 answers. The node's own endpoint is tested with
 * the collector in the http-api module.
 */
class HttpCheckpointWitnessesTest {

  private static final String ORIGIN = "medtrace.example/ledger/slice-1";
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final NoteSigner logSigner = NoteSigner.generate("medtrace.example/ledger", SignatureType.ED25519);
  private final MerkleTree tree = MerkleTree.inMemory();
  private final List<HttpServer> servers = new ArrayList<>();

  @AfterEach
  void stopServers() {
    servers.forEach(server -> server.stop(0));
  }

  @Test
  void twoOfThreeCosignWhenOneWitnessIsDownAndTheResultSaysWhy() throws Exception {
    WitnessEndpoint a = honestWitness("hospital-a");
    WitnessEndpoint b = honestWitness("regulator");
    WitnessEndpoint down = new WitnessEndpoint("hospital-b", unusedPortUrl(), NoteSigner.generate("hospital-b", SignatureType.COSIGNATURE_V1).verifierKey());

    WitnessingResult result = collector(List.of(a, down, b), 2).cosign(checkpoint(grow(5)), 0, List.of()).toCompletableFuture().get();

    assertTrue(result.witnessed(), result.summary());
    assertEquals(List.of("hospital-a", "regulator"), result.verdict().cosignedBy());
    assertTrue(result.failures().get("hospital-b").startsWith("unreachable"), result.summary());
    // The cosigned note carries both lines, and each verifies.
    SignedNote cosigned = SignedNote.parse(result.cosignedCheckpoint());
    Cosignature.verify(a.key(), cosigned.text(), cosigned.signatureOf(a.key()).orElseThrow());
    Cosignature.verify(b.key(), cosigned.text(), cosigned.signatureOf(b.key()).orElseThrow());
  }

  @Test
  void aForgedCosignatureDoesNotCountAndThreeOfThreeFailsClearly() throws Exception {
    WitnessEndpoint a = honestWitness("hospital-a");
    WitnessEndpoint b = honestWitness("regulator");
    // Answers with a cosignature made by a key other than the one the log configured for it.
    NoteSigner otherKey = NoteSigner.generate("hospital-b", SignatureType.COSIGNATURE_V1);
    WitnessEndpoint forger =
        serve("hospital-b", NoteSigner.generate("hospital-b", SignatureType.COSIGNATURE_V1).verifierKey(), exchange -> {
          String note = note(body(exchange));
          String line = Cosignature.sign(otherKey, SignedNote.parse(note).text(), Instant.now()).line() + "\n";
          reply(exchange, 200, line);
        });
    String checkpoint = checkpoint(grow(3));

    WitnessingResult twoOfThree = collector(List.of(a, forger, b), 2).cosign(checkpoint, 0, List.of()).toCompletableFuture().get();
    assertTrue(twoOfThree.witnessed(), twoOfThree.summary());
    assertFalse(twoOfThree.cosignedCheckpoint().contains("— hospital-b "), "the forged line is not passed on");

    WitnessingResult threeOfThree = collector(List.of(a, forger, b), 3).cosign(checkpoint, 3, List.of()).toCompletableFuture().get();
    assertFalse(threeOfThree.witnessed());
    assertEquals(List.of("hospital-a", "regulator"), threeOfThree.verdict().cosignedBy());
    assertTrue(threeOfThree.summary().startsWith("NOT witnessed: 2 of 3 cosigned (quorum 3)"), threeOfThree.summary());
    assertTrue(threeOfThree.failures().get("hospital-b").contains("without a cosignature by its key"), threeOfThree.summary());
  }

  @Test
  void aLineUnderTheWitnessKeysNameAndIdThatDoesNotVerifyIsAFailureNotACosignature() throws Exception {
    WitnessEndpoint a = honestWitness("hospital-a");
    WitnessEndpoint b = honestWitness("regulator");
    NoteKey configured = NoteSigner.generate("hospital-b", SignatureType.COSIGNATURE_V1).verifierKey();
    NoteSigner impostor = NoteSigner.generate("hospital-b", SignatureType.COSIGNATURE_V1);
    // Signed by another key, but carrying the configured key's name and id: only verification tells.
    WitnessEndpoint forger =
        serve("hospital-b", configured, exchange -> {
          String text = SignedNote.parse(note(body(exchange))).text();
          NoteSignature forged = Cosignature.sign(impostor, text, Instant.now());
          reply(exchange, 200, new NoteSignature(configured.name(), configured.keyId(), forged.signature()).line() + "\n");
        });

    WitnessingResult result = collector(List.of(a, forger, b), 3).cosign(checkpoint(grow(2)), 0, List.of()).toCompletableFuture().get();

    assertFalse(result.witnessed(), result.summary());
    assertEquals(List.of("hospital-a", "regulator"), result.verdict().cosignedBy());
    assertTrue(result.failures().get("hospital-b").contains("does not verify"), result.summary());
    assertFalse(result.cosignedCheckpoint().contains("— hospital-b "), "the forged line is not passed on");
  }

  @Test
  void aWitnessThatMissedCheckpointsIsAskedAgainWithAProofFromItsSize() throws Exception {
    WitnessEndpoint behind = honestWitness("regulator");
    HttpCheckpointWitnesses withProofs =
        new HttpCheckpointWitnesses(
            List.of(behind), 1, TIMEOUT, Optional.of((origin, oldSize, newSize) -> tree.consistencyProof(oldSize, newSize)));
    HttpCheckpointWitnesses withoutProofs = collector(List.of(behind), 1);
    withProofs.cosign(checkpoint(grow(4)), 0, List.of()).toCompletableFuture().get();
    long missed = grow(3);
    long now = grow(2);
    String latest = checkpoint(now);

    // The log believes the witness is at 7; it is at 4.
    WitnessingResult refused = withoutProofs.cosign(latest, missed, tree.consistencyProof(missed, now)).toCompletableFuture().get();
    WitnessingResult caughtUp = withProofs.cosign(latest, missed, tree.consistencyProof(missed, now)).toCompletableFuture().get();

    assertFalse(refused.witnessed());
    assertTrue(refused.failures().get("regulator").contains("409"), refused.summary());
    assertTrue(caughtUp.witnessed(), caughtUp.summary());
  }

  @Test
  void noWitnessesMeansNoCosignaturesAndSaysSo() throws Exception {
    String checkpoint = checkpoint(grow(1));
    WitnessingResult result = CheckpointWitnesses.none().cosign(checkpoint, 0, List.of()).toCompletableFuture().get();
    assertEquals(checkpoint, result.cosignedCheckpoint());
    assertTrue(result.summary().contains("no witnesses are configured"), result.summary());
  }

  @Test
  void requestBodyIsJsonWithTheNoteEscaped() {
    String body = WitnessProtocol.requestBody(3, List.of(new byte[] {1, 2}), "a \"quoted\"\nnote\\\u0001");
    assertEquals("{\"oldSize\":3,\"consistencyProof\":[\"AQI=\"],\"checkpoint\":\"a \\\"quoted\\\"\\nnote\\\\\\u0001\"}", body);
    assertEquals(Optional.of(42L), WitnessProtocol.witnessSize("{\"type\":\"x\",\"witnessSize\": 42}"));
  }

  // ---- the log and its witnesses ----

  private long grow(int leaves) {
    for (int i = 0; i < leaves; i++) {
      tree.append(("leaf-" + tree.size()).getBytes(StandardCharsets.UTF_8));
    }
    return tree.size();
  }

  private String checkpoint(long size) {
    return Checkpoint.at(ORIGIN, size, tree.rootHash(size), Instant.ofEpochSecond(1_790_000_000L)).sign(logSigner).format();
  }

  private HttpCheckpointWitnesses collector(List<WitnessEndpoint> witnesses, int quorum) {
    return new HttpCheckpointWitnesses(witnesses, quorum, TIMEOUT, Optional.empty());
  }

  /** A witness that follows the log, with the tlog-witness old-size rule in front of {@link Witness}. */
  private WitnessEndpoint honestWitness(String name) throws IOException {
    NoteSigner cosigner = NoteSigner.generate(name, SignatureType.COSIGNATURE_V1);
    InMemoryWitnessState state = new InMemoryWitnessState();
    Witness witness = new Witness(cosigner, Map.of(ORIGIN, logSigner.verifierKey()), state, Clock.systemUTC());
    return serve(name, cosigner.verifierKey(), exchange -> {
      String body = body(exchange);
      long oldSize = Long.parseLong(match(body, "\"oldSize\":(\\d+)"));
      long witnessSize = state.lastCosigned(ORIGIN).map(n -> Long.parseLong(n.split("\n")[1])).orElse(0L);
      if (oldSize != witnessSize) {
        reply(exchange, 409, "{\"witnessSize\":" + witnessSize + "}");
        return;
      }
      List<byte[]> proof = new ArrayList<>();
      for (String hash : match(body, "\"consistencyProof\":\\[([^]]*)]").split(",")) {
        if (!hash.isBlank()) {
          proof.add(Base64.getDecoder().decode(hash.replace("\"", "")));
        }
      }
      WitnessResponse response = witness.submit(note(body), proof);
      if (response instanceof WitnessResponse.Cosigned cosigned) {
        reply(exchange, 200, cosigned.cosignature().line() + "\n");
      } else {
        reply(exchange, 422, response.toString());
      }
    });
  }

  private interface Handler {
    void handle(HttpExchange exchange) throws Exception;
  }

  private WitnessEndpoint serve(String name, NoteKey key, Handler handler) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(WitnessProtocol.ADD_CHECKPOINT_PATH, exchange -> {
      try {
        handler.handle(exchange);
      } catch (Exception e) {
        reply(exchange, 500, e.toString());
      }
    });
    server.start();
    servers.add(server);
    return new WitnessEndpoint(
        name, URI.create("http://127.0.0.1:" + server.getAddress().getPort() + WitnessProtocol.ADD_CHECKPOINT_PATH), key);
  }

  private static URI unusedPortUrl() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      port = socket.getLocalPort();
    }
    return URI.create("http://127.0.0.1:" + port + WitnessProtocol.ADD_CHECKPOINT_PATH);
  }

  private static String body(HttpExchange exchange) throws IOException {
    return new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
  }

  /** The note out of the request's JSON string (the collector escapes only these). */
  private static String note(String body) {
    return match(body, "\"checkpoint\":\"(.*)\"}")
        .replace("\\n", "\n")
        .replace("\\\"", "\"")
        .replace("\\\\", "\\");
  }

  private static String match(String text, String regex) {
    Matcher matcher = Pattern.compile(regex, Pattern.DOTALL).matcher(text);
    if (!matcher.find()) {
      throw new IllegalArgumentException("no " + regex + " in " + text);
    }
    return matcher.group(1);
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }
}
