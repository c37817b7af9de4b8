package org.medtrace.persistence.chain;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The public keys a verifier trusts, by key id. Verification needs nothing else: no database, no
 * cluster. Thread-safe: signatures may be checked from several threads at once.
 */
public final class TrustedKeys {

  private static final TrustedKeys NONE = new TrustedKeys(Map.of());

  /**
   * The DER prefix of an Ed25519 public key's X.509 SubjectPublicKeyInfo (RFC 8410): SEQUENCE {
   * SEQUENCE { OID 1.3.101.112 }, BIT STRING (33 bytes) }, followed by the 32 bytes of the key.
   */
  private static final byte[] ED25519_X509_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  private final Map<String, PublicKey> keysById;

  /**
   * The keys decoded once for Bouncy Castle's RFC 8032 Ed25519, which checks a signature several
   * times faster than the JDK's provider; a key it cannot take is checked by the JDK alone.
   */
  private final Map<String, Ed25519.PublicPoint> decodedKeys;

  public TrustedKeys(Map<String, PublicKey> keysById) {
    this.keysById = Map.copyOf(keysById);
    Map<String, Ed25519.PublicPoint> decoded = new HashMap<>();
    this.keysById.forEach((keyId, key) -> decode(key).ifPresent(point -> decoded.put(keyId, point)));
    this.decodedKeys = Map.copyOf(decoded);
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
    Ed25519.PublicPoint decoded = decodedKeys.get(keyId);
    if (decoded != null
        && signatureBytes.length == Ed25519.SIGNATURE_SIZE
        && Ed25519.verify(signatureBytes, 0, decoded, hash, 0, hash.length)) {
      return Optional.empty();
    }
    // Not accepted by the fast path (or not checkable by it): the JDK has the last word and says
    // why, so that a verdict and its reason are what they were before the fast path existed.
    return jdkProblemWith(keyId, key, hash, signatureBytes);
  }

  private static Optional<String> jdkProblemWith(String keyId, PublicKey key, byte[] hash, byte[] signatureBytes) {
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

  /** The key as Bouncy Castle's Ed25519 point, if it is an Ed25519 key whose point decodes. */
  private static Optional<Ed25519.PublicPoint> decode(PublicKey key) {
    byte[] encoded = key.getEncoded();
    if (encoded == null
        || encoded.length != ED25519_X509_PREFIX.length + Ed25519.PUBLIC_KEY_SIZE
        || !Arrays.equals(encoded, 0, ED25519_X509_PREFIX.length, ED25519_X509_PREFIX, 0, ED25519_X509_PREFIX.length)) {
      return Optional.empty();
    }
    // Partial validation: the point decodes, as the JDK requires of a key; the JDK accepts
    // small-order keys too, so the full check would change which keys verify.
    return Optional.ofNullable(Ed25519.validatePublicKeyPartialExport(encoded, ED25519_X509_PREFIX.length));
  }
}
