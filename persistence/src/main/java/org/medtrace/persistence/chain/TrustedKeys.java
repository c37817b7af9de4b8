package org.medtrace.persistence.chain;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Map;
import java.util.Optional;

/**
 * The public keys a verifier trusts, by key id. Verification needs nothing else: no database, no
 * cluster.
 */
public final class TrustedKeys {

  private static final TrustedKeys NONE = new TrustedKeys(Map.of());

  private final Map<String, PublicKey> keysById;

  public TrustedKeys(Map<String, PublicKey> keysById) {
    this.keysById = Map.copyOf(keysById);
  }

  public static TrustedKeys none() {
    return NONE;
  }

  /** The keys by key id (for exports, which carry them for a verifier). */
  public Map<String, PublicKey> byId() {
    return keysById;
  }

  /**
   * Checks an Ed25519 signature over {@code hash}.
   *
   * @return empty when the signature is valid, else why it is not
   */
  public Optional<String> problemWith(String keyId, byte[] hash, byte[] signatureBytes) {
    PublicKey key = keysById.get(keyId);
    if (key == null) {
      return Optional.of("signed with key '" + keyId + "', which is not a trusted key");
    }
    try {
      Signature signature = Signature.getInstance(LedgerFormat.SIGNATURE_ALGORITHM);
      signature.initVerify(key);
      signature.update(hash);
      return signature.verify(signatureBytes)
          ? Optional.empty()
          : Optional.of("signature does not match the hash under key '" + keyId + "'");
    } catch (GeneralSecurityException e) {
      return Optional.of("signature under key '" + keyId + "' cannot be checked: " + e.getMessage());
    }
  }
}
