package org.medtrace.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.NoOffset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.batch.BatchId;
import org.medtrace.actors.batch.UnitIndex;
import org.medtrace.actors.batch.BatchRegistration;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.device.MedicalDevice;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Alerts;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.actors.ledger.Rejection;
import org.medtrace.actors.ledger.Role;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.LedgerEvent;
import org.medtrace.persistence.cassandra.RealCassandra;
import org.medtrace.persistence.chain.BreakReason;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.TrustedKeys;
import org.medtrace.persistence.chain.VerificationResult;
import org.medtrace.persistence.journal.JournalChainVerifier;

/**
 * The ledger against a real Cassandra: histories of every entity type written through cluster
 * sharding verify intact; rows edited, deleted or swapped with CQL are found by the verifier at the
 * exact sequence number and for the exact reason; a passivated entity recovers from the journal
 * (and its snapshots) with the same head hash and continues the chain.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LedgerOnCassandraTest {

  private static final String JOURNAL_KEYSPACE = "ledger_it_journal";
  private static final String SNAPSHOT_KEYSPACE = "ledger_it_snapshot";
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(15);
  private static final String QC = "5a".repeat(32);
  private static final String SIGNING_KEY_ID = "st-mary-node-1";

  private static final ActingParty MANUFACTURER = party(Role.MANUFACTURER, "acme-pharma");
  private static final ActingParty DEVICE_MAKER = party(Role.MANUFACTURER, "medidevice-gmbh");
  private static final ActingParty CARRIER = party(Role.LOGISTICS, "cold-logistics");
  private static final ActingParty HOSPITAL = party(Role.HOSPITAL, "st-mary");
  private static final ActingParty PHARMACIST = party(Role.PHARMACIST, "st-mary");
  private static final ActingParty REGULATOR = party(Role.REGULATOR, "health-authority");
  private static final ActingParty ENGINEER = party(Role.DEVICE_ENGINEER, "st-mary");
  private static final ActingParty CLINICIAN = party(Role.CLINICIAN, "st-mary");
  private static final ActingParty LAB = party(Role.LABORATORY, "city-lab");

  private ActorTestKit testKit;
  private ClusterSharding sharding;
  private JournalChainVerifier verifier;
  private JournalTampering tampering;
  private int lots;

  @BeforeAll
  void startNode() throws Exception {
    RealCassandra.createKeyspaces(JOURNAL_KEYSPACE, SNAPSHOT_KEYSPACE);
    Path keys = writeSigningKeyPair();
    Config config =
        ConfigFactory.parseString(
                """
                pekko.remote.artery.canonical.port = 0
                pekko.coordinated-shutdown.exit-jvm = off
                # The API and management on free ports; no Kafka here, so no alert publisher.
                medtrace.http.port = 0
                pekko.management.http.port = 0
                medtrace.alerts.enabled = off
                medtrace.ingest.lab-results.enabled = off
                medtrace.ingest.sensor-readings.enabled = off
                medtrace.ingest.epcis-events.enabled = off
                medtrace.http.auth.development-issuer.enabled = on
                medtrace.http.auth.development-issuer.key-dir = "%s"
                # Snapshots often and passivation soon, so recovery from both is exercised.
                medtrace.ledger.snapshot-every = 5
                pekko.cluster.sharding.passivation.default-idle-strategy.idle-entity.timeout = 2s
                # The node signs every event; verification trusts its public key.
                medtrace.ledger.signing.private-key-file = "%s"
                medtrace.ledger.signing.key-id = "%s"
                medtrace.ledger.trusted-keys { "%s" = "%s" }
                """
                    .formatted(
                        keys.resolve("dev-issuer"),
                        keys.resolve("node.pem"), SIGNING_KEY_ID, SIGNING_KEY_ID, keys.resolve("node.pub.pem")))
            .withFallback(RealCassandra.pekkoConfig(JOURNAL_KEYSPACE, SNAPSHOT_KEYSPACE))
            .withFallback(ConfigFactory.load())
            .resolve();
    testKit = ActorTestKit.create("medtrace", config);
    NodeSettings settings = NodeSettings.from(config);
    MedtraceNode.init(testKit.system(), settings);
    testKit
        .createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(20),
            () -> {
              assertEquals(MemberStatus.up(), Cluster.get(testKit.system()).selfMember().status());
              return null;
            });
    sharding = ClusterSharding.get(testKit.system());
    verifier = JournalChainVerifier.onCassandra(testKit.system(), settings.trustedKeys());
    tampering = new JournalTampering(RealCassandra.session(), JOURNAL_KEYSPACE);
  }

  @AfterAll
  void stopNode() {
    if (testKit != null) {
      testKit.shutdownTestKit();
    }
  }

  @Test
  void historiesOfEveryEntityTypeWrittenThroughShardingVerifyIntact() {
    List<String> batches = new ArrayList<>();
    List<String> devices = new ArrayList<>();
    List<String> patients = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      batches.add(batchThroughItsLifecycle());
      devices.add(deviceThroughItsLifecycle());
      patients.add(patientWithRecordsConsentAndReads());
    }
    for (String batch : batches) {
      DrugBatch.State state = ask(DrugBatch.TYPE_KEY, batch, DrugBatch.Get::new);
      assertIntact(DrugBatch.ENTITY_TYPE, batch, state.head().sequenceNumber(), state.head().hashHex());
      assertEquals(1, state.suspectedDuplicateScans());
    }
    for (String device : devices) {
      MedicalDevice.State state = ask(MedicalDevice.TYPE_KEY, device, MedicalDevice.Get::new);
      assertIntact(MedicalDevice.ENTITY_TYPE, device, state.head().sequenceNumber(), state.head().hashHex());
      assertEquals(MedicalDevice.Status.DECOMMISSIONED, state.status());
    }
    for (String patient : patients) {
      PatientRecord.State state = ask(PatientRecord.TYPE_KEY, patient, PatientRecord.Get::new);
      assertIntact(PatientRecord.ENTITY_TYPE, patient, state.head().sequenceNumber(), state.head().hashHex());
      assertEquals(2, state.accessLog().size());
    }
  }

  @Test
  void everyEventIsSignedAndAVerifierThatDoesNotTrustTheKeyRefusesTheChain() {
    String device = deviceThroughItsLifecycle();
    assertEquals(SIGNING_KEY_ID, parse(tampering.stored(MedicalDevice.ENTITY_TYPE, device, 1)).getKeyId());
    VerificationResult untrusted =
        JournalChainVerifier.onCassandra(testKit.system(), TrustedKeys.none())
            .verify(MedicalDevice.ENTITY_TYPE, device)
            .toCompletableFuture()
            .join();
    VerificationResult.Broken broken = assertInstanceOf(VerificationResult.Broken.class, untrusted);
    assertEquals(BreakReason.BAD_SIGNATURE, broken.reason());
    assertEquals(1, broken.sequenceNumber());
  }

  @Test
  void verifierNamesAnEventWhoseSignatureWasReplaced() {
    String patient = patientWithRecordsConsentAndReads();
    byte[] otherSignature = parse(tampering.stored(PatientRecord.ENTITY_TYPE, patient, 1)).getSignature().toByteArray();
    tampering.rewrite(
        PatientRecord.ENTITY_TYPE,
        patient,
        3,
        stored -> parse(stored).toBuilder().setSignature(com.google.protobuf.ByteString.copyFrom(otherSignature)).build().toByteArray());
    assertBroken(PatientRecord.ENTITY_TYPE, patient, 3, BreakReason.BAD_SIGNATURE);
  }

  @Test
  void alertsCanBeFollowedFromTheJournalByTag() {
    String batch = batchThroughItsLifecycle();
    String persistenceId = JournalChainVerifier.persistenceId(DrugBatch.ENTITY_TYPE, batch);
    CassandraReadJournal journal =
        PersistenceQuery.get(testKit.system())
            .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    // Tag queries see an event once the plugin's eventual-consistency delay has passed.
    testKit
        .createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(40),
            Duration.ofSeconds(1),
            () -> {
              List<EventBody.EventCase> alerts =
                  journal.currentEventsByTag(Alerts.TAG, NoOffset.getInstance())
                      .filter(envelope -> envelope.persistenceId().equals(persistenceId))
                      .map(envelope -> ((ChainedEvent) envelope.event()).body().getEventCase())
                      .runWith(Sink.seq(), testKit.system())
                      .toCompletableFuture()
                      .join();
              assertEquals(List.of(EventBody.EventCase.COLD_CHAIN_QUARANTINED, EventBody.EventCase.SUSPECTED_DUPLICATE_SCAN), alerts);
              return null;
            });
  }

  @Test
  void verifierNamesAnEventWhoseStoredBytesWereEdited() {
    String batch = batchThroughItsLifecycle();
    tampering.rewrite(
        DrugBatch.ENTITY_TYPE,
        batch,
        3,
        stored -> {
          LedgerEvent event = parse(stored);
          byte[] body = event.getBody().toByteArray();
          body[body.length - 1] ^= 0x01;
          return event.toBuilder().setBody(com.google.protobuf.ByteString.copyFrom(body)).build().toByteArray();
        });
    assertBroken(DrugBatch.ENTITY_TYPE, batch, 3, BreakReason.HASH_MISMATCH);
  }

  @Test
  void verifierNamesADeletedRow() {
    String batch = batchThroughItsLifecycle();
    tampering.delete(DrugBatch.ENTITY_TYPE, batch, 4);
    assertBroken(DrugBatch.ENTITY_TYPE, batch, 4, BreakReason.SEQUENCE_GAP);
  }

  @Test
  void verifierNamesTheFirstOfTwoRowsWhosePayloadsWereSwapped() {
    String device = deviceThroughItsLifecycle();
    tampering.swapPayloads(MedicalDevice.ENTITY_TYPE, device, 2, 5);
    VerificationResult.Broken broken = assertBroken(MedicalDevice.ENTITY_TYPE, device, 2, BreakReason.BROKEN_LINK);
    assertTrue(broken.detail().contains("#5"), broken.detail());
  }

  @Test
  void verifierNamesARowThatIsNotALedgerEvent() {
    String patient = patientWithRecordsConsentAndReads();
    tampering.rewrite(PatientRecord.ENTITY_TYPE, patient, 2, stored -> new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef});
    assertBroken(PatientRecord.ENTITY_TYPE, patient, 2, BreakReason.UNREADABLE_ROW);
  }

  @Test
  void passivatedEntityRecoversFromTheJournalWithTheSameHeadAndContinuesTheChain() {
    String batch = batchThroughItsLifecycle(); // 12 events: recovery starts from the snapshot at #10
    DrugBatch.State before = ask(DrugBatch.TYPE_KEY, batch, DrugBatch.Get::new);
    awaitPassivation(DrugBatch.TYPE_KEY, batch);

    DrugBatch.State recovered = ask(DrugBatch.TYPE_KEY, batch, DrugBatch.Get::new);
    assertEquals(before, recovered);
    assertEquals(before.head(), recovered.head());

    accepted(ask(DrugBatch.TYPE_KEY, batch, r -> new DrugBatch.Dispense(1, List.of("SN-900"), "pt-77aa", PHARMACIST, "", r)));
    DrugBatch.State after = ask(DrugBatch.TYPE_KEY, batch, DrugBatch.Get::new);
    assertIntact(DrugBatch.ENTITY_TYPE, batch, before.head().sequenceNumber() + 1, after.head().hashHex());
  }

  @Test
  void entityRecoveredFromATamperedJournalRefusesToAppend() {
    String batch = batchThroughItsLifecycle();
    awaitPassivation(DrugBatch.TYPE_KEY, batch);
    // Events after the last snapshot (#10) are replayed, so recovery meets the tampered row.
    tampering.rewrite(
        DrugBatch.ENTITY_TYPE,
        batch,
        11,
        stored -> {
          LedgerEvent event = parse(stored);
          return event.toBuilder().setPrevHash(event.getHash()).build().toByteArray();
        });
    CommandResult result =
        ask(DrugBatch.TYPE_KEY, batch, r -> new DrugBatch.Dispense(1, List.of("SN-901"), "pt-77aa", PHARMACIST, "", r));
    CommandResult.Rejected rejected = assertInstanceOf(CommandResult.Rejected.class, result, result::toString);
    assertEquals(Rejection.LEDGER_BROKEN, rejected.reason());
    assertTrue(rejected.message().contains("broken at #11"), rejected.message());
    assertBroken(DrugBatch.ENTITY_TYPE, batch, 11, BreakReason.HASH_MISMATCH);
  }

  @Test
  void aBatchRegisteredWithItsUnitsIndexesThemAndNoOtherLotCanClaimThem() throws Exception {
    BatchRegistration registration =
        new BatchRegistration(sharding, UnitIndex.onCassandra(testKit.system()), ASK_TIMEOUT);
    UnitIndex index = UnitIndex.onCassandra(testKit.system());
    String gtin = "09506000134352";
    BatchId first = new BatchId(gtin, "UNITS-A-" + shortId());
    BatchId second = new BatchId(gtin, "UNITS-B-" + shortId());
    String serial = "SN-" + shortId();

    accepted(await(registration.register(first, unitsRegistration(List.of(serial, serial + "-2"), LocalDate.now().plusYears(1)))));
    assertEquals(Optional.of(first.lot()), await(index.lotOf(gtin, serial)));
    assertEquals(Optional.empty(), await(index.lotOf(gtin, "SN-never-commissioned")));

    // A second lot claiming one of them is refused before the ledger sees it, and claims nothing.
    CommandResult refused = await(registration.register(second, unitsRegistration(List.of(serial + "-3", serial), LocalDate.now().plusYears(1))));
    CommandResult.Rejected rejected = assertInstanceOf(CommandResult.Rejected.class, refused, refused::toString);
    assertEquals(Rejection.BUSINESS_RULE, rejected.reason());
    assertTrue(rejected.message().contains(serial + " (lot " + first.lot() + ")"), rejected.message());
    assertEquals(Optional.empty(), await(index.lotOf(gtin, serial + "-3")));
    assertFalse(await(sharding.entityRefFor(DrugBatch.TYPE_KEY, second.entityId()).<DrugBatch.State>ask(DrugBatch.Get::new, ASK_TIMEOUT)).isRegistered());

    // Registering the first lot again is refused by the ledger, and must not withdraw its units.
    CommandResult again = await(registration.register(first, unitsRegistration(List.of(serial), LocalDate.now().plusYears(1))));
    assertEquals(Rejection.ILLEGAL_STATE, assertInstanceOf(CommandResult.Rejected.class, again, again::toString).reason());
    assertEquals(Optional.of(first.lot()), await(index.lotOf(gtin, serial)));

    // A registration the ledger refuses (expired) withdraws the claims it made.
    BatchId expired = new BatchId(gtin, "UNITS-C-" + shortId());
    CommandResult expiredReply = await(registration.register(expired, unitsRegistration(List.of(serial + "-9"), LocalDate.now().minusDays(1))));
    assertEquals(Rejection.BUSINESS_RULE, assertInstanceOf(CommandResult.Rejected.class, expiredReply, expiredReply::toString).reason());
    assertEquals(Optional.empty(), await(index.lotOf(gtin, serial + "-9")));
  }

  private static BatchRegistration.Registration unitsRegistration(List<String> serials, LocalDate expiry) {
    return new BatchRegistration.Registration(
        "Insulin glargine", expiry, 10, QC, DrugBatch.TemperatureRange.COLD_CHAIN, serials, MANUFACTURER, "");
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  // ---- histories ----

  /** 12 events: registration, shipment, a cold-chain quarantine and release, receipt, dispensing, a duplicate scan. */
  private String batchThroughItsLifecycle() {
    String id = new BatchId("09506000134352", "IT" + (++lots) + "-" + shortId()).entityId();
    accepted(ask(DrugBatch.TYPE_KEY, id, r -> new DrugBatch.Register("Influenza vaccine", LocalDate.now().plusYears(1), 50, QC, DrugBatch.TemperatureRange.COLD_CHAIN, List.of(), MANUFACTURER, "", r)));
    accepted(ask(DrugBatch.TYPE_KEY, id, r -> new DrugBatch.Ship("SH-" + lots, "acme-pharma", "st-mary", "cold-logistics", MANUFACTURER, "", r)));
    for (double celsius : new double[] {9.5, 10.0, 11.2}) {
      accepted(ask(DrugBatch.TYPE_KEY, id, r -> new DrugBatch.RecordTemperature("sensor-1", Instant.now(), celsius, CARRIER, "", r)));
    }
    // Three warm readings: 3 readings + the quarantine = events 3..6.
    assertEquals(DrugBatch.Status.QUARANTINED, ask(DrugBatch.TYPE_KEY, id, DrugBatch.Get::new).status());
    accepted(ask(DrugBatch.TYPE_KEY, id, r -> new DrugBatch.Release("excursion assessed: stable", REGULATOR, "", r)));
    accepted(ask(DrugBatch.TYPE_KEY, id, r -> new DrugBatch.Receive("SH-" + lots, 50, HOSPITAL, "", r)));
    accepted(ask(DrugBatch.TYPE_KEY, id, r -> new DrugBatch.Dispense(2, List.of("SN-1", "SN-2"), "pt-19ce", PHARMACIST, "", r)));
    accepted(ask(DrugBatch.TYPE_KEY, id, r -> new DrugBatch.Dispense(1, List.of("SN-3"), "pt-19ce", PHARMACIST, "", r)));
    CommandResult duplicate = ask(DrugBatch.TYPE_KEY, id, r -> new DrugBatch.Dispense(1, List.of("SN-2"), "pt-5511", PHARMACIST, "", r));
    assertEquals(Rejection.REFUSED_AND_RECORDED, ((CommandResult.Rejected) duplicate).reason());
    accepted(ask(DrugBatch.TYPE_KEY, id, r -> new DrugBatch.RecordTemperature("sensor-9", Instant.now(), 4.0, HOSPITAL, "", r)));
    assertEquals(12, ask(DrugBatch.TYPE_KEY, id, DrugBatch.Get::new).head().sequenceNumber());
    return id;
  }

  /** Registration, installation, usage past the interval (an overdue alert), maintenance, a fault, decommissioning, a use attempt after it. */
  private String deviceThroughItsLifecycle() {
    String id = "medidevice-gmbh/SN-" + shortId();
    accepted(ask(MedicalDevice.TYPE_KEY, id, r -> new MedicalDevice.Register("InfusionPump-X2", id.substring(id.indexOf('/') + 1), QC, DEVICE_MAKER, "", r)));
    accepted(ask(MedicalDevice.TYPE_KEY, id, r -> new MedicalDevice.Install("st-mary", "ICU", "dr.okafor", HOSPITAL, "", r)));
    accepted(ask(MedicalDevice.TYPE_KEY, id, r -> new MedicalDevice.ReportUsage(600, HOSPITAL, "", r)));
    accepted(ask(MedicalDevice.TYPE_KEY, id, r -> new MedicalDevice.ReportUsage(500, HOSPITAL, "", r))); // + overdue
    accepted(ask(MedicalDevice.TYPE_KEY, id, r -> new MedicalDevice.PerformMaintenance(List.of("pump seal"), MedicalDevice.MaintenanceResult.PASSED, "", ENGINEER, "", r)));
    accepted(ask(MedicalDevice.TYPE_KEY, id, r -> new MedicalDevice.ReportFault("E-17", "occlusion alarm", CLINICIAN, "", r)));
    accepted(ask(MedicalDevice.TYPE_KEY, id, r -> new MedicalDevice.Decommission("end of life", "certified recycling", HOSPITAL, "", r)));
    CommandResult afterScrapping = ask(MedicalDevice.TYPE_KEY, id, r -> new MedicalDevice.ReportUsage(1, HOSPITAL, "", r));
    assertEquals(Rejection.REFUSED_AND_RECORDED, ((CommandResult.Rejected) afterScrapping).reason());
    assertEquals(9, ask(MedicalDevice.TYPE_KEY, id, MedicalDevice.Get::new).head().sequenceNumber());
    return id;
  }

  /** Two anchored records, a consent, a read under it and a read without one. */
  private String patientWithRecordsConsentAndReads() {
    String id = "pt-" + UUID.randomUUID();
    ActingParty patient = new ActingParty("patients", id, Role.PATIENT);
    accepted(ask(PatientRecord.TYPE_KEY, id, r -> new PatientRecord.AnchorRecord("lab-1", "lab-result", QC, "https://lab.example/results/1", "city-lab-lis", "dr.lab", Map.of("LOINC:718-7", "13.2 g/dL"), LAB, "MSG-1", r)));
    accepted(ask(PatientRecord.TYPE_KEY, id, r -> new PatientRecord.AnchorRecord("note-1", "note", QC, "https://ehr.st-mary.example/notes/1", "st-mary-ehr", "dr.okafor", Map.of(), CLINICIAN, "", r)));
    accepted(ask(PatientRecord.TYPE_KEY, id, r -> new PatientRecord.GrantConsent("c-1", "st-mary", Role.CLINICIAN, Set.of("lab-result"), "treatment", Instant.now().plus(30, ChronoUnit.DAYS), patient, "", r)));
    PatientRecord.AccessResult read = ask(PatientRecord.TYPE_KEY, id, r -> new PatientRecord.RecordAccess("lab-1", "lab-result", "treatment", null, CLINICIAN, "", r));
    assertInstanceOf(PatientRecord.AccessResult.Granted.class, read, read::toString);
    PatientRecord.AccessResult denied = ask(PatientRecord.TYPE_KEY, id, r -> new PatientRecord.RecordAccess("note-1", "note", "treatment", null, CLINICIAN, "", r));
    assertInstanceOf(PatientRecord.AccessResult.Refused.class, denied, denied::toString);
    return id;
  }

  // ---- helpers ----

  private <M, R> R ask(EntityTypeKey<M> typeKey, String entityId, Function<ActorRef<R>, M> command) {
    return sharding
        .entityRefFor(typeKey, entityId)
        .<R>ask(command::apply, ASK_TIMEOUT)
        .toCompletableFuture()
        .join();
  }

  private static void accepted(CommandResult result) {
    assertInstanceOf(CommandResult.Accepted.class, result, result::toString);
  }

  private VerificationResult verify(String entityType, String entityId) {
    return verifier.verify(entityType, entityId).toCompletableFuture().join();
  }

  private void assertIntact(String entityType, String entityId, long length, String headHash) {
    VerificationResult result = verify(entityType, entityId);
    assertEquals(new VerificationResult.Intact(entityType, entityId, length, headHash), result);
  }

  private VerificationResult.Broken assertBroken(String entityType, String entityId, long sequenceNumber, BreakReason reason) {
    VerificationResult result = verify(entityType, entityId);
    VerificationResult.Broken broken = assertInstanceOf(VerificationResult.Broken.class, result, result::toString);
    assertEquals(sequenceNumber, broken.sequenceNumber(), result.toString());
    assertEquals(reason, broken.reason(), result.toString());
    return broken;
  }

  /** Waits until sharding has stopped the idle entity, so the next command recovers it from Cassandra. */
  private <M> void awaitPassivation(EntityTypeKey<M> typeKey, String entityId) {
    TestProbe<ShardRegion.CurrentShardRegionState> probe = testKit.createTestProbe();
    probe.awaitAssert(
        Duration.ofSeconds(20),
        Duration.ofMillis(300),
        () -> {
          sharding.shardState().tell(new GetShardRegionState(typeKey, probe.getRef()));
          ShardRegion.CurrentShardRegionState state = probe.receiveMessage();
          boolean alive =
              state.getShards().stream().anyMatch(shard -> shard.getEntityIds().contains(entityId));
          assertFalse(alive, entityId + " is still running");
          return null;
        });
  }

  private static LedgerEvent parse(byte[] stored) {
    try {
      return LedgerEvent.parseFrom(stored);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An Ed25519 key pair as the PEM files an operator would configure. */
  private static Path writeSigningKeyPair() throws Exception {
    Path directory = Path.of(System.getProperty("medtrace.test.work-dir", "target/test-work"), "keys");
    Files.createDirectories(directory);
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Files.writeString(directory.resolve("node.pem"), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    Files.writeString(directory.resolve("node.pub.pem"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
    return directory.toAbsolutePath();
  }

  private static String pem(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }

  private static ActingParty party(Role role, String organisation) {
    return new ActingParty(organisation, role.wireName() + "@" + organisation, role);
  }

  private static String shortId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }
}
