package org.medtrace.merkle.note;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A C2SP signed note: a text ending in a newline, a blank line, then one or more signature lines
 * {@code — <key name> base64(4-byte key id || signature)}.
 *
 * <p>{@link #parse} is strict: valid UTF-8, no control characters other than newline, at least one
 * signature line, well-formed key names and canonical base64, at most {@link #MAX_SIGNATURES}
 * signatures, at most {@link #MAX_NOTE_BYTES} bytes. The text MUST NOT be trusted before
 * {@link #verify} has checked a signature of a trusted key.
 */
public record SignedNote(String text, List<NoteSignature> signatures) {

  /** A checkpoint with a log signature and a few dozen cosignatures stays far below this. */
  public static final int MAX_NOTE_BYTES = 64 * 1024;

  /** The spec asks verifiers to accept at least 16; a network of organisations may have more witnesses. */
  public static final int MAX_SIGNATURES = 64;

  public SignedNote {
    signatures = List.copyOf(signatures);
  }

  /** Parses the UTF-8 bytes of a note. */
  public static SignedNote parse(byte[] utf8) throws NoteException {
    if (utf8.length > MAX_NOTE_BYTES) {
      throw new NoteException(NoteProblem.MALFORMED_NOTE, "the note is larger than " + MAX_NOTE_BYTES + " bytes");
    }
    try {
      return parse(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(utf8))
              .toString());
    } catch (CharacterCodingException e) {
      throw new NoteException(NoteProblem.MALFORMED_NOTE, "the note is not valid UTF-8");
    }
  }

  public static SignedNote parse(String note) throws NoteException {
    if (note == null || note.isEmpty()) {
      throw new NoteException(NoteProblem.MALFORMED_NOTE, "the note is empty");
    }
    if (note.length() > MAX_NOTE_BYTES) {
      throw new NoteException(NoteProblem.MALFORMED_NOTE, "the note is larger than " + MAX_NOTE_BYTES + " bytes");
    }
    for (int i = 0; i < note.length(); i++) {
      char c = note.charAt(i);
      if (c < 0x20 && c != '\n') {
        throw new NoteException(
            NoteProblem.MALFORMED_NOTE, String.format("control character U+%04X at offset %d", (int) c, i));
      }
      if (Character.isSurrogate(c)
          && !(Character.isHighSurrogate(c) && i + 1 < note.length() && Character.isLowSurrogate(note.charAt(i + 1)))
          && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(note.charAt(i - 1)))) {
        throw new NoteException(NoteProblem.MALFORMED_NOTE, "unpaired surrogate at offset " + i);
      }
    }
    if (!note.endsWith("\n")) {
      throw new NoteException(NoteProblem.MALFORMED_NOTE, "the note does not end with a newline");
    }
    // The text is separated from the signatures by the last blank line.
    int separator = note.lastIndexOf("\n\n");
    if (separator < 0) {
      throw new NoteException(NoteProblem.MALFORMED_NOTE, "no blank line separates the text from the signatures");
    }
    String text = note.substring(0, separator + 1);
    String signatureBlock = note.substring(separator + 2);
    if (signatureBlock.isEmpty()) {
      throw new NoteException(NoteProblem.MALFORMED_NOTE, "the note has no signature lines");
    }
    String[] lines = signatureBlock.substring(0, signatureBlock.length() - 1).split("\n", -1);
    if (lines.length > MAX_SIGNATURES) {
      throw new NoteException(NoteProblem.MALFORMED_NOTE, "more than " + MAX_SIGNATURES + " signatures");
    }
    List<NoteSignature> signatures = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      signatures.add(parseSignatureLine(lines[i], i + 1));
    }
    return new SignedNote(text, signatures);
  }

  private static NoteSignature parseSignatureLine(String line, int number) throws NoteException {
    if (!line.startsWith(Notes.SIGNATURE_LINE_START)) {
      throw new NoteException(
          NoteProblem.MALFORMED_NOTE, "signature line " + number + " does not start with an em dash and a space");
    }
    String rest = line.substring(Notes.SIGNATURE_LINE_START.length());
    int space = rest.indexOf(' ');
    if (space < 0) {
      throw new NoteException(NoteProblem.MALFORMED_NOTE, "signature line " + number + " has no signature");
    }
    String keyName = rest.substring(0, space);
    NoteKey.requireKeyName(keyName, NoteProblem.MALFORMED_NOTE);
    byte[] bytes =
        Notes.decodeBase64(rest.substring(space + 1), NoteProblem.MALFORMED_NOTE, "signature line " + number);
    if (bytes.length <= Integer.BYTES) {
      throw new NoteException(
          NoteProblem.MALFORMED_NOTE, "signature line " + number + " is too short for a key id and a signature");
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    int keyId = buffer.getInt();
    byte[] signature = new byte[buffer.remaining()];
    buffer.get(signature);
    return new NoteSignature(keyName, keyId, signature);
  }

  /** The note as text: the text, a blank line, the signature lines. */
  public String format() {
    StringBuilder out = new StringBuilder(text).append('\n');
    for (NoteSignature signature : signatures) {
      out.append(signature.line()).append('\n');
    }
    return out.toString();
  }

  /** This note with one more signature line (e.g. a witness's cosignature). */
  public SignedNote withSignature(NoteSignature signature) {
    List<NoteSignature> all = new ArrayList<>(signatures);
    all.add(signature);
    return new SignedNote(text, all);
  }

  /** The signature line of {@code key}, if the note has exactly one; several are a malformed note. */
  public Optional<NoteSignature> signatureOf(NoteKey key) throws NoteException {
    List<NoteSignature> matching = signatures.stream().filter(key::matches).toList();
    if (matching.size() > 1) {
      throw new NoteException(
          NoteProblem.MALFORMED_NOTE, "key " + key.name() + " signed the note " + matching.size() + " times");
    }
    return matching.stream().findFirst();
  }

  /**
   * Verifies the Ed25519 signature of {@code key} over the text. Signatures of other keys are
   * ignored, as the spec requires (they may be cosignatures, or a rotated key).
   *
   * @throws NoteException {@link NoteProblem#UNKNOWN_KEY} if no line is from {@code key},
   *     {@link NoteProblem#BAD_SIGNATURE} if its line does not verify
   */
  public NoteSignature verify(NoteKey key) throws NoteException {
    if (key.type() != SignatureType.ED25519) {
      throw new IllegalArgumentException("key " + key.name() + " does not make note signatures");
    }
    NoteSignature signature =
        signatureOf(key)
            .orElseThrow(
                () ->
                    new NoteException(
                        NoteProblem.UNKNOWN_KEY,
                        "no signature by " + key.name() + " (key id " + key.keyIdHex() + "); the note is signed by "
                            + signatures.stream()
                                .map(s -> s.keyName() + String.format(" (%08x)", s.keyId()))
                                .toList()));
    if (!key.verifies(text.getBytes(StandardCharsets.UTF_8), signature.signature())) {
      throw new NoteException(
          NoteProblem.BAD_SIGNATURE, "the signature by " + key.name() + " does not verify over the note text");
    }
    return signature;
  }

  /** Signs the text with {@code signer} and returns the note with that signature added. */
  public static SignedNote sign(String text, NoteSigner signer) {
    if (signer.verifierKey().type() != SignatureType.ED25519) {
      throw new IllegalArgumentException("key " + signer.verifierKey().name() + " does not make note signatures");
    }
    return new SignedNote(text, List.of(signer.sign(text.getBytes(StandardCharsets.UTF_8), new byte[0])));
  }

  @Override
  public String toString() {
    return format();
  }
}
