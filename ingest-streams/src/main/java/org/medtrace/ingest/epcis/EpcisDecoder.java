package org.medtrace.ingest.epcis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.HashSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.medtrace.actors.batch.BatchId;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Fields;
import org.medtrace.actors.ledger.Role;
import org.medtrace.ingest.route.DecodeFailure;
import org.medtrace.ingest.route.DecodedItem;
import org.medtrace.ingest.route.DecodedMessage;
import org.medtrace.ingest.route.Fingerprints;
import org.medtrace.ingest.route.RecordDecoder;
import org.medtrace.ingest.route.RoutedCommand;
import org.medtrace.ingest.route.SourceRecord;
import org.medtrace.ingest.sensor.SensorReadingDecoder;

/**
 * Decodes GS1 EPCIS 2.0 JSON(-LD) documents into drug batch commands, one item per event.
 *
 * <p>ObjectEvents with these business steps (short form or CBV URI) change the batch: {@code
 * commissioning} registers it (lot and expiry from {@code ilmd}), {@code shipping} ships it (to the
 * destination's organisation), {@code receiving} receives it, {@code dispensing} dispenses its unit
 * serials, {@code destroying} destroys it. Temperatures in {@code sensorElementList} are recorded as
 * cold-chain readings on every batch of the event, whatever its step. Batches are named by SGTINs
 * or LGTINs, as EPC URNs or GS1 Digital Links; an SGTIN alone does not name its lot, which comes
 * from the commissioning's ilmd, a Digital Link with {@code /10/<lot>}, or (in {@link
 * #decodeAsync}) the unit index of commissioned serials.
 *
 * <p>Each event's idempotency key is its {@code eventID}, or the SHA-256 of its canonical JSON
 * (keys sorted) when it has none; a temperature reading adds {@code #temperature-<n>}.
 *
 * <p>Documents from Kafka come through a trusted partner gateway, which acts for the organisations
 * of the network: the acting party is the gateway's user, the organisation that the event's
 * bizLocation (else readPoint) GLN maps to (else the gateway's own), and the role configured for
 * the step.
 */
public final class EpcisDecoder implements RecordDecoder {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper CANONICAL =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
  private static final List<String> SHIPMENT_TRANSACTION_TYPES = List.of("desadv", "bol", "po");

  /** Which lot a commissioned unit belongs to (the unit index); empty if no lot claimed it. */
  @FunctionalInterface
  public interface LotLookup {
    CompletionStage<Optional<String>> lotOf(String gtin, String serial);

    /** No index: an SGTIN without its lot is an unknown subject. */
    LotLookup NONE = (gtin, serial) -> CompletableFuture.completedFuture(Optional.empty());
  }

  private record Unit(String gtin, String serial) {}

  private final EpcisSettings settings;
  private final ActingParty gateway;
  private final LotLookup lots;

  /** A decoder that resolves lot-less SGTINs only through commissioning ilmd (no unit index). */
  public EpcisDecoder(EpcisSettings settings, ActingParty gateway) {
    this(settings, gateway, LotLookup.NONE);
  }

  /**
   * @param gateway the partner gateway that Kafka messages come from
   * @param lots where {@link #decodeAsync} finds the lot of a unit named by an SGTIN alone
   */
  public EpcisDecoder(EpcisSettings settings, ActingParty gateway, LotLookup lots) {
    this.settings = settings;
    this.gateway = gateway;
    this.lots = lots;
  }

  @Override
  public DecodedMessage decode(SourceRecord record) {
    return decode(record.value(), gateway, true, "EPCIS document at " + record.position(), Map.of());
  }

  @Override
  public CompletionStage<DecodedMessage> decodeAsync(SourceRecord record) {
    return decodeAsync(record.value(), gateway, true, "EPCIS document at " + record.position());
  }

  /**
   * Decodes a document captured by an authenticated {@code caller} (over HTTP): unlike the gateway,
   * the caller acts as itself in every event (its organisation, user and role, whatever the GLNs
   * say), and the batch's permissions decide which events it may record.
   */
  public DecodedMessage decode(byte[] document, ActingParty caller, String label) {
    return decode(document, caller, false, label, Map.of());
  }

  /**
   * As {@link #decode(byte[], ActingParty, String)}, after looking up the lots of the units that
   * SGTINs name without one (outside commissioning, which gives the lot itself).
   */
  public CompletionStage<DecodedMessage> decodeAsync(byte[] document, ActingParty caller, String label) {
    return decodeAsync(document, caller, false, label);
  }

