package org.medtrace.persistence.chain;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.medtrace.ledger.v1.ActingParty;
import org.medtrace.ledger.v1.BatchRegistered;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.TemperatureReading;
import org.medtrace.ledger.v1.TemperatureRecorded;

/** Fixed ledger inputs shared by the golden vectors and the verifier tests. */
public final class LedgerFixtures {

  public static final String BATCH_TYPE = "drug-batch";
  public static final String BATCH_ID = "09506000134352/L42";

  /** RFC 8032 section 7.1, test 1: a published Ed25519 key pair, so signatures are reproducible. */
  public static final String RFC8032_SEED_HEX =
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

  public static final String RFC8032_PUBLIC_HEX =
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

  public static final String KEY_ID = "acme-pharma-2026";

  private LedgerFixtures() {}

  public static EventBody.Builder registeredBody() {
    return EventBody.newBuilder()
        .setRecordedAt(Timestamp.newBuilder().setSeconds(1_790_000_000L).setNanos(123_000_000))
        .setActingParty(
            ActingParty.newBuilder()
                .setOrganisation("acme-pharma")
                .setUser("qa.lead@acme")
                .setRole("manufacturer"))
        .setSourceMessageId("req-0001")
        .setBatchRegistered(
            BatchRegistered.newBuilder()
                .setGtin("09506000134352")
                .setLot("L42")
                .setProductName("Influenza vaccine 0.5 ml")
                .setExpiryDate("2027-06-30")
                .setQuantity(1000)
                .setManufacturer("acme-pharma")
                .setQcReportSha256(ByteString.copyFrom(HashChain.sha256("QC report L42".getBytes())))
                .setMinCelsius(2.0)
                .setMaxCelsius(8.0));
  }

  public static EventBody.Builder temperatureBody(int minute, double celsius) {
    return EventBody.newBuilder()
        .setRecordedAt(Timestamp.newBuilder().setSeconds(1_790_000_600L + 60L * minute))
        .setActingParty(
            ActingParty.newBuilder()
                .setOrganisation("cold-logistics")
                .setUser("sensor-gw-7")
                .setRole("logistics"))
        .setSourceMessageId("sensor-17:" + minute)
        .setTemperatureRecorded(
            TemperatureRecorded.newBuilder()
                .setReading(
                    TemperatureReading.newBuilder()
                        .setSensorId("sensor-17")
                        .setMeasuredAt(Timestamp.newBuilder().setSeconds(1_790_000_590L + 60L * minute))
                        .setCelsius(celsius))
                .setWithinRange(celsius >= 2.0 && celsius <= 8.0));
  }

  /** A chain of {@code length} events for the fixed batch, optionally signed. */
  public static List<ChainedEvent> chain(int length, Optional<LedgerSigner> signer) {
    return chain(BATCH_ID, length, signer);
  }

  /** A chain of {@code length} events for batch {@code entityId}, optionally signed. */
  public static List<ChainedEvent> chain(String entityId, int length, Optional<LedgerSigner> signer) {
    List<ChainedEvent> events = new ArrayList<>();
    ChainHead head = ChainHead.genesis(BATCH_TYPE, entityId);
    for (int i = 0; i < length; i++) {
      EventBody.Builder body = i == 0 ? registeredBody() : temperatureBody(i, 4.0 + i % 3);
      ChainedEvent event = ChainedEvent.seal(head, body, signer);
      events.add(event);
      head = head.advanceTo(event);
    }
    return events;
  }

  public static LedgerSigner rfc8032Signer() {
    return new LedgerSigner(KEY_ID, ed25519PrivateKey(RFC8032_SEED_HEX));
  }

  public static TrustedKeys rfc8032TrustedKeys() {
    return new TrustedKeys(Map.of(KEY_ID, ed25519PublicKey(RFC8032_PUBLIC_HEX)));
  }

  static PrivateKey ed25519PrivateKey(String seedHex) {
    // PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410).
    return generate(
        () ->
            KeyFactory.getInstance("Ed25519")
                .generatePrivate(
                    new PKCS8EncodedKeySpec(HashChain.fromHex("302e020100300506032b657004220420" + seedHex))));
  }

  static PublicKey ed25519PublicKey(String publicHex) {
    // X.509 SubjectPublicKeyInfo wrapping of a raw 32-byte Ed25519 public key (RFC 8410).
    return generate(
        () ->
            KeyFactory.getInstance("Ed25519")
                .generatePublic(new X509EncodedKeySpec(HashChain.fromHex("302a300506032b6570032100" + publicHex))));
  }

  private interface KeyMaker<K> {
    K make() throws GeneralSecurityException;
  }

  private static <K> K generate(KeyMaker<K> maker) {
    try {
      return maker.make();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
