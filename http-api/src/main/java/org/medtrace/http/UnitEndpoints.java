package org.medtrace.http;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.medtrace.actors.batch.BatchId;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.batch.UnitIndex;

/**
 * Unit verification before dispensing: which batch a unit (GTIN + serial) belongs to, and whether
 * it may be used. It reads the unit index and the batch; it writes nothing.
 */
final class UnitEndpoints {

  /** What a unit's verification says; {@code status} is the pharmacist's answer, {@code reason} why. */
  enum UnitStatus {
    USABLE("usable"),
    QUARANTINED("quarantined"),
    RECALLED("recalled"),
    DESTROYED("destroyed"),
    EXPIRED("expired"),
    ALREADY_DISPENSED("already-dispensed"),
    UNKNOWN("unknown");

    final String wireName;

    UnitStatus(String wireName) {
      this.wireName = wireName;
    }
  }

  record BatchSummary(
      String lot, String status, String productName, LocalDate expiryDate, String manufacturer, String custodian) {}

  /**
   * @param suspectedDuplicate the serial was dispensed and then scanned for dispensing again: a
   *     counterfeit or a copied code
   */
  record UnitVerification(
      String gtin,
      String serial,
      String status,
      String reason,
      boolean suspectedDuplicate,
      Optional<BatchSummary> batch,
      Optional<Instant> dispensedAt,
      Optional<Long> dispensedSequenceNumber) {}

  private final UnitIndex unitIndex;
  private final Ledger ledger;
  private final Clock clock;

  UnitEndpoints(UnitIndex unitIndex, Ledger ledger, Clock clock) {
    this.unitIndex = unitIndex;
    this.ledger = ledger;
    this.clock = clock;
  }

  List<Endpoint> endpoints() {
    return List.of(Endpoint.secured("GET", "/api/v1/units/{gtin}/{serial}", "verifyUnit", AccessRules.UNIT_VERIFIERS, this::verify));
  }

  private CompletionStage<ApiResponse> verify(Call call) {
    String gtin;
    try {
      gtin = BatchId.normaliseGtin(call.path("gtin"));
    } catch (IllegalArgumentException e) {
      throw Problem.invalidField("gtin", e.getMessage());
    }
    String serial = call.path("serial");
    return unitIndex
        .lotOf(gtin, serial)
        .thenCompose(
            lot -> {
              if (lot.isEmpty()) {
                return CompletableFuture.completedFuture(
                    unknown(gtin, serial, "no batch of GTIN " + gtin + " was registered with unit serial " + serial));
              }
              BatchId id = new BatchId(gtin, lot.get());
              return ledger.<DrugBatch.Command, DrugBatch.State>ask(DrugBatch.TYPE_KEY, id.entityId(), DrugBatch.Get::new)
                  .thenApply(state -> state.isRegistered()
                      ? ApiResponse.ok(verification(gtin, serial, id, state, clock.instant()))
                      : unknown(gtin, serial, "unit serial " + serial + " was claimed for lot " + lot.get() + ", which is not registered"));
            });
  }

  private static ApiResponse unknown(String gtin, String serial, String reason) {
    return ApiResponse.ok(
        new UnitVerification(gtin, serial, UnitStatus.UNKNOWN.wireName, reason, false, Optional.empty(), Optional.empty(), Optional.empty()));
  }

  static UnitVerification verification(String gtin, String serial, BatchId id, DrugBatch.State state, Instant now) {
    DrugBatch.DispensedUnit dispensed = state.dispensedUnits().get(serial);
    boolean duplicate = state.duplicateScannedUnits().contains(serial);
    UnitStatus status;
    String reason;
    if (dispensed != null) {
      status = UnitStatus.ALREADY_DISPENSED;
      reason =
          "dispensed at " + dispensed.dispensedAt() + " (event #" + dispensed.sequenceNumber() + ")"
              + (duplicate ? "; it was scanned for dispensing again since: suspected duplicate" : "");
    } else if (state.status() == DrugBatch.Status.RECALLED) {
      status = UnitStatus.RECALLED;
      reason = "batch " + id.entityId() + " is recalled: " + state.statusReason();
    } else if (state.status() == DrugBatch.Status.DESTROYED) {
      status = UnitStatus.DESTROYED;
      reason = "batch " + id.entityId() + " was destroyed: " + state.statusReason();
    } else if (state.status() == DrugBatch.Status.QUARANTINED) {
      status = UnitStatus.QUARANTINED;
      reason = "batch " + id.entityId() + " is quarantined: " + state.statusReason();
    } else if (state.isExpiredAt(now)) {
      status = UnitStatus.EXPIRED;
      reason = "batch " + id.entityId() + " expired on " + state.expiryDate();
    } else {
      status = UnitStatus.USABLE;
      reason = "batch " + id.entityId() + " is " + state.status() + ", held by " + state.custodian() + ", expires " + state.expiryDate();
    }
    return new UnitVerification(
        gtin,
        serial,
        status.wireName,
        reason,
        duplicate,
        Optional.of(
            new BatchSummary(id.lot(), state.status().name(), state.productName(), state.expiryDate(), state.manufacturer(), state.custodian())),
        Optional.ofNullable(dispensed).map(DrugBatch.DispensedUnit::dispensedAt),
        Optional.ofNullable(dispensed).map(DrugBatch.DispensedUnit::sequenceNumber));
  }
}
