package org.medtrace.merkle;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The hashing of RFC 9162 (Certificate Transparency v2) section 2.1, identical to RFC 6962's:
 *
 * <pre>
 *   leaf hash = SHA-256(0x00 || leaf)
 *   node hash = SHA-256(0x01 || left || right)
 *   empty tree root = SHA-256("")
 * </pre>
 *
 * The two prefixes keep a leaf from ever being mistaken for an interior node (second-preimage
 * protection).
 */
public final class Rfc9162 {

  /** Every hash of the tree is a SHA-256 digest. */
  public static final int HASH_LENGTH = 32;

  private static final byte LEAF_PREFIX = 0x00;
  private static final byte NODE_PREFIX = 0x01;

  private Rfc9162() {}

  public static byte[] leafHash(byte[] leaf) {
    MessageDigest digest = sha256();
    digest.update(LEAF_PREFIX);
    digest.update(leaf);
    return digest.digest();
  }

  public static byte[] nodeHash(byte[] left, byte[] right) {
    MessageDigest digest = sha256();
    digest.update(NODE_PREFIX);
    digest.update(left);
    digest.update(right);
    return digest.digest();
  }

  /** The root of the tree with no leaves. */
  public static byte[] emptyRoot() {
    return sha256().digest();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }

  /** The largest power of two strictly less than {@code n}, for {@code n >= 2}: RFC 9162's k. */
  static long splitPoint(long n) {
    return Long.highestOneBit(n - 1);
  }
}
