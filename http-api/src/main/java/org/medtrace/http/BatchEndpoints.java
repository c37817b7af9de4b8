package org.medtrace.http;

import static org.medtrace.http.Call.required;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.medtrace.actors.batch.BatchId;
import org.medtrace.actors.batch.BatchRegistration;
import org.medtrace.actors.batch.DrugBatch;

/** Drug batches: registration, the lifecycle actions, state, trail and verification. */
final class BatchEndpoints {

  static final String BASE = "/api/v1/batches";
  static final String ONE = BASE + "/{gtin}/{lot}";

  /**
   * Register a batch; the manufacturer is the caller's organisation. Without a range, 2..8 °C.
   * {@code unitSerials}: the serials of the units commissioned with it, indexed for unit verification.
   */
  record RegisterBatchRequest(
      String gtin,
      String lot,
      String productName,
      LocalDate expiryDate,
      Long quantity,
      String qcReportSha256,
      Double minCelsius,
      Double maxCelsius,
      List<String> unitSerials) {}

  record ShipmentRequest(String shipmentId, String fromOrganisation, String toOrganisation, String carrier) {}

  record ReceiptRequest(String shipmentId, Long quantity) {}

  record TemperatureReadingRequest(String sensorId, Instant measuredAt, Double celsius) {}

  record DispensationRequest(Long quantity, List<String> unitSerials, String patientPseudonym) {}

  record ReasonRequest(String reason) {}

  record DestructionRequest(String method, String reason) {}

  /** A batch as the API shows it (without its per-unit dispense index). */
  record BatchView(
      String gtin,
      String lot,
      String status,
      String statusReason,
      String productName,
      LocalDate expiryDate,
      boolean expired,
      String manufacturer,
      String custodian,
      long registeredQuantity,
      long stock,
      long receivedTotal,
      long dispensedTotal,
      double minCelsius,
      double maxCelsius,
      Optional<DrugBatch.Shipment> shipment,
      long readingsRecorded,
      List<DrugBatch.Reading> currentExcursions,
      long suspectedDuplicateScans,
      String qcReportSha256,
      long sequenceNumber,
      String headHash,
      Optional<String> brokenChain) {

    static BatchView of(BatchId id, DrugBatch.State s, Instant now) {
      return new BatchView(
          id.gtin(),
          id.lot(),
          s.status().name(),
          s.statusReason(),
          s.productName(),
          s.expiryDate(),
          s.isExpiredAt(now),
          s.manufacturer(),
          s.custodian(),
          s.registeredQuantity(),
          s.stock(),
          s.receivedTotal(),
          s.dispensedTotal(),
          s.temperatureRange().minCelsius(),
          s.temperatureRange().maxCelsius(),
          s.shipment(),
          s.readingsRecorded(),
          s.excursions(),
          s.suspectedDuplicateScans(),
          s.qcReportSha256(),
          s.head().sequenceNumber(),
          s.head().hashHex(),
          s.brokenChain());
    }
  }

  private final Ledger ledger;
  private final LedgerQueries queries;
  private final BatchRegistration registrations;
  private final Clock clock;

  BatchEndpoints(Ledger ledger, LedgerQueries queries, BatchRegistration registrations, Clock clock) {
    this.ledger = ledger;
    this.queries = queries;
    this.registrations = registrations;
    this.clock = clock;
  }

  List<Endpoint> endpoints() {
    var permissions = DrugBatch.PERMISSIONS;
    return List.of(
        Endpoint.secured("POST", BASE, "registerBatch", AccessRules.writers(permissions, DrugBatch.Register.class), this::register),
        write("shipments", "shipBatch", DrugBatch.Ship.class, ShipmentRequest.class,
            (r, party, source) -> replyTo -> new DrugBatch.Ship(r.shipmentId(), r.fromOrganisation(), r.toOrganisation(), r.carrier(), party, source, replyTo)),
        write("receipts", "receiveBatch", DrugBatch.Receive.class, ReceiptRequest.class,
            (r, party, source) -> {
              long quantity = required("quantity", r.quantity());
              return replyTo -> new DrugBatch.Receive(r.shipmentId(), quantity, party, source, replyTo);
            }),
        write("temperature-readings", "recordTemperature", DrugBatch.RecordTemperature.class, TemperatureReadingRequest.class,
            (r, party, source) -> {
              Instant measuredAt = required("measuredAt", r.measuredAt());
              double celsius = required("celsius", r.celsius());
              return replyTo -> new DrugBatch.RecordTemperature(r.sensorId(), measuredAt, celsius, party, source, replyTo);
            }),
        write("dispensations", "dispenseUnits", DrugBatch.Dispense.class, DispensationRequest.class,
            (r, party, source) -> {
              long quantity = required("quantity", r.quantity());
              if (r.unitSerials() != null && r.unitSerials().contains(null)) {
                throw Problem.invalidField("unitSerials", "unit serials must not be null");
              }
              List<String> serials = r.unitSerials() == null ? List.of() : List.copyOf(r.unitSerials());
              return replyTo -> new DrugBatch.Dispense(quantity, serials, r.patientPseudonym(), party, source, replyTo);
            }),
        write("quarantine", "quarantineBatch", DrugBatch.Quarantine.class, ReasonRequest.class,
            (r, party, source) -> replyTo -> new DrugBatch.Quarantine(r.reason(), party, source, replyTo)),
        write("release", "releaseBatch", DrugBatch.Release.class, ReasonRequest.class,
            (r, party, source) -> replyTo -> new DrugBatch.Release(r.reason(), party, source, replyTo)),
        write("recall", "recallBatch", DrugBatch.Recall.class, ReasonRequest.class,
            (r, party, source) -> replyTo -> new DrugBatch.Recall(r.reason(), party, source, replyTo)),
        write("destruction", "destroyBatch", DrugBatch.Destroy.class, DestructionRequest.class,
            (r, party, source) -> replyTo -> new DrugBatch.Destroy(r.method(), r.reason(), party, source, replyTo)),
        Endpoint.secured("GET", ONE, "getBatch", AccessRules.BATCH_READERS, this::state),
        Endpoint.secured("GET", ONE + "/trail", "getBatchTrail", AccessRules.BATCH_READERS, this::trail),
        Endpoint.secured("GET", ONE + "/verify", "verifyBatch", AccessRules.BATCH_READERS, this::verify));
  }

