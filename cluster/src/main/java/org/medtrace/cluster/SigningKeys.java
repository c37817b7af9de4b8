package org.medtrace.cluster;

import java.nio.file.Path;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.medtrace.merkle.note.Ed25519Pem;
import org.medtrace.persistence.chain.LedgerSigner;
import org.medtrace.persistence.chain.TrustedKeys;

/** Loads the node's event-signing key and the public keys a verifier trusts (PEM files). */
final class SigningKeys {

  private SigningKeys() {}

  /**
   * The signer for an Ed25519 private key in a PKCS#8 PEM file ({@code openssl genpkey -algorithm
   * ed25519}), or empty when no file is configured.
   */
  static Optional<LedgerSigner> signer(String privateKeyFile, String keyId) {
    if (privateKeyFile.isBlank()) {
      return Optional.empty();
    }
    if (keyId.isBlank()) {
      throw new IllegalArgumentException("medtrace.ledger.signing.key-id is required with a signing key");
    }
    return Optional.of(new LedgerSigner(keyId, Ed25519Pem.readKeyPair(Path.of(privateKeyFile)).getPrivate()));
  }

  /**
   * The trusted public keys: key id to an Ed25519 public key in an X.509 PEM file ({@code openssl
   * pkey -pubout}).
   */
  static TrustedKeys trustedKeys(Map<String, String> publicKeyFilesById) {
    Map<String, PublicKey> keys = new HashMap<>();
    publicKeyFilesById.forEach(
        (keyId, file) -> {
          try {
            keys.put(keyId, Ed25519Pem.readPublicKey(Path.of(file)));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the public key of '" + keyId + "': " + e.getMessage(), e);
          }
        });
    return new TrustedKeys(keys);
  }
}
