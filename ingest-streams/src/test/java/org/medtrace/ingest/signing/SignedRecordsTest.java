package org.medtrace.ingest.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medtrace.actors.ledger.Role;
import org.medtrace.actors.ledger.SignatureRequirement;
import org.medtrace.identity.IssuedCertificate;
import org.medtrace.identity.NetworkCa;
import org.medtrace.identity.SubmissionRefused;
import org.medtrace.identity.TrustDirectory;
import org.medtrace.identity.TrustLocation;
import org.medtrace.ingest.epcis.EpcisDecoder;
import org.medtrace.ingest.epcis.EpcisSamples;
import org.medtrace.ingest.route.DecodedItem;
import org.medtrace.ingest.route.DecodedMessage;
import org.medtrace.ingest.route.RecordDecoder;
import org.medtrace.ingest.route.RoutedCommand;
import org.medtrace.ingest.route.SourceRecord;
import org.medtrace.ingest.sensor.SensorReadingDecoder;
import org.medtrace.ingest.sensor.SensorReadingSettings;
import org.medtrace.ingest.sensor.SensorReadings;
import org.medtrace.ingest.sensor.SequenceGaps;

/** The signature check of the pipelines' decoding, from plain records (through the broker: KafkaIngestTest). */
class SignedRecordsTest {

  private static final String TOPIC = "medtrace.sensor-readings";

  @TempDir Path caDir;
  /** What the signature check stored for exports (through the broker, in Cassandra: KafkaIngestTest). */
  private final List<IssuedCertificate> kept = new ArrayList<>();
  private NetworkCa.Issued logistics;
  private NetworkCa.Issued acme;
  private RecordDecoder sensors;

  @BeforeEach
  void ca() {
    NetworkCa ca = NetworkCa.init(caDir, "test network CA", Duration.ofDays(3650), Clock.systemUTC());
    logistics = ca.issue("cold-logistics", "logistics", Duration.ofDays(365));
    acme = ca.issue("acme-pharma", "manufacturer", Duration.ofDays(365));
    sensors = signedRecords(Duration.ofSeconds(30), SignatureRequirement.NONE).checking(sensorDecoder());
  }

  private SignedRecords signedRecords(Duration reloadInterval, SignatureRequirement required) {
    return signedRecords(
        reloadInterval,
        required,
        certificate -> {
          kept.add(certificate);
          return CompletableFuture.completedFuture(null);
        });
  }

  private SignedRecords signedRecords(Duration reloadInterval, SignatureRequirement required, SignedRecords.CertificateStore store) {
    return new SignedRecords(
        new SignedRecordSettings(Optional.of(TrustLocation.of(caDir)), Duration.ofMinutes(5), Duration.ofDays(7), reloadInterval, required),
        Clock.systemUTC(),
        store);
  }

  private static SensorReadingDecoder sensorDecoder() {
    return new SensorReadingDecoder(new SensorReadingSettings("cold-logistics", Role.LOGISTICS, Role.HOSPITAL), new SequenceGaps(missing -> {}));
  }

  @Test
  void aGoodSignatureIsOnEveryCommandAndAnUnsignedRecordPassesAsBefore() {
    byte[] reading = reading(1);
    RoutedCommand<?> command = onlyCommand(sensors.decode(signed(logistics, TOPIC, "k", reading)));
    assertEquals(logistics.certificate().keyId(), command.party().submission().keyId());
    assertNull(onlyCommand(sensors.decode(record(TOPIC, "k", reading, Map.of()))).party().submission());
  }

  @Test
  void aSignatureOfAnotherRecordOrOrganisationOrAMissingRequiredOneIsRefused() {
    SourceRecord good = signed(logistics, TOPIC, "k", reading(1));
    assertEquals(SubmissionRefused.Reason.BAD_SIGNATURE, refusal(sensors.decode(record(TOPIC, "k", reading(2), good.headers()))));
    assertEquals(SubmissionRefused.Reason.BAD_SIGNATURE, refusal(sensors.decode(record("other.topic", "k", reading(1), good.headers()))));
    assertEquals(SubmissionRefused.Reason.BAD_SIGNATURE, refusal(sensors.decode(record(TOPIC, "other-key", reading(1), good.headers()))));
    assertEquals(SubmissionRefused.Reason.CERTIFICATE_ORGANISATION_MISMATCH, refusal(sensors.decode(signed(acme, TOPIC, "k", reading(1)))));

    RecordDecoder strict = signedRecords(Duration.ofSeconds(30), new SignatureRequirement(Set.of(), Set.of(Role.LOGISTICS))).checking(sensorDecoder());
    assertEquals(SubmissionRefused.Reason.SIGNATURE_REQUIRED, refusal(strict.decode(record(TOPIC, "k", reading(1), Map.of()))));
    onlyCommand(strict.decode(good));
  }