  private <B> Endpoint write(
      String action, String operationId, Class<?> command, Class<B> requestType, Ledger.CommandFactory<B, DrugBatch.Command> factory) {
    return ledger.actionEndpoint(
        ONE, action, operationId, DrugBatch.PERMISSIONS, command, requestType, DrugBatch.TYPE_KEY, call -> batchId(call).entityId(), factory, this::describeState);
  }

  private CompletionStage<ApiResponse> register(Call call) {
    RegisterBatchRequest r = call.body(RegisterBatchRequest.class);
    BatchId id = batchId(required("gtin", r.gtin()), required("lot", r.lot()));
    DrugBatch.TemperatureRange range;
    if (r.minCelsius() == null && r.maxCelsius() == null) {
      range = DrugBatch.TemperatureRange.COLD_CHAIN;
    } else {
      range = new DrugBatch.TemperatureRange(required("minCelsius", r.minCelsius()), required("maxCelsius", r.maxCelsius()));
    }
    LocalDate expiryDate = required("expiryDate", r.expiryDate());
    long quantity = required("quantity", r.quantity());
    if (r.unitSerials() != null && r.unitSerials().contains(null)) {
      throw Problem.invalidField("unitSerials", "unit serials must not be null");
    }
    BatchRegistration.Registration registration =
        new BatchRegistration.Registration(
            r.productName(),
            expiryDate,
            quantity,
            r.qcReportSha256(),
            range,
            r.unitSerials(),
            call.callerOrFail().party(),
            call.sourceMessageId());
    // Through the ledger's breaker, as every other write: while Cassandra is out, a registration is
    // answered at once (503, nothing sent) instead of each one waiting for its own timeout.
    return ledger.outcome(
        ledger.guarded(() -> registrations.register(id, registration)),
        id.entityId(),
        Optional.of(BASE + "/" + id.gtin() + "/" + id.lot()),
        this::describeState);
  }

  private CompletionStage<ApiResponse> state(Call call) {
    BatchId id = batchId(call);
    return registered(id).thenApply(state -> ApiResponse.ok(BatchView.of(id, state, clock.instant())));
  }

  private CompletionStage<ApiResponse> trail(Call call) {
    BatchId id = batchId(call);
    return registered(id)
        .thenCompose(state -> queries.trail(DrugBatch.ENTITY_TYPE, id.entityId(), state.head().sequenceNumber(), call));
  }

  private CompletionStage<ApiResponse> verify(Call call) {
    return queries.verify(DrugBatch.ENTITY_TYPE, batchId(call).entityId());
  }

  /** The state of a registered batch; an unregistered one is a 404. */
  CompletionStage<DrugBatch.State> registered(BatchId id) {
    return ledger.<DrugBatch.Command, DrugBatch.State>ask(DrugBatch.TYPE_KEY, id.entityId(), DrugBatch.Get::new)
        .thenApply(
            state -> {
              if (!state.isRegistered()) {
                throw new Problem(Problem.Type.NOT_FOUND, "drug batch " + id.entityId() + " is not registered");
              }
              return state;
            });
  }

  private CompletionStage<Optional<String>> describeState(String entityId) {
    return ledger.<DrugBatch.Command, DrugBatch.State>ask(DrugBatch.TYPE_KEY, entityId, DrugBatch.Get::new)
        .thenApply(s -> Optional.of(s.status().name() + (s.statusReason().isEmpty() ? "" : " (" + s.statusReason() + ")")));
  }

  static BatchId batchId(Call call) {
    return batchId(call.path("gtin"), call.path("lot"));
  }

  static BatchId batchId(String gtin, String lot) {
    String gtin14;
    try {
      gtin14 = BatchId.normaliseGtin(gtin);
    } catch (IllegalArgumentException e) {
      throw Problem.invalidField("gtin", e.getMessage());
    }
    try {
      return new BatchId(gtin14, lot);
    } catch (IllegalArgumentException e) {
      throw Problem.invalidField("lot", e.getMessage());
    }
  }
}
