package org.medtrace.merkle.note;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;

/**
 * An Ed25519 private key with its name and signature type: what a log uses to sign its
 * checkpoints ({@link SignatureType#ED25519}) and a witness to cosign them
 * ({@link SignatureType#COSIGNATURE_V1}).
 */
public final class NoteSigner {

  private final NoteKey verifierKey;
  private final PrivateKey privateKey;

  public NoteSigner(String name, SignatureType type, KeyPair keyPair) {
    this.verifierKey = NoteKey.of(name, type, keyPair.getPublic());
    this.privateKey = keyPair.getPrivate();
  }

  /** A signer with a fresh key pair (tests, and first start of a log or witness). */
  public static NoteSigner generate(String name, SignatureType type) {
    try {
      return new NoteSigner(name, type, KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the Java runtime provides Ed25519", e);
    }
  }

  /** The public key that verifies this signer's signatures. */
  public NoteKey verifierKey() {
    return verifierKey;
  }

  /** Signs {@code message} and returns the signature line (key name, key id, signature). */
  NoteSignature sign(byte[] message, byte[] signaturePrefix) {
    try {
      Signature signer = Signature.getInstance("Ed25519");
      signer.initSign(privateKey);
      signer.update(message);
      byte[] raw = signer.sign();
      byte[] bytes = new byte[signaturePrefix.length + raw.length];
      System.arraycopy(signaturePrefix, 0, bytes, 0, signaturePrefix.length);
      System.arraycopy(raw, 0, bytes, signaturePrefix.length, raw.length);
      return new NoteSignature(verifierKey.name(), verifierKey.keyId(), bytes);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not sign with key " + verifierKey.name(), e);
    }
  }
}
