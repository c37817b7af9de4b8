package org.medtrace.merkle.note;

/** The signed-note signature types this code supports (C2SP signed-note, "Signature types"). */
public enum SignatureType {
  /** A log's Ed25519 signature over the note text. */
  ED25519((byte) 0x01),
  /** A witness's timestamped Ed25519 cosignature (C2SP tlog-cosignature, cosignature/v1). */
  COSIGNATURE_V1((byte) 0x04);

  private final byte identifier;

  SignatureType(byte identifier) {
    this.identifier = identifier;
  }

  /** The byte that goes into the key id and the vkey encoding. */
  public byte identifier() {
    return identifier;
  }

  static SignatureType of(byte identifier) throws NoteException {
    for (SignatureType type : values()) {
      if (type.identifier == identifier) {
        return type;
      }
    }
    throw new NoteException(
        NoteProblem.MALFORMED_KEY, String.format("signature type 0x%02x is not supported", identifier));
  }
}
