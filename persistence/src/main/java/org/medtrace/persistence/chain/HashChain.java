package org.medtrace.persistence.chain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hash rules of the ledger:
 *
 * <pre>
 *   genesis(type, id) = SHA-256(GENESIS_PREFIX || utf8(type) || 0x00 || utf8(id))
 *   hash(event)       = SHA-256(LINK_PREFIX || prev_hash || body)
 * </pre>
 *
 * where {@code body} is the stored bytes of the serialized {@code EventBody} and {@code prev_hash}
 * is the previous event's hash (the genesis value for sequence number 1). Hashes MUST be computed
 * over stored bytes, never over a re-serialization of decoded objects.
 */
public final class HashChain {

  private static final HexFormat HEX = HexFormat.of();

  private HashChain() {}

  /** The {@code prev_hash} of an entity's first event. */
  public static byte[] genesis(String entityType, String entityId) {
    requireNoSeparator(entityType, "entity type");
    requireNoSeparator(entityId, "entity id");
    MessageDigest digest = sha256();
    digest.update(LedgerFormat.GENESIS_PREFIX);
    digest.update(entityType.getBytes(StandardCharsets.UTF_8));
    digest.update(LedgerFormat.FIELD_SEPARATOR);
    digest.update(entityId.getBytes(StandardCharsets.UTF_8));
    return digest.digest();
  }

  /** The hash of an event whose stored body is {@code body} and whose predecessor hashed to {@code prevHash}. */
  public static byte[] link(byte[] prevHash, byte[] body) {
    if (prevHash.length != LedgerFormat.HASH_LENGTH) {
      throw new IllegalArgumentException(
          "prev_hash must be " + LedgerFormat.HASH_LENGTH + " bytes, was " + prevHash.length);
    }
    MessageDigest digest = sha256();
    digest.update(LedgerFormat.LINK_PREFIX);
    digest.update(prevHash);
    digest.update(body);
    return digest.digest();
  }

  /** Plain SHA-256, for document fingerprints (QC reports, medical records). */
  public static byte[] sha256(byte[] content) {
    return sha256().digest(content);
  }

  public static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  public static byte[] fromHex(String hex) {
    return HEX.parseHex(hex);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }

  private static void requireNoSeparator(String value, String what) {
    if (value.isEmpty() || value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(what + " must be non-empty and must not contain NUL");
    }
  }
}
