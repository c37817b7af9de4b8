package org.medtrace.ingest.signing;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.medtrace.identity.CaDirectory;
import org.medtrace.identity.IssuedCertificate;
import org.medtrace.identity.Pem;
import org.medtrace.identity.SignedRecord;

/**
 * Signs Kafka records as an organisation, for producers written in Java and for {@code bin/medtrace
 * send --sign}: the record headers of {@link SignedRecords} over the canonical form {@link
 * SignedRecord}.
 */
public final class RecordSigner {

  private final IssuedCertificate certificate;
  private final PrivateKey key;
  private final Clock clock;

  public RecordSigner(IssuedCertificate certificate, PrivateKey key, Clock clock) {
    this.certificate = certificate;
    this.key = key;
    this.clock = clock;
  }

  /**
   * The signer of the certificate with serial {@code serialHex} in the CA directory {@code caDir}
   * ({@code certs/<serial>.pem} and {@code keys/<serial>.key.pem}, as {@code bin/medtrace ca issue}
   * wrote them).
   */
  public static RecordSigner fromCaDirectory(Path caDir, String serialHex, Clock clock) {
    CaDirectory directory = new CaDirectory(caDir);
    BigInteger serial;
    try {
      serial = new BigInteger(serialHex, 16);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + serialHex + "' is not a certificate serial (hex, as `ca list` prints it)");
    }
    Path certificate = directory.certificate(serial);
    Path key = directory.privateKey(serial);
    if (!Files.isRegularFile(certificate) || !Files.isRegularFile(key)) {
      throw new IllegalArgumentException("no certificate and key of serial " + serialHex + " in " + caDir + " (" + certificate + ", " + key + ")");
    }
    return new RecordSigner(IssuedCertificate.of(Pem.readCertificate(certificate)), Pem.readPrivateKey(key), clock);
  }

  public IssuedCertificate certificate() {
    return certificate;
  }

  /** The signature headers of the record {@code key} (null: none), {@code value} on {@code topic}, signed now. */
  public Map<String, byte[]> headers(String topic, byte[] key, byte[] value) {
    long signedAt = clock.instant().getEpochSecond();
    byte[] signature = SignedRecord.of(topic, key, value, signedAt, certificate.keyId()).sign(this.key);
    Map<String, byte[]> headers = new LinkedHashMap<>();
    headers.put(SignedRecords.KEY_ID_HEADER, ascii(certificate.keyId()));
    headers.put(SignedRecords.SIGNED_AT_HEADER, ascii(Long.toString(signedAt)));
    headers.put(SignedRecords.SIGNATURE_HEADER, ascii(Base64.getEncoder().encodeToString(signature)));
    return headers;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
