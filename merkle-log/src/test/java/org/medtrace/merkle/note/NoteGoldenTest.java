package org.medtrace.merkle.note;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.medtrace.merkle.Golden;
import org.medtrace.merkle.LogLeaf;

/**
 * Pins the medtrace log format (leaf, slice, checkpoint, cosignature) to values computed outside
 * this code, and checks interoperability with other signed-note implementations.
 */
class NoteGoldenTest {

  private static final Golden MEDTRACE = Golden.load("medtrace-log-v1.properties");
  private static final Golden REFERENCE = Golden.load("signed-note-reference.properties");
  private static final Golden TREE = Golden.load("rfc6962-reference-tree.properties");

  @Test
  void leafBytesAndHashMatchTheGoldenVector() {
    LogLeaf leaf =
        new LogLeaf(
            "drug-batch",
            "09506000134352/L42",
            1,
            java.util.HexFormat.of().parseHex("2996503ecd5a8bb6f864484a3e332d94185224020bc13b263d4599f249a8f56b"));
    assertArrayEquals(MEDTRACE.hex("leaf.drug-batch.1"), leaf.encode());
    assertArrayEquals(MEDTRACE.hex("leaf-hash.drug-batch.1"), leaf.leafHash());
  }

  @Test
  void slicesMatchTheGoldenVectors() {
    for (int i = 1; i <= 4; i++) {
      String[] fields = MEDTRACE.text("slice." + i).split(" ");
      assertEquals(Integer.parseInt(fields[2]), LogLeaf.sliceOf(fields[0], fields[1]), "slice of " + fields[1]);
    }
  }

  @Test
  void javaSignsTheGoldenCheckpointByteForByte() {
    NoteSigner log = new NoteSigner("medtrace.example/ledger", SignatureType.ED25519, TestKeys.RFC8032_TEST_1);
    NoteSigner witness =
        new NoteSigner("regulator.example/witness", SignatureType.COSIGNATURE_V1, TestKeys.RFC8032_TEST_2);
    assertEquals(MEDTRACE.text("log.vkey"), log.verifierKey().vkey());
    assertEquals(MEDTRACE.text("witness.vkey"), witness.verifierKey().vkey());

    Checkpoint checkpoint =
        Checkpoint.at("medtrace.example/ledger/slice-3", 8, TREE.hex("root.8"), Instant.ofEpochSecond(1_790_000_000L));
    SignedNote note = checkpoint.sign(log);
    note = note.withSignature(Cosignature.sign(witness, note.text(), Instant.ofEpochSecond(1_790_000_060L)));
    assertEquals(MEDTRACE.text("checkpoint.note"), note.format());
  }

  @Test
  void goldenCheckpointVerifiesWithItsKeys() throws NoteException {
    NoteKey logKey = NoteKey.parse(MEDTRACE.text("log.vkey"));
    NoteKey witnessKey = NoteKey.parse(MEDTRACE.text("witness.vkey"));
    SignedNote note = SignedNote.parse(MEDTRACE.text("checkpoint.note"));
    Checkpoint checkpoint = Checkpoint.verify(note, logKey);
    assertEquals("medtrace.example/ledger/slice-3", checkpoint.origin());
    assertEquals(8, checkpoint.size());
    assertArrayEquals(TREE.hex("root.8"), checkpoint.rootHash());
    assertEquals(Instant.ofEpochSecond(1_790_000_000L), checkpoint.time().orElseThrow());
    assertEquals(
        Instant.ofEpochSecond(1_790_000_060L),
        Cosignature.verify(witnessKey, note.text(), note.signatureOf(witnessKey).orElseThrow()));
    assertEquals(
        List.of("regulator.example/witness"),
        new WitnessPolicy(1, List.of(witnessKey)).evaluate(note).cosignedBy());
  }

  @Test
  void goSumdbReferenceNoteVerifies() throws NoteException {
    NoteKey peter = NoteKey.parse(REFERENCE.text("peter.vkey"));
    assertEquals(SignatureType.ED25519, peter.type());
    assertEquals("c74f20a3", peter.keyIdHex());
    SignedNote note = SignedNote.parse(REFERENCE.text("peter.note"));
    note.verify(peter);
    assertEquals(REFERENCE.text("peter.note"), note.format());

    SignedNote edited = SignedNote.parse(REFERENCE.text("peter.note").replace("cryptography", "cryptographY"));
    NoteException e = assertThrows(NoteException.class, () -> edited.verify(peter));
    assertEquals(NoteProblem.BAD_SIGNATURE, e.problem());
  }

  @Test
  void cosignatureKeyOfAnotherImplementationParses() throws NoteException {
    NoteKey remora = NoteKey.parse(REFERENCE.text("remora.vkey"));
    assertEquals(SignatureType.COSIGNATURE_V1, remora.type());
    assertEquals("da77ade7", remora.keyIdHex());
    assertEquals(REFERENCE.text("remora.vkey"), remora.vkey());
  }
}
