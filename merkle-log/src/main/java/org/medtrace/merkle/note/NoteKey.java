package org.medtrace.merkle.note;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A public key that verifies note signatures: a key name, a {@link SignatureType} and the raw
 * 32-byte Ed25519 public key. The key id is SHA-256(name || 0x0A || type || public key)[:4].
 *
 * <p>Its text form is the C2SP "vkey" {@code <name>+<hex key id>+<base64(type || public key)>},
 * which is also the format of key files given to the verifier.
 */
public final class NoteKey {

  /** X.509 SubjectPublicKeyInfo prefix of a raw 32-byte Ed25519 key (RFC 8410). */
  private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  private static final int ED25519_KEY_LENGTH = 32;

  private final String name;
  private final SignatureType type;
  private final byte[] rawKey;
  private final PublicKey publicKey;
  private final int keyId;

  private NoteKey(String name, SignatureType type, byte[] rawKey) throws NoteException {
    requireKeyName(name, NoteProblem.MALFORMED_KEY);
    if (rawKey.length != ED25519_KEY_LENGTH) {
      throw new NoteException(NoteProblem.MALFORMED_KEY, "an Ed25519 public key is 32 bytes, not " + rawKey.length);
    }
    this.name = name;
    this.type = type;
    this.rawKey = rawKey.clone();
    this.publicKey = toPublicKey(rawKey);
    this.keyId = keyId(name, type, rawKey);
  }

  /** The verifier key of {@code publicKey} (an Ed25519 key) under {@code name} for signatures of {@code type}. */
  public static NoteKey of(String name, SignatureType type, PublicKey publicKey) {
    byte[] encoded = publicKey.getEncoded();
    if (!"X.509".equals(publicKey.getFormat())
        || encoded.length != ED25519_SPKI_PREFIX.length + ED25519_KEY_LENGTH
        || !Arrays.equals(encoded, 0, ED25519_SPKI_PREFIX.length, ED25519_SPKI_PREFIX, 0, ED25519_SPKI_PREFIX.length)) {
      throw new IllegalArgumentException("key " + name + " is not an Ed25519 public key");
    }
    try {
      return new NoteKey(name, type, Arrays.copyOfRange(encoded, ED25519_SPKI_PREFIX.length, encoded.length));
    } catch (NoteException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * Parses a configured vkey ({@link #parse}) of {@code type}.
   *
   * @param what what the key is, for the error, e.g. "medtrace.witness.trusted-logs: the key of o"
   * @throws IllegalArgumentException naming {@code what} if it is no vkey or not of {@code type}
   */
  public static NoteKey parseConfigured(String what, String vkey, SignatureType type) {
    NoteKey key;
    try {
      key = parse(vkey);
    } catch (NoteException e) {
      throw new IllegalArgumentException(what + " is not a vkey: " + e.getMessage(), e);
    }
    if (key.type() != type) {
      throw new IllegalArgumentException(what + " is not a " + type.description() + " key");
    }
    return key;
  }

  /** Parses a vkey, strictly: the key id in it MUST match the one computed from name and key. */
  public static NoteKey parse(String vkey) throws NoteException {
    // The base64 key may itself contain "+"; name and key id cannot.
    String[] parts = vkey.strip().split("\\+", 3);
    if (parts.length != 3) {
      throw new NoteException(NoteProblem.MALFORMED_KEY, "a vkey is <name>+<hex key id>+<base64 key>");
    }
    if (!parts[1].matches("[0-9a-f]{8}")) {
      throw new NoteException(NoteProblem.MALFORMED_KEY, "key id '" + parts[1] + "' is not 8 lower-case hex digits");
    }
    byte[] typed = Notes.decodeBase64(parts[2], NoteProblem.MALFORMED_KEY, "key");
    if (typed.length < 1) {
      throw new NoteException(NoteProblem.MALFORMED_KEY, "the key has no type byte");
    }
    NoteKey key = new NoteKey(parts[0], SignatureType.of(typed[0]), Arrays.copyOfRange(typed, 1, typed.length));
    if (key.keyId != Integer.parseUnsignedInt(parts[1], 16)) {
      throw new NoteException(
          NoteProblem.MALFORMED_KEY, "key id " + parts[1] + " does not match the key (" + key.keyIdHex() + ")");
    }
    return key;
  }

  public String name() {
    return name;
  }

  public SignatureType type() {
    return type;
  }

  public int keyId() {
    return keyId;
  }

  /** The Ed25519 public key, as the JDK has it (X.509 SubjectPublicKeyInfo encoding). */
  public PublicKey publicKey() {
    return publicKey;
  }

  public String keyIdHex() {
    return String.format("%08x", keyId);
  }

  /** The vkey text of this key. */
  public String vkey() {
    byte[] typed = new byte[1 + rawKey.length];
    typed[0] = type.identifier();
    System.arraycopy(rawKey, 0, typed, 1, rawKey.length);
    return name + "+" + keyIdHex() + "+" + Base64.getEncoder().encodeToString(typed);
  }

  /** True when {@code signature} is a line of this key (same name and key id). */
  public boolean matches(NoteSignature signature) {
    return signature.keyName().equals(name) && signature.keyId() == keyId;
  }

  /** Checks a raw Ed25519 signature over {@code message}; never throws. */
  boolean verifies(byte[] message, byte[] signatureBytes) {
    try {
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(publicKey);
      verifier.update(message);
      return verifier.verify(signatureBytes);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  static int keyId(String name, SignatureType type, byte[] rawKey) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(name.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) '\n');
      digest.update(type.identifier());
      digest.update(rawKey);
      return ByteBuffer.wrap(digest.digest()).getInt();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }

  static void requireKeyName(String name, NoteProblem problem) throws NoteException {
    if (name == null || name.isEmpty()) {
      throw new NoteException(problem, "a key name must not be empty");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '+' || Character.isWhitespace(c) || Character.isSpaceChar(c) || c < 0x20) {
        throw new NoteException(problem, "key name '" + name + "' contains a space, control character or '+'");
      }
    }
  }

  private static PublicKey toPublicKey(byte[] rawKey) throws NoteException {
    byte[] spki = new byte[ED25519_SPKI_PREFIX.length + rawKey.length];
    System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
    System.arraycopy(rawKey, 0, spki, ED25519_SPKI_PREFIX.length, rawKey.length);
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    } catch (GeneralSecurityException e) {
      throw new NoteException(NoteProblem.MALFORMED_KEY, "not an Ed25519 public key: " + e.getMessage());
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof NoteKey key
        && key.name.equals(name)
        && key.type == type
        && Arrays.equals(key.rawKey, rawKey);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(rawKey);
  }

  @Override
  public String toString() {
    return vkey();
  }
}
