package org.medtrace.ingest.epcis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.ingest.epcis.EpcisSamples.GATEWAY;
import static org.medtrace.ingest.epcis.EpcisSamples.SETTINGS;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Role;
import org.medtrace.ingest.Samples;
import org.medtrace.ingest.route.DecodeFailure;
import org.medtrace.ingest.route.DecodedItem;
import org.medtrace.ingest.route.DecodedMessage;
import org.medtrace.ingest.route.RoutedCommand;
import org.medtrace.ingest.route.SourceRecord;

/** EPCIS 2.0 documents (GS1's examples, adapted where README.md in the samples says) into batch commands. */
class EpcisDecoderTest {

  private static final String BATCH = EpcisSamples.GTIN + "/L2026-11";
  private final EpcisDecoder decoder = new EpcisDecoder(SETTINGS, GATEWAY);

  @Test
  void aBatchLifecycleBecomesRegisterShipReceiveDispenseWithTheRolesTheBatchAllows() {
    List<DecodedItem> items = decoder.decode(Samples.record("epcis/supply-chain-lifecycle.jsonld")).items();
    assertEquals(4, items.size());

    RoutedCommand<?> commissioning = only(items.get(0));
    assertEquals(BATCH, commissioning.entityId());
    assertEquals("urn:uuid:7c3a2f10-1c2e-4a55-9a0e-2b1e6f0c0001", commissioning.sourceMessageId());
    DrugBatch.Register register = (DrugBatch.Register) commissioning.command().apply(null);
    assertEquals(3, register.quantity());
    assertEquals(List.of("2017", "2018", "2019"), register.unitSerials());
    assertEquals(LocalDate.of(2029, 6, 30), register.expiryDate());
    assertEquals("Insulin glargine 100 U/ml", register.productName());
    assertEquals(new ActingParty("acme-pharma", "epcis-gateway", Role.MANUFACTURER), register.party());

    List<RoutedCommand<?>> shipping = ((DecodedItem.Routable) items.get(1)).commands();
    assertEquals(3, shipping.size(), "the shipment and its two temperatures");
    DrugBatch.Ship ship = (DrugBatch.Ship) shipping.get(0).command().apply(null);
    assertEquals("acme-pharma", ship.fromOrganisation());
    assertEquals("st-mary", ship.toOrganisation());
    assertEquals("cold-logistics", ship.carrier());
    assertEquals("urn:epcglobal:cbv:bt:0614141073467:1152", ship.shipmentId());
    assertEquals(Role.LOGISTICS, ship.party().role());
    DrugBatch.RecordTemperature first = (DrugBatch.RecordTemperature) shipping.get(1).command().apply(null);
    DrugBatch.RecordTemperature second = (DrugBatch.RecordTemperature) shipping.get(2).command().apply(null);
    assertEquals(4.1, first.celsius(), 1e-9);
    assertEquals(5.0, second.celsius(), 1e-9, "41 °F");
    assertEquals(Instant.parse("2026-11-02T10:05:00Z"), first.measuredAt());
    assertEquals("urn:epc:id:giai:4000001.111", first.sensorId());
    assertEquals("urn:uuid:7c3a2f10-1c2e-4a55-9a0e-2b1e6f0c0002#temperature-2", shipping.get(2).sourceMessageId());

    DrugBatch.Receive receive = (DrugBatch.Receive) only(items.get(2)).command().apply(null);
    assertEquals(ship.shipmentId(), receive.shipmentId(), "desadv is preferred over the purchase order");
    assertEquals(3, receive.quantity());
    assertEquals(new ActingParty("st-mary", "epcis-gateway", Role.HOSPITAL), receive.party());

    DrugBatch.Dispense dispense = (DrugBatch.Dispense) only(items.get(3)).command().apply(null);
    assertEquals(List.of("2017"), dispense.unitSerials());
    assertEquals(1, dispense.quantity());
    assertEquals("pt-7f3a9c21e4b5", dispense.patientPseudonym());
    assertEquals(Role.PHARMACIST, dispense.party().role());
  }

