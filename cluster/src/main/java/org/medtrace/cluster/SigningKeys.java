package org.medtrace.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;
import org.medtrace.persistence.chain.LedgerSigner;

/** Loads the node's event-signing key. */
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
      String pem = Files.readString(Path.of(privateKeyFile));
      String base64 =
          pem.replace("-----BEGIN PRIVATE KEY-----", "")
              .replace("-----END PRIVATE KEY-----", "")
              .replaceAll("\\s", "");
      var key =
          KeyFactory.getInstance("Ed25519")
              .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
      return Optional.of(new LedgerSigner(keyId, key));
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot read the Ed25519 signing key " + privateKeyFile + ": " + e.getMessage(), e);
    }
  }
}