  @Test
  void aSignedEpcisDocumentMustActOnlyForTheSignersOrganisation() {
    RecordDecoder epcis = signedRecords(Duration.ofSeconds(30), SignatureRequirement.NONE)
        .checking(new EpcisDecoder(EpcisSamples.SETTINGS, EpcisSamples.GATEWAY));
    // The lifecycle's events happen at acme-pharma (commissioning), the carrier and st-mary: the
    // whole document is refused, not only the events of the others.
    SourceRecord document = signed(acme, "medtrace.epcis-events", "doc", EpcisSamples.withLot("supply-chain-lifecycle.jsonld", "SIG-1"));
    assertEquals(SubmissionRefused.Reason.CERTIFICATE_ORGANISATION_MISMATCH, refusal(epcis.decode(document)));
  }

  @Test
  void theCertificateOfAnAcceptedRecordIsStoredAndThatOfARefusedOneIsNot() {
    onlyCommand(sensors.decode(signed(logistics, TOPIC, "k", reading(1))));
    assertEquals(SubmissionRefused.Reason.CERTIFICATE_ORGANISATION_MISMATCH, refusal(sensors.decode(signed(acme, TOPIC, "k", reading(1)))));
    onlyCommand(sensors.decode(record(TOPIC, "k", reading(2), Map.of())));
    assertEquals(List.of(logistics.certificate().keyId()), kept.stream().map(IssuedCertificate::keyId).toList());
  }

  @Test
  void aCertificateThatCannotBeStoredFailsTheDecodingSoThatTheRecordIsRetriedNotDeadLettered() {
    IllegalStateException down = new IllegalStateException("the certificate store is down (test)");
    RecordDecoder unstorable =
        signedRecords(Duration.ofSeconds(30), SignatureRequirement.NONE, certificate -> CompletableFuture.failedFuture(down))
            .checking(sensorDecoder());
    CompletionException failed =
        assertThrows(CompletionException.class, () -> unstorable.decodeAsync(signed(logistics, TOPIC, "k", reading(1))).toCompletableFuture().join());
    assertEquals(down, failed.getCause().getCause(), failed.toString());
    // An unsigned record needs no certificate: it passes as before.
    onlyCommand(unstorable.decode(record(TOPIC, "k", reading(2), Map.of())));
  }

  @Test
  void anUnreadableTrustDirectoryFailsTheDecodingSoThatTheRecordIsRetriedNotDeadLettered() throws Exception {
    RecordDecoder reloadingEveryTime = signedRecords(Duration.ZERO, SignatureRequirement.NONE).checking(sensorDecoder());
    SourceRecord good = signed(logistics, TOPIC, "k", reading(1));
    Files.delete(caDir.resolve("crl.pem"));
    CompletionException failed = assertThrows(CompletionException.class, () -> reloadingEveryTime.decodeAsync(good).toCompletableFuture().join());
    assertInstanceOf(TrustDirectory.Unavailable.class, failed.getCause());
  }

  private static byte[] reading(int sequence) {
    return SensorReadings.temperature("logger-1", sequence, EpcisSamples.batchId("SIG-1"), 5.0, Instant.parse("2026-11-10T08:00:00Z")).toByteArray();
  }

  private static SourceRecord signed(NetworkCa.Issued signer, String topic, String key, byte[] value) {
    return record(topic, key, value,
        new RecordSigner(signer.certificate(), signer.privateKey(), Clock.systemUTC()).headers(topic, key.getBytes(StandardCharsets.UTF_8), value));
  }

  private static SourceRecord record(String topic, String key, byte[] value, Map<String, byte[]> headers) {
    return new SourceRecord(topic, 0, 7, key.getBytes(StandardCharsets.UTF_8), value, new HashMap<>(headers));
  }

  private static RoutedCommand<?> onlyCommand(DecodedMessage decoded) {
    List<RoutedCommand<?>> commands = assertInstanceOf(DecodedItem.Routable.class, decoded.items().get(0)).commands();
    assertEquals(1, commands.size());
    return commands.get(0);
  }

  private static SubmissionRefused.Reason refusal(DecodedMessage decoded) {
    assertEquals(1, decoded.items().size(), "the whole record is one refused item: " + decoded);
    return assertInstanceOf(DecodedItem.SignatureRefused.class, decoded.items().get(0)).reason();
  }
}
