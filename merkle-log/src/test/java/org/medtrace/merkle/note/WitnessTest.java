package org.medtrace.merkle.note;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.medtrace.merkle.MerkleTree;

/** A witness cosigns only consistent growth, refuses the rest with a reason, and records forks. */
class WitnessTest {

  private static final String LOG_NAME = "medtrace.example/ledger";
  private static final String ORIGIN = "medtrace.example/ledger/slice-5";
  private static final Instant NOW = Instant.ofEpochSecond(1_790_000_000L);

  private final NoteSigner log = NoteSigner.generate(LOG_NAME, SignatureType.ED25519);
  private final MerkleTree tree = MerkleTree.inMemory();
  private final Witness witness = witness("hospital-a.example/witness");

  private Witness witness(String name) {
    return new Witness(
        NoteSigner.generate(name, SignatureType.COSIGNATURE_V1),
        Map.of(ORIGIN, log.verifierKey()),
        new InMemoryWitnessState(),
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private String checkpointAt(MerkleTree of, long size) {
    return Checkpoint.at(ORIGIN, size, of.rootHash(size), NOW).sign(log).format();
  }

  private void grow(MerkleTree of, int leaves, String salt) {
    for (int i = 0; i < leaves; i++) {
      of.append((salt + of.size()).getBytes());
    }
  }

  @Test
  void cosignsTheFirstCheckpointAndThenConsistentGrowth() throws NoteException {
    grow(tree, 7, "a");
    String first = checkpointAt(tree, 7);
    WitnessResponse firstResponse = witness.submit(first, List.of());
    NoteSignature cosignature = assertInstanceOf(WitnessResponse.Cosigned.class, firstResponse).cosignature();
    assertEquals(NOW, Cosignature.verify(witness.verifierKey(), SignedNote.parse(first).text(), cosignature));

    grow(tree, 13, "a");
    WitnessResponse grown = witness.submit(checkpointAt(tree, 20), tree.consistencyProof(7, 20));
    assertInstanceOf(WitnessResponse.Cosigned.class, grown);
    assertInstanceOf(WitnessResponse.Cosigned.class, witness.submit(checkpointAt(tree, 20), List.of()));
  }

  @Test
  void refusesASmallerCheckpoint() {
    grow(tree, 10, "a");
    witness.submit(checkpointAt(tree, 10), List.of());
    WitnessResponse response = witness.submit(checkpointAt(tree, 9), List.of());
    assertEquals(WitnessResponse.Reason.OLDER_THAN_LAST, assertInstanceOf(WitnessResponse.Refused.class, response).reason());
  }

  @Test
  void refusesGrowthThatIsNotConsistentAndStaysOnItsLastCheckpoint() {
    grow(tree, 10, "a");
    witness.submit(checkpointAt(tree, 10), List.of());
    MerkleTree rewritten = MerkleTree.inMemory();
    grow(rewritten, 15, "b");
    WitnessResponse response = witness.submit(checkpointAt(rewritten, 15), rewritten.consistencyProof(10, 15));
    WitnessResponse.Refused refused = assertInstanceOf(WitnessResponse.Refused.class, response);
    assertEquals(WitnessResponse.Reason.INCONSISTENT, refused.reason());
    assertTrue(refused.detail().contains("size 10"), refused.detail());

    grow(tree, 5, "a");
    assertInstanceOf(WitnessResponse.Cosigned.class, witness.submit(checkpointAt(tree, 15), tree.consistencyProof(10, 15)));
  }

  @Test
  void recordsAForkWhenOneSizeHasTwoRoots() throws NoteException {
    grow(tree, 12, "a");
    String honest = checkpointAt(tree, 12);
    witness.submit(honest, List.of());
    MerkleTree other = MerkleTree.inMemory();
    grow(other, 12, "b");
    String forked = checkpointAt(other, 12);

    WitnessResponse response = witness.submit(forked, List.of());
    ForkEvidence evidence = assertInstanceOf(WitnessResponse.ForkDetected.class, response).evidence();
    assertEquals(ORIGIN, evidence.origin());
    assertEquals(12, evidence.size());
    assertEquals(List.of(evidence), witness.forks());
    // The evidence stands on its own: both notes verify under the log's key and disagree.
    Checkpoint first = Checkpoint.verify(SignedNote.parse(evidence.firstNote()), log.verifierKey());
    Checkpoint second = Checkpoint.verify(SignedNote.parse(evidence.secondNote()), log.verifierKey());
    assertEquals(first.size(), second.size());
    assertFalse(first.sameTreeAs(second));
  }

  @Test
  void refusesUnknownLogsBadSignaturesAndMalformedNotes() {
    grow(tree, 3, "a");
    NoteSigner impostor = NoteSigner.generate(LOG_NAME, SignatureType.ED25519);
    String byImpostor = Checkpoint.at(ORIGIN, 3, tree.rootHash(3), NOW).sign(impostor).format();
    assertEquals(WitnessResponse.Reason.UNKNOWN_LOG, refusal(witness.submit(byImpostor, List.of())));

    String otherOrigin = Checkpoint.at(LOG_NAME + "/slice-6", 3, tree.rootHash(3), NOW).sign(log).format();
    assertEquals(WitnessResponse.Reason.UNKNOWN_LOG, refusal(witness.submit(otherOrigin, List.of())));

    String tampered = checkpointAt(tree, 3).replaceFirst("\n3\n", "\n2\n");
    assertEquals(WitnessResponse.Reason.BAD_LOG_SIGNATURE, refusal(witness.submit(tampered, List.of())));

    assertEquals(WitnessResponse.Reason.MALFORMED, refusal(witness.submit("not a note", List.of())));
    assertTrue(witness.forks().isEmpty());
  }

  @Test
  void policyCountsValidCosignaturesOfNamedWitnessesOnly() throws NoteException {
    grow(tree, 5, "a");
    String checkpoint = checkpointAt(tree, 5);
    Witness regulator = witness("regulator.example/witness");
    Witness hospitalB = witness("hospital-b.example/witness");
    Witness stranger = witness("stranger.example/witness");
    SignedNote note = SignedNote.parse(checkpoint);
    for (Witness w : List.of(witness, regulator, stranger)) {
      note = note.withSignature(((WitnessResponse.Cosigned) w.submit(checkpoint, List.of())).cosignature());
    }
    List<NoteKey> named = List.of(regulator.verifierKey(), witness.verifierKey(), hospitalB.verifierKey());

    WitnessPolicy.Verdict twoOfThree = new WitnessPolicy(2, named).evaluate(note);
    assertTrue(twoOfThree.witnessed());
    assertEquals(List.of("regulator.example/witness", "hospital-a.example/witness"), twoOfThree.cosignedBy());
    assertFalse(new WitnessPolicy(3, named).evaluate(note).witnessed());

    // A cosignature over another checkpoint does not count, and is reported.
    SignedNote moved = SignedNote.parse(note.format().replaceFirst("\n5\n", "\n6\n"));
    WitnessPolicy.Verdict verdict = new WitnessPolicy(1, named).evaluate(moved);
    assertFalse(verdict.witnessed());
    assertEquals(2, verdict.problems().size());
  }

  private static WitnessResponse.Reason refusal(WitnessResponse response) {
    return assertInstanceOf(WitnessResponse.Refused.class, response).reason();
  }
}
