package org.medtrace.persistence.chain;

import java.nio.charset.StandardCharsets;

/**
 * The constants of the ledger format (DESIGN.md, "The ledger format"). Verifiers outside this code
 * depend on them; golden test vectors pin them. Changing any of them is a compatibility event that
 * MUST come with a new {@link #FORMAT_VERSION}.
 */
public final class LedgerFormat {

  /** Version of the hashing rules and envelope layout written into every {@code LedgerEvent}. */
  public static final int FORMAT_VERSION = 1;

  /**
   * Prefixed to every link hash, so that a ledger hash can never be confused with a SHA-256 of some
   * other structure (a Merkle leaf, a document fingerprint) that happens to share the bytes.
   */
  public static final byte[] LINK_PREFIX = ascii("medtrace/ledger-event/v1\0");

  /** Prefixed to the genesis derivation, for the same reason. */
  public static final byte[] GENESIS_PREFIX = ascii("medtrace/genesis/v1\0");

  /** Separates entity type from entity id in the genesis input; neither may contain it. */
  public static final byte FIELD_SEPARATOR = 0;

  /** Every hash of the chain is a SHA-256 digest. */
  public static final int HASH_LENGTH = 32;

  /** Signatures over event hashes are Ed25519. */
  public static final String SIGNATURE_ALGORITHM = "Ed25519";

  private LedgerFormat() {}

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
