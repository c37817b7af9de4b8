package org.medtrace.persistence.chain;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;

/**
 * Signs event hashes with an organisation's Ed25519 key. A node configured with a key signs every
 * event it seals; the verifier checks the signature against {@link TrustedKeys}.
 */
public final class LedgerSigner {

  private final String keyId;
  private final PrivateKey privateKey;

  public LedgerSigner(String keyId, PrivateKey privateKey) {
    if (keyId.isBlank()) {
      throw new IllegalArgumentException("a signing key needs a key id");
    }
    if (!LedgerFormat.SIGNATURE_ALGORITHM.equalsIgnoreCase(privateKey.getAlgorithm())
        && !"EdDSA".equalsIgnoreCase(privateKey.getAlgorithm())) {
      throw new IllegalArgumentException(
          "ledger signatures are Ed25519, key " + keyId + " is " + privateKey.getAlgorithm());
    }
    this.keyId = keyId;
    this.privateKey = privateKey;
  }

  public String keyId() {
    return keyId;
  }

  public byte[] sign(byte[] hash) {
    try {
      Signature signature = Signature.getInstance(LedgerFormat.SIGNATURE_ALGORITHM);
      signature.initSign(privateKey);
      signature.update(hash);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not sign with key " + keyId, e);
    }
  }
}
