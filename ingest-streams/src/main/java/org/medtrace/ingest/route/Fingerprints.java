package org.medtrace.ingest.route;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.medtrace.persistence.chain.HashChain;

/** SHA-256 and HMAC-SHA256 as lower-case hex, the form ledger commands carry. */
public final class Fingerprints {

  private Fingerprints() {}

  public static String sha256Hex(byte[] bytes) {
    return HashChain.hex(HashChain.sha256(bytes));
  }

  public static String hmacSha256Hex(byte[] key, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return HashChain.hex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("every Java runtime has HmacSHA256", e);
    }
  }
}
