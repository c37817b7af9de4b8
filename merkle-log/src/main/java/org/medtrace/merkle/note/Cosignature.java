package org.medtrace.merkle.note;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * C2SP tlog-cosignature, cosignature/v1 (Ed25519): a witness's signature over
 *
 * <pre>
 *   "cosignature/v1\n" || "time " || decimal seconds || "\n" || checkpoint body
 * </pre>
 *
 * carried in a note signature line whose bytes are {@code key id || u64 timestamp (big-endian) ||
 * Ed25519 signature}, with the key id computed with signature type 0x04.
 */
public final class Cosignature {

  private static final String HEADER = "cosignature/v1\n";
  private static final int ED25519_SIGNATURE_LENGTH = 64;

  private Cosignature() {}

  /** The message a cosigner signs for {@code checkpointBody} at {@code timeSeconds}. */
  public static byte[] signedMessage(long timeSeconds, String checkpointBody) {
    return (HEADER + "time " + timeSeconds + "\n" + checkpointBody).getBytes(StandardCharsets.UTF_8);
  }

  /** Cosigns a checkpoint body at {@code time}. */
  public static NoteSignature sign(NoteSigner witness, String checkpointBody, Instant time) {
    if (witness.verifierKey().type() != SignatureType.COSIGNATURE_V1) {
      throw new IllegalArgumentException("key " + witness.verifierKey().name() + " is not a cosigner key");
    }
    long seconds = time.getEpochSecond();
    return witness.sign(
        signedMessage(seconds, checkpointBody), ByteBuffer.allocate(Long.BYTES).putLong(seconds).array());
  }

  /**
   * Verifies a cosignature line by {@code witnessKey} over {@code checkpointBody}.
   *
   * @return the cosignature's time
   * @throws NoteException {@link NoteProblem#BAD_SIGNATURE} if it does not verify or is malformed
   */
  public static Instant verify(NoteKey witnessKey, String checkpointBody, NoteSignature cosignature)
      throws NoteException {
    if (witnessKey.type() != SignatureType.COSIGNATURE_V1) {
      throw new IllegalArgumentException("key " + witnessKey.name() + " is not a cosigner key");
    }
    if (!witnessKey.matches(cosignature)) {
      throw new NoteException(NoteProblem.UNKNOWN_KEY, "the line is not from " + witnessKey.name());
    }
    byte[] bytes = cosignature.signature();
    if (bytes.length != Long.BYTES + ED25519_SIGNATURE_LENGTH) {
      throw new NoteException(
          NoteProblem.BAD_SIGNATURE,
          "the cosignature of " + witnessKey.name() + " is " + bytes.length + " bytes, not a timestamp and a signature");
    }
    long seconds = ByteBuffer.wrap(bytes).getLong();
    if (seconds < 0) {
      throw new NoteException(NoteProblem.BAD_SIGNATURE, "the cosignature of " + witnessKey.name() + " has a negative time");
    }
    byte[] signature = Arrays.copyOfRange(bytes, Long.BYTES, bytes.length);
    if (!witnessKey.verifies(signedMessage(seconds, checkpointBody), signature)) {
      throw new NoteException(
          NoteProblem.BAD_SIGNATURE, "the cosignature of " + witnessKey.name() + " does not verify over the checkpoint");
    }
    return Instant.ofEpochSecond(seconds);
  }
}