  private CompletionStage<DecodedMessage> decodeAsync(byte[] document, ActingParty actor, boolean asGateway, String label) {
    Set<Unit> wanted = unitsWithoutLot(document);
    if (wanted.isEmpty()) {
      return CompletableFuture.completedFuture(decode(document, actor, asGateway, label, Map.of()));
    }
    Map<Unit, String> found = new ConcurrentHashMap<>();
    CompletableFuture<?>[] lookups =
        wanted.stream()
            .map(unit -> lots.lotOf(unit.gtin(), unit.serial()).thenAccept(lot -> lot.ifPresent(l -> found.put(unit, l))).toCompletableFuture())
            .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(lookups).thenApply(all -> decode(document, actor, asGateway, label, Map.copyOf(found)));
  }

  /** The SGTIN units without a lot in events other than commissioning; none if the document does not parse. */
  private static Set<Unit> unitsWithoutLot(byte[] document) {
    Set<Unit> units = new HashSet<>();
    try {
      for (JsonNode event : events(JSON.readTree(document))) {
        if (BizStep.parse(text(event, "bizStep").orElse(null)).equals(Optional.of(BizStep.COMMISSIONING))) {
          continue;
        }
        for (JsonNode epc : event.path("epcList")) {
          try {
            Gs1Identifiers.Item unit = Gs1Identifiers.instance(epc.asText());
            if (unit.lot().isEmpty()) {
              units.add(new Unit(unit.gtin(), unit.serial().orElseThrow()));
            }
          } catch (IllegalArgumentException malformed) {
            // decode() names it
          }
        }
      }
    } catch (IOException | RuntimeException unparseable) {
      // decode() names it
    }
    return units;
  }

  private static JsonNode events(JsonNode root) {
    JsonNode events = root == null ? null : root.path("epcisBody").path("eventList");
    if (events != null && events.isMissingNode()) {
      events = root.path("epcisBody").path("queryResults").path("resultsBody").path("eventList");
    }
    return events == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : events;
  }

