package org.medtrace.persistence.chain;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.util.Optional;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Signs event hashes with an organisation's Ed25519 key. A node configured with a key signs every
 * event it seals; the verifier checks the signature against {@link TrustedKeys}.
 *
 * <p>Ed25519 signatures are deterministic (RFC 8032): Bouncy Castle's implementation, used when the
 * key's 32 bytes are at hand because it is several times faster, gives the very bytes the JDK's
 * provider gives (the golden vectors pin them); any other key is signed by the JDK.
 */
public final class LedgerSigner {

  private final String keyId;
  private final PrivateKey privateKey;
  /** The key's RFC 8032 private key and its public key, for Bouncy Castle; empty: the JDK signs. */
  private final Optional<RawKeyPair> rawKeys;

  private record RawKeyPair(byte[] privateKey, byte[] publicKey) {}

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
    this.rawKeys =
        privateKey instanceof EdECPrivateKey edec
            ? edec.getBytes()
                .filter(bytes -> bytes.length == Ed25519.SECRET_KEY_SIZE)
                .map(
                    bytes -> {
                      byte[] publicKey = new byte[Ed25519.PUBLIC_KEY_SIZE];
                      Ed25519.generatePublicKey(bytes, 0, publicKey, 0);
                      return new RawKeyPair(bytes, publicKey);
                    })
            : Optional.empty();
  }

  public String keyId() {
    return keyId;
  }

  public byte[] sign(byte[] hash) {
    if (rawKeys.isPresent()) {
      byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
      Ed25519.sign(rawKeys.get().privateKey(), 0, rawKeys.get().publicKey(), 0, hash, 0, hash.length, signature, 0);
      return signature;
    }
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
