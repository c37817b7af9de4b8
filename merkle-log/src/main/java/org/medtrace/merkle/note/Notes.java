package org.medtrace.merkle.note;

import java.util.Base64;

/** Small strict helpers shared by the note, checkpoint and key parsers. */
final class Notes {

  /** Em dash (U+2014) and a space start every signature line. */
  static final String SIGNATURE_LINE_START = "\u2014 ";

  private Notes() {}

  /**
   * Decodes standard base64 strictly: only the canonical encoding of its bytes is accepted, so one
   * value has exactly one text form (Java's decoder alone would accept missing padding).
   */
  static byte[] decodeBase64(String text, NoteProblem problem, String what) throws NoteException {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new NoteException(problem, what + " is not base64: " + e.getMessage());
    }
    if (!Base64.getEncoder().encodeToString(bytes).equals(text)) {
      throw new NoteException(problem, what + " is not canonical base64");
    }
    return bytes;
  }
}