  private DecodedMessage decode(byte[] document, ActingParty actor, boolean asGateway, String label, Map<Unit, String> knownLots) {
    JsonNode root;
    try {
      root = JSON.readTree(document);
    } catch (JsonProcessingException e) {
      return DecodedMessage.undecodable(label, DecodeFailure.MALFORMED, "not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      return DecodedMessage.undecodable(label, DecodeFailure.MALFORMED, "not JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      return DecodedMessage.undecodable(label, DecodeFailure.MALFORMED, "an EPCIS document is a JSON object");
    }
    JsonNode events = events(root);
    if (!events.isArray()) {
      return DecodedMessage.undecodable(label, DecodeFailure.MISSING_FIELD, "no epcisBody.eventList array");
    }
    if (events.isEmpty()) {
      return DecodedMessage.undecodable(label, DecodeFailure.MISSING_FIELD, "epcisBody.eventList is empty");
    }
    List<DecodedItem> items = new ArrayList<>();
    for (JsonNode event : events) {
      items.add(decodeEvent(event, actor, asGateway, knownLots));
    }
    return new DecodedMessage(items);
  }

  private DecodedItem decodeEvent(JsonNode event, ActingParty actor, boolean asGateway, Map<Unit, String> knownLots) {
    String eventId = eventId(event);
    String label = "event " + eventId;
    try {
      return new DecodedItem.Routable(label, commands(event, eventId, actor, asGateway, knownLots));
    } catch (Undecodable e) {
      return new DecodedItem.Undecodable(label, e.reason, e.getMessage());
    } catch (IllegalArgumentException e) {
      return new DecodedItem.Undecodable(label, DecodeFailure.INVALID_VALUE, e.getMessage());
    }
  }

  private List<RoutedCommand<?>> commands(
      JsonNode event, String eventId, ActingParty actor, boolean asGateway, Map<Unit, String> knownLots) {
    String type = text(event, "type").orElse(text(event, "isA").orElse(""));
    if (!type.equals("ObjectEvent")) {
      throw new Undecodable(DecodeFailure.UNSUPPORTED_MESSAGE_TYPE, "only ObjectEvents change drug batches, this is a " + (type.isEmpty() ? "event without type" : type));
    }
    Optional<BizStep> step = BizStep.parse(text(event, "bizStep").orElse(null));
    Map<BatchId, BatchPart> batches = batches(event, step, knownLots);
    List<Temperature> temperatures = temperatures(event);
    if (step.isEmpty() && temperatures.isEmpty()) {
      throw new Undecodable(
          DecodeFailure.UNSUPPORTED_MESSAGE_TYPE,
          "bizStep '" + text(event, "bizStep").orElse("") + "' does not change a drug batch and the event has no temperatures");
    }
    if (batches.isEmpty()) {
      throw new Undecodable(DecodeFailure.UNKNOWN_SUBJECT, "the event names no trade item (epcList or quantityList)");
    }
    String organisation = asGateway ? locationOrganisation(event).orElse(actor.organisation()) : actor.organisation();
    List<RoutedCommand<?>> commands = new ArrayList<>();
    if (step.isPresent()) {
      ActingParty party = asGateway ? new ActingParty(organisation, actor.user(), settings.roleFor(step.get())) : actor;
      for (Map.Entry<BatchId, BatchPart> batch : batches.entrySet()) {
        commands.add(lifecycleCommand(step.get(), event, eventId, batch.getKey(), batch.getValue(), party));
      }
    }
    ActingParty sensorParty = asGateway ? new ActingParty(organisation, actor.user(), settings.temperatureRole()) : actor;
    for (BatchId batch : batches.keySet()) {
      for (int i = 0; i < temperatures.size(); i++) {
        Temperature t = temperatures.get(i);
        String sourceId = eventId + "#temperature-" + (i + 1);
        commands.add(
            new RoutedCommand<>(
                DrugBatch.TYPE_KEY,
                batch.entityId(),
                sourceId,
                sensorParty,
                (reader, replyTo) -> new DrugBatch.RecordTemperature(t.sensorId(), t.measuredAt(), t.celsius(), reader, sourceId, replyTo),
                "temperature " + t.celsius() + " °C on batch " + batch.entityId()));
      }
    }
    return commands;
  }

  private RoutedCommand<DrugBatch.Command> lifecycleCommand(
      BizStep step, JsonNode event, String eventId, BatchId batch, BatchPart part, ActingParty party) {
    String id = batch.entityId();
    return switch (step) {
      case COMMISSIONING -> {
        Map<String, String> ilmd = ilmd(event);
        LocalDate expiry = date(ilmd.get("itemExpirationDate"), "ilmd itemExpirationDate");
        String qc = ilmd.get("qcReportSha256");
        if (qc == null) {
          throw new Undecodable(DecodeFailure.MISSING_FIELD, "commissioning needs the QC report's SHA-256 in ilmd qcReportSha256");
        }
        if (!Fields.isSha256Hex(qc)) {
          throw new Undecodable(DecodeFailure.INVALID_VALUE, "ilmd qcReportSha256 must be 64 lower-case hex digits");
        }
        // The product's name is master data, which events need not carry: the GTIN names it then.
        String product = firstPresent(ilmd, "productName", "descriptionShort", "tradeItemDescription").orElse("GTIN " + batch.gtin());
        DrugBatch.TemperatureRange range = DrugBatch.TemperatureRange.COLD_CHAIN;
        long quantity = part.quantity();
        List<String> serials = List.copyOf(part.serials());
        yield command(batch, eventId, "register batch " + id, party,
            (actor, replyTo) -> new DrugBatch.Register(product, expiry, quantity, qc, range, serials, actor, eventId, replyTo));
      }
      case SHIPPING -> {
        String from = partyOf(event, "sourceList", "source").orElse(party.organisation());
        String to = partyOf(event, "destinationList", "destination")
            .orElseThrow(() -> new Undecodable(DecodeFailure.MISSING_FIELD, "shipping needs a destinationList (owning_party or location)"));
        String shipment = shipmentId(event).orElse(eventId);
        yield command(batch, eventId, "ship batch " + id + " to " + to, party,
            (actor, replyTo) -> new DrugBatch.Ship(shipment, from, to, actor.organisation(), actor, eventId, replyTo));
      }
      case RECEIVING -> {
        String shipment = shipmentId(event)
            .orElseThrow(() -> new Undecodable(DecodeFailure.MISSING_FIELD, "receiving needs the shipment's bizTransaction (desadv, bol or po)"));
        long quantity = part.quantity();
        yield command(batch, eventId, "receive batch " + id, party,
            (actor, replyTo) -> new DrugBatch.Receive(shipment, quantity, actor, eventId, replyTo));
      }
      case DISPENSING -> {
        String patient = extension(event, "patientPseudonym")
            .orElseThrow(() -> new Undecodable(DecodeFailure.MISSING_FIELD, "dispensing needs the patient pseudonym (patientPseudonym)"));
        long quantity = part.quantity();
        List<String> serials = List.copyOf(part.serials());
        yield command(batch, eventId, "dispense " + quantity + " unit(s) of batch " + id, party,
            (actor, replyTo) -> new DrugBatch.Dispense(quantity, serials, patient, actor, eventId, replyTo));
      }
      case DESTROYING -> {
        String method = text(event, "disposition").map(EpcisDecoder::localName).orElse("destroyed");
        String reason = extension(event, "reason").orElse("EPCIS destroying event " + eventId);
        yield command(batch, eventId, "destroy batch " + id, party,
            (actor, replyTo) -> new DrugBatch.Destroy(method, reason, actor, eventId, replyTo));
      }
    };
  }

  private static RoutedCommand<DrugBatch.Command> command(
      BatchId batch,
      String sourceId,
      String description,
      ActingParty party,
      RoutedCommand.Factory<DrugBatch.Command> command) {
    return new RoutedCommand<>(DrugBatch.TYPE_KEY, batch.entityId(), sourceId, party, command, description);
  }

  /** What an event says about one batch: units by serial and counted quantities. */
  private static final class BatchPart {
    private final List<String> serials = new ArrayList<>();
    private long classQuantity;

    long quantity() {
      return serials.size() + classQuantity;
    }

    List<String> serials() {
      return serials;
    }
  }

  private Map<BatchId, BatchPart> batches(JsonNode event, Optional<BizStep> step, Map<Unit, String> knownLots) {
    Optional<String> ilmdLot =
        step.filter(s -> s == BizStep.COMMISSIONING).flatMap(s -> Optional.ofNullable(ilmd(event).get("lotNumber")));
    Map<BatchId, BatchPart> batches = new LinkedHashMap<>();
    for (JsonNode epc : event.path("epcList")) {
      Gs1Identifiers.Item unit = Gs1Identifiers.instance(epc.asText());
      String lot = unit.lot()
          .or(() -> ilmdLot)
          .or(() -> Optional.ofNullable(knownLots.get(new Unit(unit.gtin(), unit.serial().orElseThrow()))))
          .orElseThrow(() -> new Undecodable(
              DecodeFailure.UNKNOWN_SUBJECT,
              "'" + epc.asText() + "' names no lot and no commissioned lot holds it: give it as a Digital Link with /10/<lot>,"
                  + " or list the batch in quantityList"));
      batches.computeIfAbsent(batchId(unit.gtin(), lot), b -> new BatchPart()).serials.add(unit.serial().orElseThrow());
    }
    for (JsonNode element : event.path("quantityList")) {
      Gs1Identifiers.Item lotClass = Gs1Identifiers.lotClass(element.path("epcClass").asText());
      JsonNode quantity = element.path("quantity");
      if (!quantity.isNumber() || quantity.asDouble() < 1 || quantity.asDouble() != Math.rint(quantity.asDouble())) {
        throw new Undecodable(DecodeFailure.INVALID_VALUE, "quantity of " + element.path("epcClass").asText() + " must be a whole number of units, at least 1");
      }
      batches.computeIfAbsent(batchId(lotClass.gtin(), lotClass.lot().orElseThrow()), b -> new BatchPart()).classQuantity += quantity.asLong();
    }
    return batches;
  }

  private static BatchId batchId(String gtin, String lot) {
    try {
      return new BatchId(gtin, lot);
    } catch (IllegalArgumentException e) {
      throw new Undecodable(DecodeFailure.INVALID_VALUE, e.getMessage());
    }
  }

  private record Temperature(String sensorId, Instant measuredAt, double celsius) {}

  private static List<Temperature> temperatures(JsonNode event) {
    List<Temperature> readings = new ArrayList<>();
    Optional<String> eventTime = text(event, "eventTime");
    for (JsonNode element : event.path("sensorElementList")) {
      JsonNode metadata = element.path("sensorMetadata");
      for (JsonNode report : element.path("sensorReport")) {
        if (!localName(report.path("type").asText()).equals("Temperature")) {
          continue;
        }
        JsonNode value = report.path("value");
        Optional<Double> celsius = value.isNumber()
            ? SensorReadingDecoder.celsius(value.asDouble(), report.path("uom").asText("CEL"))
            : Optional.empty();
        if (celsius.isEmpty()) {
          throw new Undecodable(DecodeFailure.INVALID_VALUE, "a Temperature sensor report needs a numeric value in CEL, FAH or KEL, was " + report);
        }
        String time = text(report, "time").or(() -> text(metadata, "time")).or(() -> eventTime)
            .orElseThrow(() -> new Undecodable(DecodeFailure.MISSING_FIELD, "a temperature without time (sensorReport, sensorMetadata or eventTime)"));
        String sensor = text(report, "deviceID").or(() -> text(metadata, "deviceID")).orElse("epcis-sensor");
        readings.add(new Temperature(sensor, instant(time), celsius.get()));
      }
    }
    return readings;
  }

  private Optional<String> locationOrganisation(JsonNode event) {
    return Gs1Identifiers.gln(event.path("bizLocation").path("id").asText(null))
        .or(() -> Gs1Identifiers.gln(event.path("readPoint").path("id").asText(null)))
        .map(settings.organisationsByGln()::get);
  }

  /** The organisation at one end of a shipment: the owning party, else the location, mapped by GLN. */
  private Optional<String> partyOf(JsonNode event, String list, String field) {
    Optional<String> location = Optional.empty();
    for (JsonNode end : event.path(list)) {
      String type = localName(end.path("type").asText());
      Optional<String> gln = Gs1Identifiers.gln(end.path(field).asText(null));
      if (gln.isEmpty()) {
        continue;
      }
      String organisation = settings.organisationsByGln().getOrDefault(gln.get(), "gln:" + gln.get());
      if (type.equals("owning_party")) {
        return Optional.of(organisation);
      }
      if (type.equals("location") && location.isEmpty()) {
        location = Optional.of(organisation);
      }
    }
    return location;
  }

  private static Optional<String> shipmentId(JsonNode event) {
    for (String wanted : SHIPMENT_TRANSACTION_TYPES) {
      for (JsonNode transaction : event.path("bizTransactionList")) {
        if (localName(transaction.path("type").asText()).equals(wanted) && !transaction.path("bizTransaction").asText().isBlank()) {
          return Optional.of(transaction.path("bizTransaction").asText());
        }
      }
    }
    return Optional.empty();
  }

  /** The event's ilmd fields by local name (a JSON-LD prefix such as {@code cbvmda:} dropped). */
  private static Map<String, String> ilmd(JsonNode event) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : event.path("ilmd").properties()) {
      if (field.getValue().isValueNode()) {
        fields.put(localName(field.getKey()), field.getValue().asText());
      }
    }
    return fields;
  }

  /** A user extension field of the event, by local name, under any namespace prefix. */
  private static Optional<String> extension(JsonNode event, String name) {
    for (Map.Entry<String, JsonNode> field : event.properties()) {
      if (field.getKey().contains(":") && localName(field.getKey()).equals(name) && field.getValue().isTextual()
          && !field.getValue().asText().isBlank()) {
        return Optional.of(field.getValue().asText());
      }
    }
    return Optional.empty();
  }

  private static Optional<String> firstPresent(Map<String, String> fields, String... names) {
    for (String name : names) {
      String value = fields.get(name);
      if (value != null && !value.isBlank()) {
        return Optional.of(value);
      }
    }
    return Optional.empty();
  }

  /** The event's eventID, else {@code sha256:} and the SHA-256 of its canonical JSON. */
  static String eventId(JsonNode event) {
    Optional<String> declared = text(event, "eventID");
    if (declared.isPresent()) {
      return declared.get();
    }
    try {
      Object plain = CANONICAL.treeToValue(event, Object.class);
      return "sha256:" + Fingerprints.sha256Hex(CANONICAL.writeValueAsString(plain).getBytes(StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a parsed JSON tree always serialises", e);
    }
  }

  private static LocalDate date(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new Undecodable(DecodeFailure.MISSING_FIELD, "commissioning needs " + field);
    }
    try {
      return LocalDate.parse(value.length() > 10 ? value.substring(0, 10) : value);
    } catch (DateTimeParseException e) {
      throw new Undecodable(DecodeFailure.INVALID_VALUE, field + " '" + value + "' is not an ISO date");
    }
  }

  private static Instant instant(String value) {
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      throw new Undecodable(DecodeFailure.INVALID_VALUE, "'" + value + "' is not a date-time with offset");
    }
  }

  private static Optional<String> text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isValueNode() && !value.asText().isBlank() ? Optional.of(value.asText()) : Optional.empty();
  }

  /** "urn:epcglobal:cbv:sdt:owning_party" → "owning_party", "gs1:Temperature" → "Temperature". */
  private static String localName(String value) {
    int cut = Math.max(value.lastIndexOf(':'), Math.max(value.lastIndexOf('/'), value.lastIndexOf('-')));
    String local = cut < 0 ? value : value.substring(cut + 1);
    return local;
  }

  /** Why an event cannot be decoded; caught per event so that one bad event spoils no other. */
  private static final class Undecodable extends RuntimeException {
    final DecodeFailure reason;

    Undecodable(DecodeFailure reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }
  }
}
