package org.medtrace.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.LedgerEvent;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.ForkEvidence;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.merkle.note.WitnessResponse;
import org.medtrace.persistence.chain.HashChain;

/**
 * The offline verifier, run as a user runs it, on a real bundle and on tampered copies: each
 * change is caught, named (which event, proof or signature) and exits 1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerifierTamperingTest {

  private static final int EVENT_COUNT = 12;

  private Path dir;
  private BundleFixture fixture;
  private List<String> trust;

  @BeforeAll
  void buildBundle(@TempDir Path tempDir) throws IOException {
    dir = tempDir;
    fixture = new BundleFixture(EVENT_COUNT);
    trust = fixture.trustArguments(dir);
  }

  private VerifierRun verify(HistoryBundle bundle, List<String> options) throws IOException {
    Path file = Files.createTempFile(dir, "bundle", ".json");
    BundleWriter.write(bundle, file);
    return run(options, file.toString());
  }

  private VerifierRun run(List<String> options, String bundleArgument) {
    List<String> args = new ArrayList<>(options);
    args.add(bundleArgument);
    return VerifierRun.of(args);
  }

  private VerifierRun verifyTampered(UnaryOperator<HistoryBundle> tamper) throws IOException {
    VerifierRun run = verify(tamper.apply(fixture.bundle), trust);
    assertEquals(Main.FAILED, run.exitCode(), run.out());
    return run;
  }

  private static void assertSays(VerifierRun run, String... fragments) {
    for (String fragment : fragments) {
      assertTrue(run.out().contains(fragment), "expected '" + fragment + "' in:\n" + run.out());
    }
  }

  @Test
  void intactBundleVerifiesWithTrustedKeys() throws IOException {
    VerifierRun run = verify(fixture.bundle, trust);
    assertEquals(Main.VERIFIED, run.exitCode(), run.out() + run.err());
    assertSays(
        run,
        "drug-batch 09506000134352/L42: 12 events, chain intact (12 signed), included in checkpoint of size "
            + fixture.tree.size() + " of slice " + fixture.slice + " (" + fixture.origin + ")",
        "cosigned by 3 of 4 witnesses: regulator, hospital-a, hospital-b (quorum 3)");
  }

  @Test
  void bundleOnlyVerificationSaysItTrustsTheBundlesKeys() throws IOException {
    VerifierRun run = verify(fixture.bundle, List.of());
    assertEquals(Main.VERIFIED, run.exitCode(), run.out());
    assertTrue(run.err().contains("the log key is taken from the bundle"), run.err());
    assertTrue(run.err().contains("the witness keys are taken from the bundle"), run.err());
  }

  @Test
  void editedStoredEventIsAHashMismatchAtThatEvent() throws IOException {
    VerifierRun run = verifyTampered(b -> withEvent(b, 5, envelope -> envelope.setBody(editedBody(envelope, 40.0))));
    assertSays(run, "chain: broken at event #5 (HASH_MISMATCH)", "events 1..4 are intact");
  }

  @Test
  void editedEventWithRecomputedHashesIsCaughtBySignatureAndInclusion() throws IOException {
    // A forger who recomputes the edited event's hash still cannot sign it, nor put it in the log.
    VerifierRun run =
        verifyTampered(
            b ->
                withEvent(
                    b,
                    7,
                    envelope -> {
                      ByteString body = editedBody(envelope, 40.0);
                      return envelope
                          .setBody(body)
                          .setHash(ByteString.copyFrom(HashChain.link(envelope.getPrevHash().toByteArray(), body.toByteArray())));
                    }));
    assertSays(run, "chain: broken at event #7 (BAD_SIGNATURE)", "event #7 (leaf " + fixture.leafIndexes.get(6) + "): not included");
  }

  @Test
  void droppedEventIsASequenceGap() throws IOException {
    VerifierRun run = verifyTampered(b -> withEvents(b, without(b.events(), 3)));
    assertSays(run, "chain: broken at event #4 (SEQUENCE_GAP)", "sequence number 4 is missing");
  }

  @Test
  void changedInclusionProofHashNamesTheEventAndTheProof() throws IOException {
    VerifierRun run =
        verifyTampered(
            b -> {
              List<HistoryBundle.Event> events = new ArrayList<>(b.events());
              HistoryBundle.Event event = events.get(8);
              List<String> proof = new ArrayList<>(event.inclusionProof());
              proof.set(1, flipByte(proof.get(1), 3));
              events.set(8, new HistoryBundle.Event(event.ledgerEvent(), event.slice(), event.leafIndex(), proof));
              return withEvents(b, events);
            });
    assertSays(run, "event #9 (leaf " + fixture.leafIndexes.get(8) + "): not included in the checkpoint", "ROOT_MISMATCH");
    assertEquals(1, run.out().lines().filter(line -> line.startsWith("  ")).count(), run.out());
  }

  @Test
  void wrongLeafIndexIsNotIncluded() throws IOException {
    VerifierRun run =
        verifyTampered(
            b -> {
              List<HistoryBundle.Event> events = new ArrayList<>(b.events());
              HistoryBundle.Event event = events.get(0);
              events.set(0, new HistoryBundle.Event(event.ledgerEvent(), event.slice(), event.leafIndex() + 1, event.inclusionProof()));
              return withEvents(b, events);
            });
    assertSays(run, "event #1 (leaf " + (fixture.leafIndexes.get(0) + 1) + "): not included");
  }

  @Test
  void changedCheckpointRootOrSizeBreaksTheLogSignature() throws IOException {
    String note = fixture.bundle.checkpoint();
    String[] lines = note.split("\n", 4);
    String otherRoot = flipByte(lines[2], 0);
    VerifierRun root = verifyTampered(b -> withCheckpoint(b, note.replace(lines[2], otherRoot)));
    assertSays(root, "checkpoint: BAD_SIGNATURE: the signature by medtrace.example/ledger does not verify");

    VerifierRun size = verifyTampered(b -> withCheckpoint(b, note.replaceFirst("\n" + lines[1] + "\n", "\n" + (Long.parseLong(lines[1]) + 1) + "\n")));
    assertSays(size, "checkpoint: BAD_SIGNATURE");
  }

  @Test
  void checkpointSignedByAnotherLogIsAnUnknownKey() throws IOException {
    VerifierRun run =
        verifyTampered(
            b -> {
              org.medtrace.merkle.note.NoteSigner impostor =
                  org.medtrace.merkle.note.NoteSigner.generate("medtrace.example/ledger", org.medtrace.merkle.note.SignatureType.ED25519);
              String forged = Checkpoint.at(fixture.origin, fixture.tree.size(), fixture.tree.rootHash(), BundleFixture.SIGNED_AT).sign(impostor).format();
              return withCheckpoint(b, forged);
            });
    assertSays(run, "checkpoint: UNKNOWN_KEY: no signature by medtrace.example/ledger");
  }

  @Test
  void logThatSignsADifferentTreeFailsEveryInclusionProof() throws IOException {
    // The log key signs a checkpoint of another tree of the same size: the proofs no longer lead to it.
    VerifierRun run =
        verifyTampered(
            b -> withCheckpoint(b, Checkpoint.at(fixture.origin, fixture.tree.size(), fixture.tree.rootHash(fixture.tree.size() - 1), BundleFixture.SIGNED_AT).sign(fixture.log).format()));
    assertSays(run, "event #1 (leaf", "event #12 (leaf", "witnesses: cosigned by 0 of 4 witnesses, the quorum is 3");
  }

  @Test
  void changedCosignatureIsNamedAndTheQuorumIsMissed() throws IOException {
    String note = fixture.bundle.checkpoint();
    String hospitalLine =
        note.lines().filter(line -> line.startsWith("\u2014 hospital-a.example/witness ")).findFirst().orElseThrow();
    String[] parts = hospitalLine.split(" ");
    String forged = hospitalLine.replace(parts[2], flipByte(parts[2], 20));
    VerifierRun run = verifyTampered(b -> withCheckpoint(b, note.replace(hospitalLine, forged)));
    assertSays(
        run,
        "cosignature of hospital-a: BAD_SIGNATURE",
        "witnesses: cosigned by 2 of 4 witnesses (regulator, hospital-b), the quorum is 3");
  }

  @Test
  void quorumHigherThanTheCosignaturesFails() throws IOException {
    List<String> strict = new ArrayList<>(trust);
    strict.add("--quorum");
    strict.add("4");
    VerifierRun run = verify(fixture.bundle, strict);
    assertEquals(Main.FAILED, run.exitCode());
    assertSays(run, "witnesses: cosigned by 3 of 4 witnesses (regulator, hospital-a, hospital-b), the quorum is 4");
  }

  @Test
  void eventMovedToAnotherSliceIsNamed() throws IOException {
    VerifierRun run =
        verifyTampered(
            b -> {
              List<HistoryBundle.Event> events = new ArrayList<>(b.events());
              HistoryBundle.Event event = events.get(2);
              events.set(2, new HistoryBundle.Event(event.ledgerEvent(), (event.slice() + 1) % 16, event.leafIndex(), event.inclusionProof()));
              return withEvents(b, events);
            });
    assertSays(run, "event #3 (leaf " + fixture.leafIndexes.get(2) + "): slice");
  }

  @Test
  void malformedBundlesFailWithTheReason() throws IOException {
    String json = BundleWriter.toJson(fixture.bundle);
    for (String bad :
        List.of(
            json.replaceFirst("\\{", "{\"extra\": 1, "),
            json.replace("\"leafIndex\" : " + fixture.leafIndexes.get(0), "\"leafIndex\" : \"" + fixture.leafIndexes.get(0) + "\""),
            json.replace(HistoryBundle.FORMAT, "medtrace-history-bundle/v0"),
            json.replaceFirst("\"entityType\" : \"drug-batch\",", ""),
            json + "{}",
            "not json")) {
      Path file = Files.writeString(Files.createTempFile(dir, "bad", ".json"), bad);
      VerifierRun run = run(trust, file.toString());
      assertEquals(Main.FAILED, run.exitCode(), run.out());
      assertSays(run, "bundle: ");
    }
  }

  @Test
  void usageErrorsExitWithTwo() throws IOException {
    Path bundle = Files.createTempFile(dir, "bundle", ".json");
    BundleWriter.write(fixture.bundle, bundle);
    assertEquals(Main.USAGE, run(List.of(), dir.resolve("missing.json").toString()).exitCode());
    assertEquals(Main.USAGE, run(List.of("--bogus"), bundle.toString()).exitCode());
    assertEquals(Main.USAGE, run(List.of("--quorum", "many"), bundle.toString()).exitCode());
    assertEquals(Main.USAGE, run(List.of("--witness", "no-equals-sign"), bundle.toString()).exitCode());
    assertEquals(Main.USAGE, run(List.of("--trust-log", dir.resolve("absent.vkey").toString()), bundle.toString()).exitCode());
    // A witness key given as the log key is refused before anything is verified.
    assertEquals(Main.USAGE, run(List.of("--trust-log", dir.resolve("regulator.vkey").toString()), bundle.toString()).exitCode());
    assertEquals(Main.USAGE, run(List.of("--trust-log"), "").exitCode());
    assertEquals(Main.USAGE, run(List.of("--ca", dir.resolve("absent.pem").toString()), bundle.toString()).exitCode());
    // A key file is no certificate.
    assertEquals(Main.USAGE, run(List.of("--ca", dir.resolve("regulator.vkey").toString()), bundle.toString()).exitCode());
  }

  @Test
  void witnessShownTwoRootsForOneSizeRecordsTheFork() throws Exception {
    // The log shows the regulator a rewritten history of the same size (event 5 left out and
    // another leaf in its place), after it cosigned the real one.
    org.medtrace.merkle.MerkleTree rewritten = org.medtrace.merkle.MerkleTree.inMemory();
    long skipped = fixture.leafIndexes.get(4);
    for (long i = 0; i < fixture.tree.size(); i++) {
      if (i == skipped) {
        rewritten.append(new byte[] {1, 2, 3});
      } else {
        rewritten.appendLeafHash(fixture.tree.leafHash(i));
      }
    }
    String forked = Checkpoint.at(fixture.origin, rewritten.size(), rewritten.rootHash(), BundleFixture.SIGNED_AT).sign(fixture.log).format();

    WitnessResponse response = fixture.witnesses.get("regulator").submit(forked, List.of());
    ForkEvidence evidence = assertInstanceOf(WitnessResponse.ForkDetected.class, response).evidence();
    assertEquals(fixture.tree.size(), evidence.size());
    Checkpoint cosigned = Checkpoint.verify(SignedNote.parse(evidence.firstNote()), fixture.log.verifierKey());
    Checkpoint shown = Checkpoint.verify(SignedNote.parse(evidence.secondNote()), fixture.log.verifierKey());
    assertTrue(java.util.Arrays.equals(fixture.tree.rootHash(), cosigned.rootHash()));
    assertTrue(java.util.Arrays.equals(rewritten.rootHash(), shown.rootHash()));
    assertEquals(List.of(evidence), fixture.witnesses.get("regulator").forks());
  }

  private static ByteString editedBody(LedgerEvent.Builder envelope, double celsius) {
    try {
      EventBody.Builder body = EventBody.parseFrom(envelope.getBody()).toBuilder();
      body.getTemperatureRecordedBuilder().getReadingBuilder().setCelsius(celsius);
      return body.build().toByteString();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static HistoryBundle withEvent(HistoryBundle bundle, long sequenceNumber, UnaryOperator<LedgerEvent.Builder> edit) {
    List<HistoryBundle.Event> events = new ArrayList<>(bundle.events());
    int position = (int) sequenceNumber - 1;
    HistoryBundle.Event event = events.get(position);
    try {
      LedgerEvent.Builder envelope = LedgerEvent.parseFrom(Base64.getDecoder().decode(event.ledgerEvent())).toBuilder();
      String edited = Base64.getEncoder().encodeToString(edit.apply(envelope).build().toByteArray());
      events.set(position, new HistoryBundle.Event(edited, event.slice(), event.leafIndex(), event.inclusionProof()));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
    return withEvents(bundle, events);
  }

  private static HistoryBundle withEvents(HistoryBundle b, List<HistoryBundle.Event> events) {
    return b.withEvents(events);
  }

  private static HistoryBundle withCheckpoint(HistoryBundle b, String checkpoint) {
    return b.withCheckpoint(checkpoint);
  }

  private static List<HistoryBundle.Event> without(List<HistoryBundle.Event> events, int position) {
    List<HistoryBundle.Event> fewer = new ArrayList<>(events);
    fewer.remove(position);
    return fewer;
  }

  private static String flipByte(String base64, int index) {
    byte[] bytes = Base64.getDecoder().decode(base64);
    bytes[index] ^= 0x5a;
    return Base64.getEncoder().encodeToString(bytes);
  }
}
