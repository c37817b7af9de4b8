package org.medtrace.cluster;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.medtrace.persistence.chain.LedgerSigner;
import org.medtrace.persistence.chain.PemFiles;
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
    try {
      var key =
          KeyFactory.getInstance("Ed25519")
              .generatePrivate(new PKCS8EncodedKeySpec(PemFiles.read(privateKeyFile, PemFiles.PRIVATE_KEY)));
      return Optional.of(new LedgerSigner(keyId, key));
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot read the Ed25519 signing key " + privateKeyFile + ": " + e.getMessage(), e);
    }
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
            keys.put(
                keyId,
                KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(PemFiles.read(file, PemFiles.PUBLIC_KEY))));
          } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read the public key " + file + " of '" + keyId + "': " + e.getMessage(), e);
          }
        });
    return new TrustedKeys(keys);
  }
}