  @Test
  void sgtinAndDigitalLinkNameTheSameGtinWithItsCheckDigit() {
    assertEquals(
        new Gs1Identifiers.Item("10614141073464", java.util.Optional.empty(), java.util.Optional.of("2017")),
        Gs1Identifiers.instance("urn:epc:id:sgtin:0614141.107346.2017"));
    assertEquals("10614141073464", Gs1Identifiers.instance("https://id.gs1.org/01/10614141073464/21/2017").gtin());
    assertEquals("0614141073467", Gs1Identifiers.gln("urn:epc:id:sgln:0614141.07346.1234").orElseThrow());
    assertEquals("0614141000012", Gs1Identifiers.gln("urn:epc:id:pgln:0614141.00001").orElseThrow());
    assertEquals("0614141073467", Gs1Identifiers.gln("https://id.gs1.org/414/0614141073467").orElseThrow());
    IllegalArgumentException wrongDigit =
        assertThrows(IllegalArgumentException.class, () -> Gs1Identifiers.instance("https://id.gs1.org/01/10614141073465/21/2017"));
    assertTrue(wrongDigit.getMessage().contains("check digit"), wrongDigit.getMessage());
  }

  @Test
  void theStandardsOwnExampleNamesNoLotAndEachEventSaysSo() {
    List<DecodedItem> items = decoder.decode(Samples.record("epcis/gs1-example-9.6.1-object-events.jsonld")).items();
    assertEquals(2, items.size());
    for (DecodedItem item : items) {
      DecodedItem.Undecodable undecodable = assertInstanceOf(DecodedItem.Undecodable.class, item);
      assertEquals(DecodeFailure.UNKNOWN_SUBJECT, undecodable.reason());
      assertTrue(undecodable.message().contains("names no lot"), undecodable.message());
    }
  }

  @Test
  void sensorTemperaturesOfAnInspectionAreRecordedOnTheBatchAndOtherMeasurementsIgnored() {
    DecodedItem item = decoder.decode(Samples.record("epcis/gs1-sensor-data-example-1.jsonld")).items().get(0);
    List<RoutedCommand<?>> commands = assertInstanceOf(DecodedItem.Routable.class, item).commands();
    assertEquals(3, commands.size());
    List<Double> celsius = commands.stream().map(c -> ((DrugBatch.RecordTemperature) c.command().apply(null)).celsius()).toList();
    assertEquals(List.of(26.0, 26.1, 26.2), celsius);
    DrugBatch.RecordTemperature reading = (DrugBatch.RecordTemperature) commands.get(0).command().apply(null);
    assertEquals("cold-logistics", reading.party().organisation(), "the readPoint's GLN maps to the carrier");
  }

  @Test
  void anEventWithoutIdIsKeyedByItsCanonicalJsonWhateverTheKeyOrder() throws Exception {
    RoutedCommand<?> destroy = only(decoder.decode(Samples.record("epcis/destroy-without-event-id.jsonld")).items().get(0));
    assertTrue(destroy.sourceMessageId().matches("sha256:[0-9a-f]{64}"), destroy.sourceMessageId());
    DrugBatch.Destroy command = (DrugBatch.Destroy) destroy.command().apply(null);
    assertEquals("destroyed", command.method());
    assertEquals("expired in pharmacy stock", command.reason());

    ObjectMapper json = new ObjectMapper();
    var document = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(Samples.bytes("epcis/destroy-without-event-id.jsonld"));
    var event = (com.fasterxml.jackson.databind.node.ObjectNode) document.path("epcisBody").path("eventList").get(0);
    var reordered = json.createObjectNode();
    List<String> names = new java.util.ArrayList<>();
    event.fieldNames().forEachRemaining(names::add);
    java.util.Collections.reverse(names);
    names.forEach(name -> reordered.set(name, event.get(name)));
    ((com.fasterxml.jackson.databind.node.ArrayNode) document.path("epcisBody").path("eventList")).set(0, reordered);
    assertEquals(destroy.sourceMessageId(), only(decoder.decode(SourceRecord.ofValue(json.writeValueAsBytes(document))).items().get(0)).sourceMessageId());

    reordered.put("example:reason", "another reason");
    assertNotEquals(destroy.sourceMessageId(), only(decoder.decode(SourceRecord.ofValue(json.writeValueAsBytes(document))).items().get(0)).sourceMessageId());
  }

