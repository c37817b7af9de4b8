package org.medtrace.merkle.note;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;

/**
 * One signature line of a signed note: {@code — <key name> base64(key id || signature)}.
 *
 * @param signature the bytes after the 4-byte key id (for a cosignature: timestamp and Ed25519
 *     signature)
 */
public record NoteSignature(String keyName, int keyId, byte[] signature) {

  /** The line, without its final newline. */
  public String line() {
    byte[] bytes = ByteBuffer.allocate(Integer.BYTES + signature.length).putInt(keyId).put(signature).array();
    return Notes.SIGNATURE_LINE_START + keyName + " " + Base64.getEncoder().encodeToString(bytes);
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof NoteSignature s
        && s.keyName.equals(keyName)
        && s.keyId == keyId
        && Arrays.equals(s.signature, signature);
  }

  @Override
  public int hashCode() {
    return keyName.hashCode() * 31 + Arrays.hashCode(signature);
  }

  @Override
  public String toString() {
    return line();
  }
}
