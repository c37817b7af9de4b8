package org.medtrace.merkle;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * One committed ledger event as a leaf of the verifiable log:
 *
 * <pre>
 *   leaf = LEAF_PREFIX || utf8(entity type) || 0x00 || utf8(entity id) || 0x00
 *          || sequence number (8 bytes, big-endian) || event hash (32 bytes)
 * </pre>
 *
 * The event hash is the {@code hash} of the stored {@code LedgerEvent}, which already commits to
 * the body and the whole chain before it; type, id and sequence number are repeated so that a leaf
 * alone says which event it stands for.
 *
 * <p>The leaf goes into the tree of slice {@link #slice()}, derived from the entity alone, so all
 * events of one entity are in one slice.
 */
public record LogLeaf(String entityType, String entityId, long sequenceNumber, byte[] eventHash) {

  public LogLeaf {
    requireField(entityType, "entity type");
    requireField(entityId, "entity id");
    if (sequenceNumber < 1) {
      throw new IllegalArgumentException("sequence numbers start at 1, got " + sequenceNumber);
    }
    if (eventHash == null || eventHash.length != Rfc9162.HASH_LENGTH) {
      throw new IllegalArgumentException("an event hash is " + Rfc9162.HASH_LENGTH + " bytes");
    }
    eventHash = eventHash.clone();
  }

  @Override
  public byte[] eventHash() {
    return eventHash.clone();
  }

  /** Leaves are equal when their bytes are (a record would compare the hash arrays by identity). */
  @Override
  public boolean equals(Object other) {
    return other instanceof LogLeaf leaf && Arrays.equals(leaf.encode(), encode());
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encode());
  }

  @Override
  public String toString() {
    return entityType + " " + entityId + " #" + sequenceNumber;
  }

  /** The leaf bytes, as appended to the tree. */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(LogFormat.LEAF_PREFIX);
    out.writeBytes(entityType.getBytes(StandardCharsets.UTF_8));
    out.write(LogFormat.FIELD_SEPARATOR);
    out.writeBytes(entityId.getBytes(StandardCharsets.UTF_8));
    out.write(LogFormat.FIELD_SEPARATOR);
    out.writeBytes(ByteBuffer.allocate(Long.BYTES).putLong(sequenceNumber).array());
    out.writeBytes(eventHash);
    return out.toByteArray();
  }

  /** The RFC 9162 leaf hash of {@link #encode()}. */
  public byte[] leafHash() {
    return Rfc9162.leafHash(encode());
  }

  /** The slice of this leaf's entity. */
  public int slice() {
    return sliceOf(entityType, entityId);
  }

  /**
   * The slice of an entity: the first 8 bytes of SHA-256(SLICE_PREFIX || utf8(type) || 0x00 ||
   * utf8(id)) as an unsigned big-endian number, modulo {@link LogFormat#SLICE_COUNT}. Stable across
   * runs, machines and languages (unlike {@code String.hashCode}).
   */
  public static int sliceOf(String entityType, String entityId) {
    requireField(entityType, "entity type");
    requireField(entityId, "entity id");
    MessageDigest digest = Rfc9162.sha256();
    digest.update(LogFormat.SLICE_PREFIX);
    digest.update(entityType.getBytes(StandardCharsets.UTF_8));
    digest.update(LogFormat.FIELD_SEPARATOR);
    digest.update(entityId.getBytes(StandardCharsets.UTF_8));
    long prefix = ByteBuffer.wrap(digest.digest()).getLong();
    return (int) Long.remainderUnsigned(prefix, LogFormat.SLICE_COUNT);
  }

  private static void requireField(String value, String what) {
    if (value == null || value.isEmpty() || value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(what + " must be non-empty and must not contain NUL");
    }
  }
}