  @Test
  void aCapturingCallerActsAsItselfWhateverOrganisationTheGlnsName() {
    ActingParty caller = new ActingParty("st-mary", "pharmacy-scanner-2", Role.PHARMACIST);
    DecodedMessage decoded = decoder.decode(Samples.bytes("epcis/supply-chain-lifecycle.jsonld"), caller, "captured");
    for (DecodedItem item : decoded.items()) {
      for (RoutedCommand<?> command : ((DecodedItem.Routable) item).commands()) {
        assertEquals(caller, ((org.medtrace.actors.ledger.LedgerWrite) command.command().apply(null)).party(), command.description());
      }
    }
  }

  @Test
  void badDocumentsAndEventsAreDeadLetteredWithTheirReason() {
    assertUndecodable("not json at all {", DecodeFailure.MALFORMED, "not JSON");
    assertUndecodable("[1,2]", DecodeFailure.MALFORMED, "JSON object");
    assertUndecodable("{\"type\":\"EPCISDocument\"}", DecodeFailure.MISSING_FIELD, "eventList");
    assertUndecodable("{\"epcisBody\":{\"eventList\":[]}}", DecodeFailure.MISSING_FIELD, "empty");
    DecodedItem aggregation = decoder.decode(Samples.record("epcis/aggregation-event.jsonld")).items().get(0);
    assertEquals(DecodeFailure.UNSUPPORTED_MESSAGE_TYPE, assertInstanceOf(DecodedItem.Undecodable.class, aggregation).reason());
    String lifecycle = new String(Samples.bytes("epcis/supply-chain-lifecycle.jsonld"), StandardCharsets.UTF_8);
    assertEventUndecodable(lifecycle.replace("\"example:qcReportSha256\"", "\"example:other\""), 0, DecodeFailure.MISSING_FIELD, "qcReportSha256");
    assertEventUndecodable(lifecycle.replace("2029-06-30", "June 2029"), 0, DecodeFailure.INVALID_VALUE, "ISO date");
    assertEventUndecodable(lifecycle.replace("\"destinationList\"", "\"elsewhere\""), 1, DecodeFailure.MISSING_FIELD, "destinationList");
    assertEventUndecodable(lifecycle.replace("10614141073464/10", "10614141073465/10"), 1, DecodeFailure.INVALID_VALUE, "check digit");
    assertEventUndecodable(lifecycle.replace("\"quantity\": 3", "\"quantity\": 2.5"), 2, DecodeFailure.INVALID_VALUE, "whole number");
    assertEventUndecodable(lifecycle.replace("\"example:patientPseudonym\"", "\"example:x\""), 3, DecodeFailure.MISSING_FIELD, "patient");
    assertEventUndecodable(lifecycle.replace("\"value\": 4.1", "\"value\": \"warm\""), 1, DecodeFailure.INVALID_VALUE, "Temperature");
    DecodedMessage oneBad = decoder.decode(SourceRecord.ofValue(lifecycle.replace("\"example:patientPseudonym\"", "\"example:x\"").getBytes(StandardCharsets.UTF_8)));
    assertEquals(3, oneBad.items().stream().filter(item -> item instanceof DecodedItem.Routable).count(), "one bad event spoils no other");
  }

  private void assertUndecodable(String document, DecodeFailure reason, String mentioned) {
    assertEventUndecodable(document, 0, reason, mentioned);
  }

  private void assertEventUndecodable(String document, int event, DecodeFailure reason, String mentioned) {
    DecodedMessage decoded = decoder.decode(SourceRecord.ofValue(document.getBytes(StandardCharsets.UTF_8)));
    DecodedItem.Undecodable undecodable = assertInstanceOf(DecodedItem.Undecodable.class, decoded.items().get(event), decoded.toString());
    assertEquals(reason, undecodable.reason(), undecodable.message());
    assertTrue(undecodable.message().contains(mentioned), undecodable.message());
  }

  private static RoutedCommand<?> only(DecodedItem item) {
    DecodedItem.Routable routable = assertInstanceOf(DecodedItem.Routable.class, item, item.toString());
    assertEquals(1, routable.commands().size(), routable.toString());
    return routable.commands().get(0);
  }
}
