package org.medtrace.http;

import static org.medtrace.http.Call.required;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.medtrace.actors.device.DeviceId;
import org.medtrace.actors.device.MedicalDevice;
import org.medtrace.actors.ledger.ActingParty;

/**
 * Medical devices: registration, installation, usage, faults, maintenance, decommissioning; state,
 * trail and verification. The device id (its UDI, or {@code <manufacturer>/<serial>}) is one path
 * segment, percent-encoded ({@code /} as {@code %2F}).
 */
final class DeviceEndpoints {

  static final String BASE = "/api/v1/devices";
  static final String ONE = BASE + "/{deviceId}";

  /** Register a device; without {@code deviceId} it is {@code <caller's organisation>/<serialNumber>}. */
  record RegisterDeviceRequest(String deviceId, String model, String serialNumber, String factoryTestReportSha256) {}

  record InstallationRequest(String facility, String department, String responsiblePerson) {}

  record UsageRequest(Double hours) {}

  record FaultRequest(String code, String description) {}

  /** {@code result} is {@code passed} or {@code failed}. */
  record MaintenanceRequest(List<String> parts, String result, String notes) {}

  record DecommissioningRequest(String reason, String disposalMethod) {}

  record DeviceView(
      String deviceId,
      String status,
      String model,
      String serialNumber,
      String manufacturer,
      String factoryTestReportSha256,
      Optional<Instant> registeredAt,
      String facility,
      String department,
      String responsiblePerson,
      Optional<Instant> installedAt,
      long installations,
      double totalHours,
      double hoursSinceMaintenance,
      double maintenanceIntervalHours,
      boolean maintenanceOverdue,
      long usageReports,
      long faultCount,
      Optional<MedicalDevice.Fault> lastFault,
      Optional<MedicalDevice.Maintenance> lastMaintenance,
      Optional<MedicalDevice.Decommissioning> decommissioning,
      long useAttemptsAfterDecommission,
      long sequenceNumber,
      String headHash,
      Optional<String> brokenChain) {

    static DeviceView of(String id, MedicalDevice.State s) {
      return new DeviceView(
          id,
          s.status().name(),
          s.model(),
          s.serialNumber(),
          s.manufacturer(),
          s.factoryTestReportSha256(),
          s.registeredAt(),
          s.facility(),
          s.department(),
          s.responsiblePerson(),
          s.installedAt(),
          s.installations(),
          s.totalHours(),
          s.hoursSinceMaintenance(),
          s.maintenanceIntervalHours(),
          s.isMaintenanceOverdue(),
          s.usageReports(),
          s.faultCount(),
          s.lastFault(),
          s.lastMaintenance(),
          s.decommissioning(),
          s.useAttemptsAfterDecommission(),
          s.head().sequenceNumber(),
          s.head().hashHex(),
          s.brokenChain());
    }
  }

  private final Ledger ledger;
  private final LedgerQueries queries;

  DeviceEndpoints(Ledger ledger, LedgerQueries queries) {
    this.ledger = ledger;
    this.queries = queries;
  }

  List<Endpoint> endpoints() {
    return List.of(
        Endpoint.secured("POST", BASE, "registerDevice", AccessRules.writers(MedicalDevice.PERMISSIONS, MedicalDevice.Register.class), this::register),
        write("installation", "installDevice", MedicalDevice.Install.class, InstallationRequest.class,
            (r, party, source) -> replyTo -> new MedicalDevice.Install(r.facility(), r.department(), r.responsiblePerson(), party, source, replyTo)),
        write("usage", "reportDeviceUsage", MedicalDevice.ReportUsage.class, UsageRequest.class,
            (r, party, source) -> {
              double hours = required("hours", r.hours());
              return replyTo -> new MedicalDevice.ReportUsage(hours, party, source, replyTo);
            }),
        write("faults", "reportDeviceFault", MedicalDevice.ReportFault.class, FaultRequest.class,
            (r, party, source) -> replyTo -> new MedicalDevice.ReportFault(r.code(), r.description() == null ? "" : r.description(), party, source, replyTo)),
        write("maintenance", "recordDeviceMaintenance", MedicalDevice.PerformMaintenance.class, MaintenanceRequest.class,
            (r, party, source) -> {
              MedicalDevice.MaintenanceResult result = maintenanceResult(required("result", r.result()));
              if (r.parts() != null && r.parts().contains(null)) {
                throw Problem.invalidField("parts", "parts must not contain null");
              }
              List<String> parts = r.parts() == null ? List.of() : List.copyOf(r.parts());
              return replyTo -> new MedicalDevice.PerformMaintenance(parts, result, r.notes(), party, source, replyTo);
            }),
        write("decommissioning", "decommissionDevice", MedicalDevice.Decommission.class, DecommissioningRequest.class,
            (r, party, source) -> replyTo -> new MedicalDevice.Decommission(r.reason(), r.disposalMethod(), party, source, replyTo)),
        Endpoint.secured("GET", ONE, "getDevice", AccessRules.DEVICE_READERS, this::state),
        Endpoint.secured("GET", ONE + "/trail", "getDeviceTrail", AccessRules.DEVICE_READERS, this::trail),
        Endpoint.secured("GET", ONE + "/verify", "verifyDevice", AccessRules.DEVICE_READERS, this::verify));
  }

