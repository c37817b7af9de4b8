package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.http.JsonBodies.json;

import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.Role;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.LedgerEvent;
import org.medtrace.persistence.cassandra.RealCassandra;
import org.medtrace.persistence.journal.JournalChainVerifier;

/**
 * Drug batch routes against a node on the real Cassandra: the lifecycle through the API, unit
 * verification, trail and verification, idempotency, and every error class with its problem
 * document (and no change to the batch).
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchRoutesTest {

  static final String GTIN = Gtins.withCheckDigit("400638133393");
  static final String QC = "ab".repeat(32);
  private static final AtomicInteger LOTS = new AtomicInteger();

  private ApiTestNode node;
  private ApiClient api;
  private String manufacturer;
  private String carrier;
  private String hospital;
  private String pharmacist;
  private String regulator;
  private String auditor;

  @BeforeAll
  void start() {
    node = ApiTestNode.start("http_batches");
    api = node.client();
    TestTokens tokens = node.tokens();
    manufacturer = tokens.token(Role.MANUFACTURER, "acme-pharma", "qa-lead");
    carrier = tokens.token(Role.LOGISTICS, "cold-logistics", "driver-1");
    hospital = tokens.token(Role.HOSPITAL, "st-mary", "receiving");
    pharmacist = tokens.token(Role.PHARMACIST, "st-mary", "pharm-1");
    regulator = tokens.token(Role.REGULATOR, "health-authority", "inspector-1");
    auditor = tokens.token(Role.AUDITOR, "audit-co", "auditor-1");
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  private String newLot() {
    return "LOT-" + LOTS.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 100000, 36);
  }

  private static String batchPath(String lot) {
    return "/api/v1/batches/" + GTIN + "/" + lot;
  }

  private ApiClient.Reply register(String lot, LocalDate expiry, int quantity, List<String> serials) {
    return api.post(
        "/api/v1/batches",
        manufacturer,
        json(
            "gtin", GTIN, "lot", lot, "productName", "Vaccine X", "expiryDate", expiry.toString(),
            "quantity", quantity, "qcReportSha256", QC, "unitSerials", serials));
  }

  private static LocalDate inYears(int years) {
    return LocalDate.now(ZoneOffset.UTC).plusYears(years);
  }

  private static List<String> serials(String lot, int count) {
    List<String> serials = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      serials.add(lot + "-U" + i);
    }
    return serials;
  }

  /** A batch registered, shipped to st-mary and received there, with units {@code <lot>-U1..n}. */
  private String batchInStock(int quantity) {
    String lot = newLot();
    assertEquals(201, register(lot, inYears(10), quantity, serials(lot, quantity)).status());
    assertEquals(200, ship(lot).status());
    assertEquals(200, api.post(batchPath(lot) + "/receipts", hospital, json("shipmentId", "SH-" + lot, "quantity", quantity)).status());
    return lot;
  }

  private ApiClient.Reply ship(String lot) {
    return api.post(
        batchPath(lot) + "/shipments",
        manufacturer,
        json("shipmentId", "SH-" + lot, "fromOrganisation", "acme-pharma", "toOrganisation", "st-mary", "carrier", "cold-logistics"));
  }

  private ApiClient.Reply reading(String lot, double celsius) {
    return api.post(
        batchPath(lot) + "/temperature-readings",
        carrier,
        json("sensorId", "truck-7", "measuredAt", Instant.now().toString(), "celsius", celsius));
  }

  private JsonNode state(String lot) {
    ApiClient.Reply reply = api.get(batchPath(lot), auditor);
    assertEquals(200, reply.status(), reply.toString());
    return reply.json();
  }

  @Test
  void walksABatchFromRegistrationToDispensingWithAColdChainQuarantineAndARegulatorRelease() {
    String lot = newLot();
    ApiClient.Reply registered = register(lot, inYears(10), 10, serials(lot, 10));
    assertEquals(201, registered.status(), registered.toString());
    assertEquals("accepted", registered.json().path("outcome").asText());
    assertEquals(1, registered.json().path("sequenceNumber").asLong());
    assertEquals("/api/v1/batches/0" + GTIN + "/" + lot, registered.header("Location").orElseThrow());

    assertEquals(200, ship(lot).status());
    for (double celsius : new double[] {9.5, 10.1, 11.0}) {
      assertEquals(200, reading(lot, celsius).status());
    }
    JsonNode quarantined = state(lot);
    assertEquals("QUARANTINED", quarantined.path("status").asText());
    assertTrue(quarantined.path("statusReason").asText().startsWith("cold chain"), quarantined.toString());
    assertEquals("acme-pharma", quarantined.path("custodian").asText());

    ApiClient.Reply receiveWhileQuarantined =
        api.post(batchPath(lot) + "/receipts", hospital, json("shipmentId", "SH-" + lot, "quantity", 10));
    assertEquals(409, receiveWhileQuarantined.status(), receiveWhileQuarantined.toString());
    assertTrue(receiveWhileQuarantined.json().path("currentState").asText().startsWith("QUARANTINED"));

    ApiClient.Reply unitWhileQuarantined = api.get("/api/v1/units/" + GTIN + "/" + lot + "-U1", pharmacist);
    assertEquals("quarantined", unitWhileQuarantined.json().path("status").asText(), unitWhileQuarantined.toString());

    ApiClient.Reply releaseByManufacturer = api.post(batchPath(lot) + "/release", manufacturer, json("reason", "fine"));
    assertEquals(403, releaseByManufacturer.status());
    assertEquals("role-not-allowed", releaseByManufacturer.problemType());
    assertEquals(200, api.post(batchPath(lot) + "/release", regulator, json("reason", "stability data covers the excursion")).status());
    assertEquals("IN_TRANSIT", state(lot).path("status").asText());

    assertEquals(200, api.post(batchPath(lot) + "/receipts", hospital, json("shipmentId", "SH-" + lot, "quantity", 10)).status());
    ApiClient.Reply usable = api.get("/api/v1/units/" + GTIN + "/" + lot + "-U1", pharmacist);
    assertEquals("usable", usable.json().path("status").asText(), usable.toString());
    assertEquals(lot, usable.json().path("batch").path("lot").asText());

    ApiClient.Reply dispensed =
        api.post(batchPath(lot) + "/dispensations", pharmacist, json("quantity", 1, "unitSerials", List.of(lot + "-U1"), "patientPseudonym", "pp-1"));
    assertEquals(200, dispensed.status(), dispensed.toString());
    assertEquals(9, state(lot).path("stock").asLong());

    ApiClient.Reply again =
        api.post(batchPath(lot) + "/dispensations", pharmacist, json("quantity", 1, "unitSerials", List.of(lot + "-U1"), "patientPseudonym", "pp-2"));
    assertEquals(422, again.status(), again.toString());
    assertEquals("refused-and-recorded", again.problemType());
    long evidence = again.json().path("evidenceRecordedAt").asLong();
    assertTrue(evidence > dispensed.json().path("sequenceNumber").asLong());

    JsonNode unit = api.get("/api/v1/units/" + GTIN + "/" + lot + "-U1", pharmacist).json();
    assertEquals("already-dispensed", unit.path("status").asText(), unit.toString());
    assertTrue(unit.path("suspectedDuplicate").asBoolean(), unit.toString());
    assertEquals(dispensed.json().path("sequenceNumber").asLong(), unit.path("dispensedSequenceNumber").asLong());
    assertEquals(9, state(lot).path("stock").asLong(), "the refused dispense took nothing from stock");

    JsonNode trail = api.get(batchPath(lot) + "/trail", auditor).json();
    JsonNode events = trail.path("events");
    assertEquals(evidence, events.size(), trail.toString());
    List<String> types = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      JsonNode event = events.get(i);
      types.add(event.path("eventType").asText());
      assertEquals(i + 1, event.path("sequenceNumber").asLong());
      if (i > 0) {
        assertEquals(events.get(i - 1).path("hash").asText(), event.path("previousHash").asText(), "the chain links");
      }
    }
    assertEquals(
        List.of(
            "BatchRegistered", "BatchShipped", "TemperatureRecorded", "TemperatureRecorded", "TemperatureRecorded",
            "ColdChainQuarantined", "QuarantineReleased", "BatchReceived", "UnitsDispensed", "SuspectedDuplicateScan"),
        types);
    assertEquals("cold-logistics", events.get(2).path("actingParty").path("organisation").asText());
    assertEquals("logistics", events.get(2).path("actingParty").path("role").asText());
    assertEquals(11.0, events.get(5).path("payload").path("offendingReadings").get(2).path("celsius").asDouble());

    JsonNode verification = api.get(batchPath(lot) + "/verify", regulator).json();
    assertEquals("intact", verification.path("status").asText());
    assertEquals(evidence, verification.path("length").asLong());
    assertEquals(events.get(events.size() - 1).path("hash").asText(), verification.path("headHash").asText());

    node.awaitAssert(
        Duration.ofSeconds(45),
        () -> {
          JsonNode alerts = api.get("/api/v1/alerts?since=" + Instant.now().minus(Duration.ofHours(1)), regulator).json();
          List<String> mine = new ArrayList<>();
          alerts.path("alerts").forEach(alert -> {
            if (alert.path("entityId").asText().endsWith("/" + lot)) {
              mine.add(alert.path("eventType").asText());
            }
          });
          assertEquals(List.of("ColdChainQuarantined", "SuspectedDuplicateScan"), mine, alerts.toString());
        });
  }

  @Test
  void trailPagesOldestOrNewestFirst() {
    String lot = batchInStock(5);
    long head = state(lot).path("sequenceNumber").asLong();
    assertEquals(3, head);

    JsonNode newest = api.get(batchPath(lot) + "/trail?order=newest&limit=2", hospital).json();
    assertEquals(List.of(3L, 2L), sequenceNumbers(newest));
    assertEquals(1, newest.path("nextFrom").asLong());
    JsonNode rest = api.get(batchPath(lot) + "/trail?order=newest&limit=2&from=1", hospital).json();
    assertEquals(List.of(1L), sequenceNumbers(rest));
    assertTrue(rest.path("nextFrom").isMissingNode(), rest.toString());

    JsonNode oldest = api.get(batchPath(lot) + "/trail?order=oldest&limit=2", hospital).json();
    assertEquals(List.of(1L, 2L), sequenceNumbers(oldest));
    assertEquals(3, oldest.path("nextFrom").asLong());

    ApiClient.Reply badOrder = api.get(batchPath(lot) + "/trail?order=sideways", hospital);
    assertEquals(400, badOrder.status());
    assertEquals("order", badOrder.json().path("field").asText());
    ApiClient.Reply badLimit = api.get(batchPath(lot) + "/trail?limit=0", hospital);
    assertEquals(400, badLimit.status());
    assertEquals("limit", badLimit.json().path("field").asText());
  }

  private static List<Long> sequenceNumbers(JsonNode page) {
    List<Long> numbers = new ArrayList<>();
    page.path("events").forEach(event -> numbers.add(event.path("sequenceNumber").asLong()));
    return numbers;
  }

  @Test
  void aRepeatedIdempotencyKeyAnswersWithTheOriginalSequenceNumberAndStoresNothing() {
    String lot = newLot();
    Map<String, String> key = Map.of("Idempotency-Key", "reg-" + lot);
    String body =
        json("gtin", GTIN, "lot", lot, "productName", "Vaccine X", "expiryDate", inYears(10).toString(), "quantity", 5, "qcReportSha256", QC);

    ApiClient.Reply first = api.post("/api/v1/batches", manufacturer, body, key);
    ApiClient.Reply repeat = api.post("/api/v1/batches", manufacturer, body, key);

    assertEquals(201, first.status(), first.toString());
    assertEquals(200, repeat.status(), repeat.toString());
    assertEquals("already-recorded", repeat.json().path("outcome").asText());
    assertEquals(1, repeat.json().path("sequenceNumber").asLong());
    assertEquals("true", repeat.header(Ledger.REPLAYED_HEADER).orElse(""));
    assertEquals(1, state(lot).path("sequenceNumber").asLong());
    assertEquals("reg-" + lot, api.get(batchPath(lot) + "/trail", auditor).json().path("events").get(0).path("sourceMessageId").asText());
  }

  @Test
  void badRequestsGetSpecificProblemsAndChangeNothing() {
    String lot = batchInStock(3);
    long head = state(lot).path("sequenceNumber").asLong();

    ApiClient.Reply malformed = api.post(batchPath(lot) + "/dispensations", pharmacist, "{\"quantity\": ");
    assertProblem(malformed, 400, "malformed-request");
    assertTrue(malformed.json().path("detail").asText().contains("malformed JSON"), malformed.toString());
    assertEquals("application/problem+json", malformed.header("Content-Type").orElse(""));
    assertEquals(batchPath(lot) + "/dispensations", malformed.json().path("instance").asText());

    assertField(api.post(batchPath(lot) + "/dispensations", pharmacist, json("quantity", 1, "patientPseudonym", "p", "colour", "red")), "colour");
    assertField(api.post(batchPath(lot) + "/dispensations", pharmacist, json("quantity", "many", "patientPseudonym", "p")), "quantity");
    assertField(api.post(batchPath(lot) + "/dispensations", pharmacist, json("quantity", 1.5, "patientPseudonym", "p")), "quantity");
    assertField(api.post(batchPath(lot) + "/dispensations", pharmacist, json("patientPseudonym", "p")), "quantity");
    assertField(api.post(batchPath(lot) + "/temperature-readings", carrier, json("sensorId", "s", "measuredAt", "yesterday", "celsius", 5)), "measuredAt");
    assertField(api.post("/api/v1/batches/4006381333932/" + lot + "/quarantine", regulator, json("reason", "x")), "gtin");
    assertProblem(api.post(batchPath(lot) + "/dispensations", pharmacist, "[1, 2]"), 400, "malformed-request");
    assertProblem(api.post(batchPath(lot) + "/quarantine", regulator, ""), 400, "malformed-request");
    assertProblem(api.post(batchPath(lot) + "/quarantine", regulator, json("reason", " ")), 400, "invalid-field");
    assertProblem(
        api.send(
            api.builder(batchPath(lot) + "/quarantine", regulator)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("reason=because"))),
        415,
        "unsupported-media-type");
    assertProblem(
        api.post(batchPath(lot) + "/quarantine", regulator, json("reason", "x".repeat(70 * 1024))), 413, "request-too-large");

    ApiClient.Reply tooMany =
        api.post(batchPath(lot) + "/dispensations", pharmacist, json("quantity", 4, "patientPseudonym", "pp-9"));
    assertProblem(tooMany, 422, "business-rule");
    assertTrue(tooMany.json().path("detail").asText().contains("only 3 units"), tooMany.toString());

    ApiClient.Reply notHolder = api.post(batchPath(lot) + "/dispensations", node.tokens().token(Role.PHARMACIST, "other-pharmacy", "p2"),
        json("quantity", 1, "patientPseudonym", "pp-9"));
    assertProblem(notHolder, 403, "forbidden");

    ApiClient.Reply registeredAgain = register(lot, inYears(10), 3, List.of());
    assertProblem(registeredAgain, 409, "illegal-state");
    assertEquals("IN_STOCK", registeredAgain.json().path("currentState").asText());

    assertEquals(head, state(lot).path("sequenceNumber").asLong(), "no error stored anything");
    assertEquals(3, state(lot).path("stock").asLong());
  }

  @Test
  void anUnknownBatchIsNotFoundEverywhere() {
    String unknown = batchPath("NEVER-REGISTERED");
    assertProblem(api.get(unknown, auditor), 404, "not-found");
    assertProblem(api.get(unknown + "/trail", auditor), 404, "not-found");
    assertProblem(api.get(unknown + "/verify", auditor), 404, "not-found");
    assertProblem(api.post(unknown + "/recall", regulator, json("reason", "x")), 404, "not-found");
    JsonNode unit = api.get("/api/v1/units/" + GTIN + "/NO-SUCH-SERIAL", pharmacist).json();
    assertEquals("unknown", unit.path("status").asText());
    assertFalse(unit.path("suspectedDuplicate").asBoolean());
  }

  @Test
  void finalStatesRefuseFurtherActionWithTheCurrentState() {
    String lot = batchInStock(2);
    assertEquals(200, api.post(batchPath(lot) + "/recall", regulator, json("reason", "contamination")).status());
    assertEquals("recalled", api.get("/api/v1/units/" + GTIN + "/" + lot + "-U2", pharmacist).json().path("status").asText());

    ApiClient.Reply dispense =
        api.post(batchPath(lot) + "/dispensations", pharmacist, json("quantity", 1, "unitSerials", List.of(lot + "-U2"), "patientPseudonym", "p"));
    assertProblem(dispense, 409, "illegal-state");
    assertEquals("RECALLED (contamination)", dispense.json().path("currentState").asText());

    assertEquals(200, api.post(batchPath(lot) + "/destruction", hospital, json("method", "incineration", "reason", "recalled")).status());
    assertEquals("destroyed", api.get("/api/v1/units/" + GTIN + "/" + lot + "-U2", pharmacist).json().path("status").asText());
  }

  @Test
  void aUnitOfAnExpiredBatchIsExpired() {
    String lot = newLot();
    assertEquals(201, register(lot, LocalDate.now(ZoneOffset.UTC).plusDays(1), 1, List.of(lot + "-U1")).status());
    // Only this class's entities share the clock, and the other tests' batches expire in ten years.
    node.clock().advance(Duration.ofDays(3));

    JsonNode unit = api.get("/api/v1/units/" + GTIN + "/" + lot + "-U1", pharmacist).json();
    assertEquals("expired", unit.path("status").asText(), unit.toString());
    assertProblem(ship(lot), 409, "illegal-state");
  }

  @Test
  void aSerialOfAnotherLotRefusesTheRegistration() {
    String first = newLot();
    assertEquals(201, register(first, inYears(10), 1, List.of(first + "-SHARED")).status());
    String second = newLot();

    ApiClient.Reply refused = register(second, inYears(10), 1, List.of(first + "-SHARED"));

    assertProblem(refused, 422, "business-rule");
    assertTrue(refused.json().path("detail").asText().contains(first), refused.toString());
    assertProblem(api.get(batchPath(second), auditor), 404, "not-found");
  }

  @Test
  void verificationNamesTheFirstEditedEventAndTheTrailShowsWhatIsStored() throws Exception {
    String lot = batchInStock(2);
    String persistenceId = JournalChainVerifier.persistenceId("drug-batch", "0" + GTIN + "/" + lot);
    Row row =
        RealCassandra.session()
            .execute(
                "SELECT event FROM http_batches_journal.messages WHERE persistence_id = ? AND partition_nr = 0 AND sequence_nr = 2",
                persistenceId)
            .one();
    LedgerEvent stored = LedgerEvent.parseFrom(row.getByteBuffer("event"));
    EventBody body = EventBody.parseFrom(stored.getBody());
    EventBody edited =
        body.toBuilder().setBatchShipped(body.getBatchShipped().toBuilder().setCarrier("someone-else")).build();
    // Someone with database access rewrites who carried the batch, keeping the stored hash.
    RealCassandra.session()
        .execute(
            "UPDATE http_batches_journal.messages SET event = ? WHERE persistence_id = ? AND partition_nr = 0 AND sequence_nr = 2",
            ByteBuffer.wrap(stored.toBuilder().setBody(edited.toByteString()).build().toByteArray()),
            persistenceId);

    JsonNode verification = api.get(batchPath(lot) + "/verify", regulator).json();
    assertEquals("broken", verification.path("status").asText(), verification.toString());
    assertEquals(2, verification.path("firstBadSequenceNumber").asLong());
    assertEquals("HASH_MISMATCH", verification.path("reason").asText());
    assertEquals(1, verification.path("intactLength").asLong());
    JsonNode shipped = api.get(batchPath(lot) + "/trail?limit=2", regulator).json().path("events").get(1);
    assertEquals("someone-else", shipped.path("payload").path("carrier").asText(), shipped.toString());
  }

  @Test
  void aTrailPageReadInOneQueryIsWhatThePluginReads() throws Exception {
    String lot = batchInStock(2);
    String persistenceId = JournalChainVerifier.persistenceId("drug-batch", "0" + GTIN + "/" + lot);
    // #2 lost (a gap) and #3 made unreadable: both readers must show them alike.
    RealCassandra.session()
        .execute(
            "DELETE FROM http_batches_journal.messages WHERE persistence_id = ? AND partition_nr = 0 AND sequence_nr = 2",
            persistenceId);
    RealCassandra.session()
        .execute(
            "UPDATE http_batches_journal.messages SET event = ? WHERE persistence_id = ? AND partition_nr = 0 AND sequence_nr = 3",
            ByteBuffer.wrap(new byte[] {1, 2, 3}),
            persistenceId);

    JournalPages pages = new JournalPages(node.system());
    CassandraReadJournal plugin =
        PersistenceQuery.get(node.system()).getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    for (long[] range : new long[][] {{1, 3}, {1, 1}, {2, 3}, {3, 3}}) {
      List<LedgerQueries.EventView> fromPlugin =
          plugin
              .currentEventsByPersistenceId(persistenceId, range[0], range[1])
              .map(envelope -> LedgerQueries.view("drug-batch", lot, envelope))
              .runWith(Sink.seq(), node.system())
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      List<LedgerQueries.EventView> inOneQuery =
          pages.read(persistenceId, range[0], range[1]).toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow().stream()
              .map(row -> LedgerQueries.view("drug-batch", lot, row.sequenceNr(), row.timestampMillis(), row.event()))
              .toList();
      String plugins = new String(Json.write(fromPlugin), StandardCharsets.UTF_8);
      assertEquals(plugins, new String(Json.write(inOneQuery), StandardCharsets.UTF_8), "events " + range[0] + ".." + range[1]);
      assertTrue(plugins.contains("unreadable") == (range[1] == 3), plugins);
    }
    assertEquals(List.of(1L, 3L), sequenceNumbers(api.get(batchPath(lot) + "/trail?limit=3", regulator).json()));
    // Where the last event of the range is missing, only the plugin's partition-by-partition search
    // can say what there is: the one query answers nothing, and the trail is still the plugin's.
    assertTrue(pages.read(persistenceId, 1, 2).toCompletableFuture().get(30, TimeUnit.SECONDS).isEmpty());
    assertTrue(pages.read(persistenceId, 3, 4).toCompletableFuture().get(30, TimeUnit.SECONDS).isEmpty());
    assertEquals(List.of(1L), sequenceNumbers(api.get(batchPath(lot) + "/trail?limit=2", regulator).json()));
  }

  @Test
  void alertQueriesCheckTheirParameters() {
    assertField(api.get("/api/v1/alerts?since=yesterday", regulator), "since");
    assertField(api.get("/api/v1/alerts?limit=100000", regulator), "limit");
    assertEquals(200, api.get("/api/v1/alerts?since=2026-01-01T00:00:00Z&limit=5", auditor).status());
  }

  @Test
  void alertsArePagedByLimitAndByTheSpanOneRequestReads() throws Exception {
    Instant before = Instant.now().minusMillis(1);
    String lot = batchInStock(2);
    List<Long> duplicateScans = new ArrayList<>();
    for (String unit : List.of(lot + "-U1", lot + "-U2")) {
      String dispense = json("quantity", 1, "unitSerials", List.of(unit), "patientPseudonym", "pp-1");
      assertEquals(200, api.post(batchPath(lot) + "/dispensations", pharmacist, dispense).status());
      ApiClient.Reply again = api.post(batchPath(lot) + "/dispensations", pharmacist, dispense);
      assertEquals("refused-and-recorded", again.problemType(), again.toString());
      duplicateScans.add(again.json().path("evidenceRecordedAt").asLong());
    }

    node.awaitAssert(
        Duration.ofSeconds(45),
        () -> {
          JsonNode first = api.get("/api/v1/alerts?since=" + before + "&limit=1", regulator).json();
          assertEquals(List.of(duplicateScans.get(0)), sequenceNumbersOf(lot, first.path("alerts")), first.toString());
          assertTrue(first.hasNonNull("nextSince"), "a full page says where the next one starts: " + first);
          JsonNode rest = api.get("/api/v1/alerts?since=" + first.path("nextSince").asText(), regulator).json();
          // From the last alert's millisecond: the first alert may come again, the second must.
          List<Long> restOfMine = sequenceNumbersOf(lot, rest.path("alerts"));
          assertTrue(restOfMine.equals(duplicateScans.subList(1, 2)) || restOfMine.equals(duplicateScans), rest.toString());
          assertFalse(rest.hasNonNull("nextSince"), "nothing after the last page: " + rest);
        });

    // Read 20 minutes at a time from an hour before: each short read says where the next begins.
    AlertReads reads = new AlertReads(node.system(), org.medtrace.actors.ledger.Alerts.TAG, Duration.ofMinutes(20), 2, Duration.ofSeconds(30));
    Instant since = before.minus(Duration.ofHours(1));
    List<Long> found = new ArrayList<>();
    int requests = 0;
    while (true) {
      requests++;
      AlertReads.Page page = reads.since(since, 1000, Instant.now()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      page.events().stream()
          .filter(alert -> alert.persistenceId().endsWith("/" + lot))
          .forEach(alert -> found.add(alert.sequenceNr()));
      if (page.nextSince().isEmpty()) {
        break;
      }
      assertEquals(since.toEpochMilli() + Duration.ofMinutes(20).toMillis() + 1, page.nextSince().get().toEpochMilli());
      since = page.nextSince().get();
    }
    assertEquals(duplicateScans, found);
    assertTrue(requests >= 4, "an hour and more in 20-minute reads took " + requests + " requests");

    // A read that outlasts its timeout stops with a TimeoutException, which the API answers with 503.
    AlertReads hurried = new AlertReads(node.system(), org.medtrace.actors.ledger.Alerts.TAG, Duration.ofDays(31), 1, Duration.ofMillis(1));
    ExecutionException late =
        assertThrows(
            ExecutionException.class,
            () -> hurried.since(before.minus(Duration.ofHours(20)), 1000, Instant.now()).toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertTrue(late.getCause() instanceof TimeoutException, late.toString());
  }

  private static List<Long> sequenceNumbersOf(String lot, JsonNode alerts) {
    List<Long> sequenceNumbers = new ArrayList<>();
    alerts.forEach(alert -> {
      if (alert.path("entityId").asText().endsWith("/" + lot)) {
        sequenceNumbers.add(alert.path("sequenceNumber").asLong());
      }
    });
    return sequenceNumbers;
  }

  static void assertProblem(ApiClient.Reply reply, int status, String type) {
    assertEquals(status, reply.status(), reply.toString());
    assertEquals(type, reply.problemType(), reply.toString());
    assertEquals(status, reply.json().path("status").asInt(), reply.toString());
    assertFalse(reply.json().path("detail").asText().isBlank(), reply.toString());
  }

  static void assertField(ApiClient.Reply reply, String field) {
    assertProblem(reply, 400, "invalid-field");
    assertEquals(field, reply.json().path("field").asText(), reply.toString());
  }
}
