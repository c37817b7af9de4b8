package org.medtrace.actors.ledger;

import com.google.protobuf.ByteString;
import java.util.regex.Pattern;
import org.medtrace.persistence.chain.HashChain;

/** Checks and conversions of command fields that every entity shares. */
public final class Fields {

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  private Fields() {}

  public static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  /** A SHA-256 fingerprint as commands carry it: 64 lower-case hex digits. */
  public static boolean isSha256Hex(String value) {
    return value != null && SHA256_HEX.matcher(value).matches();
  }

  /** The bytes of a fingerprint checked with {@link #isSha256Hex}, as events store them. */
  public static ByteString sha256Bytes(String hex) {
    return ByteString.copyFrom(HashChain.fromHex(hex));
  }
}