  private <B> Endpoint write(
      String action, String operationId, Class<?> command, Class<B> requestType, Ledger.CommandFactory<B, MedicalDevice.Command> factory) {
    return ledger.actionEndpoint(
        ONE, action, operationId, MedicalDevice.PERMISSIONS, command, requestType, MedicalDevice.TYPE_KEY, call -> deviceId(call.path("deviceId"), "deviceId"), factory, this::describeState);
  }

  private CompletionStage<ApiResponse> register(Call call) {
    RegisterDeviceRequest r = call.body(RegisterDeviceRequest.class);
    ActingParty party = call.callerOrFail().party();
    String id;
    if (r.deviceId() != null) {
      id = deviceId(r.deviceId(), "deviceId");
    } else {
      try {
        id = DeviceId.of(party.organisation(), required("serialNumber", r.serialNumber())).entityId();
      } catch (IllegalArgumentException e) {
        throw Problem.invalidField("deviceId", "no deviceId was given, and none can be made from organisation and serial: " + e.getMessage());
      }
    }
    return ledger.write(
        MedicalDevice.TYPE_KEY,
        id,
        replyTo -> new MedicalDevice.Register(r.model(), r.serialNumber(), r.factoryTestReportSha256(), party, call.sourceMessageId(), replyTo),
        Optional.of(BASE + "/" + PathSegments.encode(id)),
        this::describeState);
  }

  private CompletionStage<ApiResponse> state(Call call) {
    String id = deviceId(call.path("deviceId"), "deviceId");
    return registered(id).thenApply(state -> ApiResponse.ok(DeviceView.of(id, state)));
  }

  private CompletionStage<ApiResponse> trail(Call call) {
    String id = deviceId(call.path("deviceId"), "deviceId");
    return registered(id).thenCompose(state -> queries.trail(MedicalDevice.ENTITY_TYPE, id, state.head().sequenceNumber(), call));
  }

  private CompletionStage<ApiResponse> verify(Call call) {
    return queries.verify(MedicalDevice.ENTITY_TYPE, deviceId(call.path("deviceId"), "deviceId"));
  }

  private CompletionStage<MedicalDevice.State> registered(String id) {
    return ledger.<MedicalDevice.Command, MedicalDevice.State>ask(MedicalDevice.TYPE_KEY, id, MedicalDevice.Get::new)
        .thenApply(
            state -> {
              if (!state.isRegistered()) {
                throw new Problem(Problem.Type.NOT_FOUND, "medical device " + id + " is not registered");
              }
              return state;
            });
  }

  private CompletionStage<Optional<String>> describeState(String id) {
    return ledger.<MedicalDevice.Command, MedicalDevice.State>ask(MedicalDevice.TYPE_KEY, id, MedicalDevice.Get::new)
        .thenApply(s -> Optional.of(s.status().name()));
  }

  static String deviceId(String value, String field) {
    Optional<String> problem = DeviceId.problem(value);
    if (problem.isPresent()) {
      throw Problem.invalidField(field, problem.get());
    }
    return value;
  }

  private static MedicalDevice.MaintenanceResult maintenanceResult(String value) {
    try {
      return MedicalDevice.MaintenanceResult.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw Problem.invalidField("result", "field 'result' must be 'passed' or 'failed', was '" + value + "'");
    }
  }
}
