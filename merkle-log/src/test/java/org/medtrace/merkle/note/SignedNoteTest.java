package org.medtrace.merkle.note;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medtrace.merkle.Rfc9162;

/** Strict parsing of notes, checkpoints and keys, with the reason for each rejection. */
class SignedNoteTest {

  private static final NoteSigner LOG = NoteSigner.generate("medtrace.example/ledger", SignatureType.ED25519);
  private static final Checkpoint CHECKPOINT =
      Checkpoint.at("medtrace.example/ledger/slice-0", 42, Rfc9162.emptyRoot(), Instant.ofEpochSecond(1_790_000_000L));
  private static final String NOTE = CHECKPOINT.sign(LOG).format();

  @Test
  void signedCheckpointRoundTripsAndVerifies() throws NoteException {
    SignedNote parsed = SignedNote.parse(NOTE.getBytes(StandardCharsets.UTF_8));
    assertEquals(NOTE, parsed.format());
    Checkpoint checkpoint = Checkpoint.verify(parsed, LOG.verifierKey());
    assertTrue(checkpoint.sameTreeAs(CHECKPOINT));
    assertEquals(CHECKPOINT.body(), checkpoint.body());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "no newline at the end",
        "text only\n",
        "text\n\n",
        "text\n\n- ascii-dash AAAAAAAA\n",
        "text\n\n\u2014 name\n",
        "text\n\n\u2014 name not-base64!\n",
        "text\n\n\u2014 name AAAA\n",
        "text\n\n\u2014 name AAAAAAA\n",
        "text\n\n\u2014 na+me AAAAAAAAAA==\n",
        "text\n\n\u2014  AAAAAAAAAA==\n",
        "tab\tin text\n\n\u2014 name AAAAAAAAAA==\n",
        "text\n\n\u2014 name AAAAAAAAAA==",
        "text\n\n\u2014 name AAAAAAAAAA==\n\n"
      })
  void malformedNotesAreRejectedWithAReason(String note) {
    NoteException e = assertThrows(NoteException.class, () -> SignedNote.parse(note));
    assertEquals(NoteProblem.MALFORMED_NOTE, e.problem(), e.getMessage());
  }

  @Test
  void invalidUtf8IsRejected() {
    byte[] bytes = NOTE.getBytes(StandardCharsets.UTF_8);
    bytes[2] = (byte) 0xff;
    NoteException e = assertThrows(NoteException.class, () -> SignedNote.parse(bytes));
    assertEquals(NoteProblem.MALFORMED_NOTE, e.problem());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "origin\n42\n",
        "origin with space\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "origin\n042\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "origin\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "origin\n99999999999999999999\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "origin\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n",
        "origin\n42\nAAAA\n",
        "origin\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\nafter-empty-extension\n",
        "\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
      })
  void malformedCheckpointsAreRejected(String body) {
    NoteException e = assertThrows(NoteException.class, () -> Checkpoint.parse(body));
    assertEquals(NoteProblem.MALFORMED_CHECKPOINT, e.problem(), e.getMessage());
  }

  @Test
  void noteWithoutTheExpectedKeyIsRejectedAsUnknownKey() throws NoteException {
    NoteSigner other = NoteSigner.generate("someone-else.example/log", SignatureType.ED25519);
    SignedNote note = CHECKPOINT.sign(other);
    NoteException e = assertThrows(NoteException.class, () -> Checkpoint.verify(note, LOG.verifierKey()));
    assertEquals(NoteProblem.UNKNOWN_KEY, e.problem());
    assertTrue(e.getMessage().contains("someone-else.example/log"), e.getMessage());
  }

  @Test
  void sameNameWithAnotherKeyIsUnknownNotBad() throws NoteException {
    NoteSigner impostor = NoteSigner.generate("medtrace.example/ledger", SignatureType.ED25519);
    NoteException e =
        assertThrows(NoteException.class, () -> Checkpoint.verify(CHECKPOINT.sign(impostor), LOG.verifierKey()));
    assertEquals(NoteProblem.UNKNOWN_KEY, e.problem());
  }

  @Test
  void editedTextOrSignatureIsABadSignature() throws NoteException {
    SignedNote edited = SignedNote.parse(NOTE.replace("\n42\n", "\n43\n"));
    assertEquals(
        NoteProblem.BAD_SIGNATURE,
        assertThrows(NoteException.class, () -> Checkpoint.verify(edited, LOG.verifierKey())).problem());

    SignedNote original = SignedNote.parse(NOTE);
    NoteSignature line = original.signatures().get(0);
    byte[] signature = line.signature();
    signature[10] ^= 1;
    SignedNote forged =
        new SignedNote(original.text(), java.util.List.of(new NoteSignature(line.keyName(), line.keyId(), signature)));
    assertEquals(
        NoteProblem.BAD_SIGNATURE,
        assertThrows(NoteException.class, () -> Checkpoint.verify(forged, LOG.verifierKey())).problem());
  }

  @Test
  void twoSignaturesByOneKeyAreMalformed() throws NoteException {
    SignedNote note = SignedNote.parse(NOTE);
    SignedNote doubled = note.withSignature(note.signatures().get(0));
    assertEquals(
        NoteProblem.MALFORMED_NOTE,
        assertThrows(NoteException.class, () -> doubled.verify(LOG.verifierKey())).problem());
  }

  @Test
  void unknownExtraSignaturesAreIgnored() throws NoteException {
    NoteSigner stranger = NoteSigner.generate("stranger.example/w", SignatureType.COSIGNATURE_V1);
    SignedNote note = SignedNote.parse(NOTE);
    SignedNote cosigned = note.withSignature(Cosignature.sign(stranger, note.text(), Instant.now()));
    assertTrue(Checkpoint.verify(SignedNote.parse(cosigned.format()), LOG.verifierKey()).sameTreeAs(CHECKPOINT));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "name+deadbeef",
        "name+DEADBEEF+AQ==",
        "name+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
        "PeterNeumann+c74f20a3+Bxpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
      })
  void malformedKeysAreRejected(String vkey) {
    NoteException e = assertThrows(NoteException.class, () -> NoteKey.parse(vkey));
    assertEquals(NoteProblem.MALFORMED_KEY, e.problem(), e.getMessage());
  }
}
