package org.medtrace.merkle.note;

/** The signed-note signature types this code supports (C2SP signed-note, "Signature types"). */
public enum SignatureType {
  /** A log's Ed25519 signature over the note text. */
  ED25519((byte) 0x01, "log (Ed25519)"),
  /** A witness's timestamped Ed25519 cosignature (C2SP tlog-cosignature, cosignature/v1). */
  COSIGNATURE_V1((byte) 0x04, "cosigner (cosignature/v1)");

  private final byte identifier;
  private final String description;

  SignatureType(byte identifier, String description) {
    this.identifier = identifier;
    this.description = description;
  }

  /** What a key of this type is, for messages: "log (Ed25519)", "cosigner (cosignature/v1)". */
  public String description() {
    return description;
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
