package org.medtrace.actors.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.actors.ledger.EntityTestSupport.NOW;
import static org.medtrace.actors.ledger.EntityTestSupport.assertAccepted;
import static org.medtrace.actors.ledger.EntityTestSupport.assertIntact;
import static org.medtrace.actors.ledger.EntityTestSupport.assertRejected;
import static org.medtrace.actors.ledger.EntityTestSupport.party;
import static org.medtrace.actors.ledger.EntityTestSupport.storedEvents;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.medtrace.actors.device.MedicalDevice.MaintenanceResult;
import org.medtrace.actors.device.MedicalDevice.Status;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.actors.ledger.EntityTestSupport;
import org.medtrace.actors.ledger.LedgerSettings;
import org.medtrace.actors.ledger.Rejection;
import org.medtrace.actors.ledger.Role;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.JournalRecord;
import org.medtrace.persistence.chain.VerificationResult;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MedicalDeviceTest {

  private static final String REPORT = "a1".repeat(32);
  private static final String MODEL = "Ventilator-V9";
  private static final String PUMP = "InfusionPump-X2";
  private static final ActingParty MANUFACTURER = party(Role.MANUFACTURER, "medequip");
  private static final ActingParty HOSPITAL = party(Role.HOSPITAL, "st-mary");
  private static final ActingParty ENGINEER = party(Role.DEVICE_ENGINEER, "st-mary", "e.wong@st-mary");
  private static final ActingParty CLINICIAN = party(Role.CLINICIAN, "st-mary");
  private static final ActingParty REGULATOR = party(Role.REGULATOR, "health-authority");
  private static final ActingParty PHARMACIST = party(Role.PHARMACIST, "st-mary");
  private static final ActingParty PATIENT = party(Role.PATIENT, "self");

  private final ActorTestKit testKit = EntityTestSupport.testKit();
  private final AtomicInteger serials = new AtomicInteger();

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  private record Device(String entityId, EventSourcedBehaviorTestKit<MedicalDevice.Command, JournalRecord, MedicalDevice.State> kit) {
    CommandResult register(ActingParty party) {
      return register(party, MODEL);
    }

    CommandResult register(ActingParty party, String model) {
      return kit.<CommandResult>runCommand(r -> new MedicalDevice.Register(model, "SN-" + entityId, REPORT, party, "", r)).reply();
    }

    CommandResult install(ActingParty party, String facility, String department) {
      return install(party, facility, department, "dr.li");
    }

    CommandResult install(ActingParty party, String facility, String department, String responsible) {
      return kit.<CommandResult>runCommand(r -> new MedicalDevice.Install(facility, department, responsible, party, "", r)).reply();
    }

    CommandResult usage(ActingParty party, double hours) {
      return kit.<CommandResult>runCommand(r -> new MedicalDevice.ReportUsage(hours, party, "", r)).reply();
    }

    CommandResult usage(double hours) {
      return usage(CLINICIAN, hours);
    }

    CommandResult fault(ActingParty party, String code) {
      return kit.<CommandResult>runCommand(r -> new MedicalDevice.ReportFault(code, "pressure sensor drift", party, "", r)).reply();
    }

    CommandResult maintain(ActingParty party, MaintenanceResult result) {
      return maintain(party, List.of("filter"), result, result == MaintenanceResult.FAILED ? "valve leaks" : "");
    }

    CommandResult maintain(ActingParty party, List<String> parts, MaintenanceResult result, String notes) {
      return kit.<CommandResult>runCommand(r -> new MedicalDevice.PerformMaintenance(parts, result, notes, party, "", r)).reply();
    }

    CommandResult decommission(ActingParty party) {
      return kit.<CommandResult>runCommand(r -> new MedicalDevice.Decommission("end of life", "certified e-waste recycler", party, "", r))
          .reply();
    }

    MedicalDevice.State state() {
      return kit.getState();
    }

    List<ChainedEvent> events() {
      return storedEvents(kit, MedicalDevice.ENTITY_TYPE, entityId);
    }

    EventBody event(long sequenceNumber) {
      return events().get((int) sequenceNumber - 1).body();
    }

    VerificationResult.Intact assertChainIntact() {
      return assertIntact(kit, MedicalDevice.ENTITY_TYPE, entityId);
    }

    /** Registered by medequip and installed at st-mary's ICU: usage can be reported. */
    Device installed() {
      assertAccepted(register(MANUFACTURER));
      assertAccepted(install(HOSPITAL, "st-mary", "ICU"));
      return this;
    }
  }

  private Device newDevice() {
    return newDevice(EntityTestSupport.settings(10), MedicalDevice.Rules.defaults());
  }

  private Device newDevice(LedgerSettings settings, MedicalDevice.Rules rules) {
    String entityId = DeviceId.of("medequip", "SN" + serials.incrementAndGet()).entityId();
    return newDevice(entityId, settings, rules);
  }

  private Device newDevice(String entityId, LedgerSettings settings, MedicalDevice.Rules rules) {
    return new Device(entityId, EventSourcedBehaviorTestKit.create(testKit.system(), MedicalDevice.create(entityId, settings, rules)));
  }

  private static void assertStored(Device device, int expectedLength) {
    assertEquals(expectedLength, device.events().size());
  }

  private static Set<String> tags(ChainedEvent event) {
    return MedicalDevice.create("x/y", EntityTestSupport.settings(10), MedicalDevice.Rules.defaults()).tagsFor(event);
  }

  private static void assertMentions(CommandResult.Rejected rejected, String... fragments) {
    for (String fragment : fragments) {
      assertTrue(rejected.message().contains(fragment), () -> "'" + rejected.message() + "' does not mention " + fragment);
    }
  }

  // ---- lifecycle ----

  @Test
  void walksFromRegistrationToDecommissioningOnAnIntactChain() {
    Device device = newDevice().installed();
    assertAccepted(device.usage(120.5));
    assertAccepted(device.fault(CLINICIAN, "E-17"));
    assertAccepted(device.maintain(ENGINEER, MaintenanceResult.PASSED));
    assertAccepted(device.usage(10));
    CommandResult.Accepted last = assertAccepted(device.decommission(HOSPITAL));

    MedicalDevice.State state = device.state();
    assertEquals(Status.DECOMMISSIONED, state.status());
    assertEquals(130.5, state.totalHours());
    assertEquals(10, state.hoursSinceMaintenance());
    assertEquals(1, state.faultCount());
    assertEquals("end of life", state.decommissioning().orElseThrow().reason());
    assertEquals("st-mary", state.decommissioning().orElseThrow().decommissionedBy());
    assertEquals(7, last.sequenceNumber());
    VerificationResult.Intact intact = device.assertChainIntact();
    assertEquals(7, intact.length());
    assertEquals(last.headHash(), intact.headHashHex());
    assertEquals(last.headHash(), state.head().hashHex());
  }

  // ---- register ----

  @Test
  void registrationRecordsTheManufacturerFromThePartyAndTheModelsInterval() {
    Device device = newDevice();
    assertAccepted(device.register(MANUFACTURER));
    EventBody registered = device.event(1);
    assertEquals(EventBody.EventCase.DEVICE_REGISTERED, registered.getEventCase());
    assertEquals("medequip", registered.getDeviceRegistered().getManufacturer());
    assertEquals("manufacturer", registered.getActingParty().getRole());
    assertEquals(MODEL, registered.getDeviceRegistered().getModel());
    assertEquals("SN-" + device.entityId(), registered.getDeviceRegistered().getSerialNumber());
    assertEquals(32, registered.getDeviceRegistered().getFactoryTestReportSha256().size());
    assertEquals(1000, registered.getDeviceRegistered().getMaintenanceIntervalHours());
    assertEquals(NOW.getEpochSecond(), registered.getRecordedAt().getSeconds());

    MedicalDevice.State state = device.state();
    assertEquals(Status.REGISTERED, state.status());
    assertEquals("medequip", state.manufacturer());
    assertEquals(REPORT, state.factoryTestReportSha256());
    assertEquals(1000, state.maintenanceIntervalHours());
    assertEquals(NOW, state.registeredAt().orElseThrow());
  }

  @Test
  void onlyAManufacturerRegistersAndOnlyOnce() {
    Device device = newDevice();
    assertRejected(Rejection.FORBIDDEN, device.register(HOSPITAL));
    assertRejected(Rejection.FORBIDDEN, device.register(ENGINEER));
    assertStored(device, 0);
    assertAccepted(device.register(MANUFACTURER));
    assertMentions(assertRejected(Rejection.ILLEGAL_STATE, device.register(MANUFACTURER)), "already registered", "REGISTERED");
    assertStored(device, 1);
  }

  @Test
  void registeringADecommissionedDeviceAgainIsRefused() {
    Device device = newDevice().installed();
    assertAccepted(device.decommission(REGULATOR));
    assertMentions(assertRejected(Rejection.ILLEGAL_STATE, device.register(MANUFACTURER)), "DECOMMISSIONED");
    assertStored(device, 3);
  }

  @Test
  void refusesInvalidRegistrations() {
    Device device = newDevice();
    assertRejected(
        Rejection.INVALID_INPUT,
        device.kit().<CommandResult>runCommand(r -> new MedicalDevice.Register(" ", "SN-1", REPORT, MANUFACTURER, "", r)).reply());
    assertRejected(
        Rejection.INVALID_INPUT,
        device.kit().<CommandResult>runCommand(r -> new MedicalDevice.Register(MODEL, null, REPORT, MANUFACTURER, "", r)).reply());
    assertRejected(
        Rejection.INVALID_INPUT,
        device.kit().<CommandResult>runCommand(r -> new MedicalDevice.Register(MODEL, "SN-1", "not-a-hash", MANUFACTURER, "", r)).reply());
    assertRejected(
        Rejection.INVALID_INPUT,
        device.kit().<CommandResult>runCommand(r -> new MedicalDevice.Register(MODEL, "SN-1", "A1".repeat(32), MANUFACTURER, "", r))
            .reply());
    assertStored(device, 0);
    assertFalse(device.state().isRegistered());
  }

  @Test
  void refusesARegistrationUnderAnInvalidDeviceId() {
    for (String badId : List.of("medequip/SN 1", "x".repeat(DeviceId.MAX_LENGTH + 1), "medequip/SN\u00e91")) {
      Device device = newDevice(badId, EntityTestSupport.settings(10), MedicalDevice.Rules.defaults());
      assertMentions(assertRejected(Rejection.INVALID_INPUT, device.register(MANUFACTURER)), "device id");
      assertStored(device, 0);
    }
  }

  @Test
  void deviceIdsAreUdisOrManufacturerSlashSerial() {
    assertEquals("medequip/SN-42", DeviceId.of("medequip", "SN-42").entityId());
    String udi = "(01)00643169007222(17)160128(21)BLC200461H";
    assertEquals(udi, DeviceId.fromEntityId(udi).entityId());
    assertEquals("x".repeat(120), new DeviceId("x".repeat(120)).value());
    assertTrue(DeviceId.problem("+H123PARTNO1/$$3231231BC34567/S4012").isEmpty());
    assertThrows(IllegalArgumentException.class, () -> new DeviceId(""));
    assertThrows(IllegalArgumentException.class, () -> new DeviceId(null));
    assertThrows(IllegalArgumentException.class, () -> new DeviceId("x".repeat(121)));
    assertThrows(IllegalArgumentException.class, () -> new DeviceId("a\tb"));
    assertThrows(IllegalArgumentException.class, () -> new DeviceId("a\u0000b"));
    assertThrows(IllegalArgumentException.class, () -> new DeviceId("a\u00a0b"));
    assertThrows(IllegalArgumentException.class, () -> DeviceId.of("med/equip", "SN-1"));
    assertThrows(IllegalArgumentException.class, () -> DeviceId.of("", "SN-1"));
    assertThrows(IllegalArgumentException.class, () -> DeviceId.of("medequip", ""));
    assertThrows(IllegalArgumentException.class, () -> DeviceId.of("medequip", "SN 1"));
  }

  @Test
  void commandsOnAnUnregisteredDeviceAreNotFound() {
    Device device = newDevice();
    assertMentions(assertRejected(Rejection.NOT_FOUND, device.install(HOSPITAL, "st-mary", "ICU")), "NOT_REGISTERED");
    assertRejected(Rejection.NOT_FOUND, device.usage(1));
    assertRejected(Rejection.NOT_FOUND, device.fault(CLINICIAN, "E-1"));
    assertRejected(Rejection.NOT_FOUND, device.maintain(ENGINEER, MaintenanceResult.PASSED));
    assertRejected(Rejection.NOT_FOUND, device.decommission(REGULATOR));
    assertStored(device, 0);
  }

  // ---- install ----

  @Test
  void aHospitalOrEngineerInstallsAndAMoveRecordsThePreviousPlace() {
    Device device = newDevice();
    assertAccepted(device.register(MANUFACTURER));
    assertRejected(Rejection.FORBIDDEN, device.install(CLINICIAN, "st-mary", "ICU"));
    assertRejected(Rejection.FORBIDDEN, device.install(MANUFACTURER, "st-mary", "ICU"));
    assertRejected(Rejection.INVALID_INPUT, device.install(HOSPITAL, "st-mary", " "));
    assertRejected(Rejection.INVALID_INPUT, device.install(HOSPITAL, "st-mary", "ICU", null));
    assertStored(device, 1);

    assertAccepted(device.install(HOSPITAL, "st-mary", "ICU"));
    EventBody first = device.event(2);
    assertEquals("", first.getDeviceInstalled().getPreviousFacility());
    assertEquals("dr.li", first.getDeviceInstalled().getResponsiblePerson());

    assertAccepted(device.install(ENGINEER, "st-mary", "Cardiology", "dr.kim"));
    EventBody move = device.event(3);
    assertEquals("st-mary", move.getDeviceInstalled().getPreviousFacility());
    assertEquals("ICU", move.getDeviceInstalled().getPreviousDepartment());
    assertEquals("Cardiology", move.getDeviceInstalled().getDepartment());

    MedicalDevice.State state = device.state();
    assertEquals(Status.INSTALLED, state.status());
    assertEquals("Cardiology", state.department());
    assertEquals("dr.kim", state.responsiblePerson());
    assertEquals(2, state.installations());
    assertEquals(NOW, state.installedAt().orElseThrow());
  }

  @Test
  void aReinstallToTheSamePlaceUnderTheSamePersonChangesNothing() {
    Device device = newDevice().installed();
    assertMentions(assertRejected(Rejection.BUSINESS_RULE, device.install(HOSPITAL, "st-mary", "ICU")), "INSTALLED", "st-mary / ICU");
    // A new responsible person at the same place is a change worth recording.
    assertAccepted(device.install(HOSPITAL, "st-mary", "ICU", "dr.kim"));
    assertStored(device, 3);
  }

  // ---- usage ----

  @Test
  void usageIsReportedOnlyForAnInstalledDevice() {
    Device device = newDevice();
    assertAccepted(device.register(MANUFACTURER));
    assertMentions(assertRejected(Rejection.ILLEGAL_STATE, device.usage(5)), "REGISTERED", "not installed");
    assertAccepted(device.install(HOSPITAL, "st-mary", "ICU"));
    assertAccepted(device.usage(HOSPITAL, 5));
    assertAccepted(device.usage(ENGINEER, 2.5));
    CommandResult.Accepted accepted = assertAccepted(device.usage(CLINICIAN, 0.25));

    Usage reported = new Usage(device.event(accepted.sequenceNumber()));
    assertEquals(0.25, reported.hours());
    assertEquals(7.75, reported.total());
    assertEquals(7.75, reported.sinceMaintenance());
    assertEquals(7.75, device.state().totalHours());
    assertEquals(3, device.state().usageReports());
  }

  private record Usage(double hours, double total, double sinceMaintenance) {
    Usage(EventBody event) {
      this(
          event.getUsageReported().getHours(),
          event.getUsageReported().getTotalHours(),
          event.getUsageReported().getHoursSinceMaintenance());
    }
  }

  @Test
  void refusesUsageFromOtherRolesAndMalformedHours() {
    Device device = newDevice().installed();
    assertRejected(Rejection.FORBIDDEN, device.usage(MANUFACTURER, 1));
    assertRejected(Rejection.FORBIDDEN, device.usage(PATIENT, 1));
    for (double hours : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY, 24 * 366 + 0.5}) {
      assertRejected(Rejection.INVALID_INPUT, device.usage(hours));
    }
    assertAccepted(device.usage(24 * 366));
    assertStored(device, 3 + 8); // 8784 h at a 1000 h interval: 8 overdue periods
  }

  // ---- faults ----

  @Test
  void faultsAreReportedWhenInstalledOrOutOfService() {
    Device device = newDevice();
    assertAccepted(device.register(MANUFACTURER));
    assertMentions(assertRejected(Rejection.ILLEGAL_STATE, device.fault(CLINICIAN, "E-1")), "REGISTERED");
    assertAccepted(device.install(HOSPITAL, "st-mary", "ICU"));
    assertRejected(Rejection.FORBIDDEN, device.fault(REGULATOR, "E-1"));
    assertRejected(Rejection.FORBIDDEN, device.fault(PHARMACIST, "E-1"));
    assertRejected(Rejection.INVALID_INPUT, device.fault(CLINICIAN, " "));
    assertAccepted(device.fault(CLINICIAN, "E-1"));
    assertAccepted(device.fault(HOSPITAL, "E-2"));
    assertAccepted(device.maintain(ENGINEER, MaintenanceResult.FAILED));
    assertAccepted(device.fault(ENGINEER, "E-3"));
    assertAccepted(
        device.kit().<CommandResult>runCommand(r -> new MedicalDevice.ReportFault("E-4", null, CLINICIAN, "", r)).reply());

    MedicalDevice.State state = device.state();
    assertEquals(4, state.faultCount());
    assertEquals("E-4", state.lastFault().orElseThrow().code());
    assertEquals("", state.lastFault().orElseThrow().description());
    assertEquals(CLINICIAN.user(), state.lastFault().orElseThrow().reportedBy());
    assertEquals("pressure sensor drift", device.event(3).getFaultReported().getDescription());
    assertEquals(Status.OUT_OF_SERVICE, state.status());
  }

  // ---- maintenance ----

  @Test
  void onlyADeviceEngineerSignsMaintenanceAndIsRecordedAsTheEngineer() {
    Device device = newDevice().installed();
    assertRejected(Rejection.FORBIDDEN, device.maintain(HOSPITAL, MaintenanceResult.PASSED));
    assertRejected(Rejection.FORBIDDEN, device.maintain(MANUFACTURER, MaintenanceResult.PASSED));
    assertStored(device, 2);
    assertAccepted(device.usage(40));
    CommandResult.Accepted accepted =
        assertAccepted(device.maintain(ENGINEER, List.of("filter", "o-ring"), MaintenanceResult.PASSED, "annual service"));

    EventBody event = device.event(accepted.sequenceNumber());
    assertEquals("e.wong@st-mary", event.getMaintenancePerformed().getEngineer());
    assertEquals(List.of("filter", "o-ring"), event.getMaintenancePerformed().getPartsList());
    assertEquals(org.medtrace.ledger.v1.MaintenanceResult.MAINTENANCE_RESULT_PASSED, event.getMaintenancePerformed().getResult());
    assertEquals(40, event.getMaintenancePerformed().getHoursSincePreviousMaintenance());

    MedicalDevice.Maintenance last = device.state().lastMaintenance().orElseThrow();
    assertEquals("e.wong@st-mary", last.engineer());
    assertEquals(MaintenanceResult.PASSED, last.result());
    assertEquals(NOW, last.performedAt());
    assertEquals(0, device.state().hoursSinceMaintenance());
    assertEquals(40, device.state().totalHours());
  }

  @Test
  void refusesMalformedMaintenance() {
    Device device = newDevice().installed();
    assertRejected(Rejection.INVALID_INPUT, device.maintain(ENGINEER, List.of(), null, ""));
    assertRejected(Rejection.INVALID_INPUT, device.maintain(ENGINEER, List.of("filter", " "), MaintenanceResult.PASSED, ""));
    assertMentions(
        assertRejected(Rejection.INVALID_INPUT, device.maintain(ENGINEER, List.of(), MaintenanceResult.FAILED, " ")), "notes");
    assertStored(device, 2);
    // An inspection without parts or notes is a maintenance too.
    assertAccepted(device.maintain(ENGINEER, null, MaintenanceResult.PASSED, null));
  }

  @Test
  void aFailedMaintenanceTakesTheDeviceOutOfServiceUntilOnePasses() {
    Device device = newDevice().installed();
    assertAccepted(device.usage(300));
    assertAccepted(device.maintain(ENGINEER, MaintenanceResult.FAILED));
    assertEquals(Status.OUT_OF_SERVICE, device.state().status());
    assertEquals(300, device.state().hoursSinceMaintenance()); // a failed maintenance restarts nothing

    assertMentions(assertRejected(Rejection.ILLEGAL_STATE, device.usage(1)), "OUT_OF_SERVICE", "FAILED", "valve leaks");
    assertMentions(assertRejected(Rejection.ILLEGAL_STATE, device.install(HOSPITAL, "st-mary", "Surgery")), "OUT_OF_SERVICE");
    assertAccepted(device.maintain(ENGINEER, MaintenanceResult.FAILED)); // still broken
    assertStored(device, 5);

    assertAccepted(device.maintain(ENGINEER, MaintenanceResult.PASSED));
    assertEquals(Status.INSTALLED, device.state().status());
    assertEquals(0, device.state().hoursSinceMaintenance());
    assertAccepted(device.usage(1));
    device.assertChainIntact();
  }

  @Test
  void aDeviceThatFailsMaintenanceBeforeInstallationReturnsToRegisteredWhenItPasses() {
    Device device = newDevice();
    assertAccepted(device.register(MANUFACTURER));
    assertAccepted(device.maintain(ENGINEER, MaintenanceResult.FAILED));
    assertEquals(Status.OUT_OF_SERVICE, device.state().status());
    assertRejected(Rejection.ILLEGAL_STATE, device.install(HOSPITAL, "st-mary", "ICU"));
    assertAccepted(device.maintain(ENGINEER, MaintenanceResult.PASSED));
    assertEquals(Status.REGISTERED, device.state().status());
    assertAccepted(device.install(HOSPITAL, "st-mary", "ICU"));
    device.assertChainIntact();
  }

  // ---- the maintenance rule ----

  @Test
  void noOverdueAlertUpToTheInterval() {
    Device device = newDevice().installed();
    assertAccepted(device.usage(600));
    assertAccepted(device.usage(400)); // exactly 1000 h: due, not overdue
    assertStored(device, 4);
    assertFalse(device.state().isMaintenanceOverdue());
    assertEquals(0, device.state().overduePeriodsRecorded());
  }

  @Test
  void recordsExactlyOneOverdueAlertPerPeriod() {
    Device device = newDevice().installed();
    assertAccepted(device.usage(999));
    CommandResult.Accepted crossing = assertAccepted(device.usage(2)); // 1001 h
    assertEquals(5, crossing.sequenceNumber()); // the usage (#4) and the alert (#5), in one write

    EventBody alert = device.event(5);
    assertEquals(EventBody.EventCase.USAGE_REPORTED, device.event(4).getEventCase());
    assertEquals(EventBody.EventCase.MAINTENANCE_OVERDUE, alert.getEventCase());
    assertEquals(1, alert.getMaintenanceOverdue().getOverduePeriod());
    assertEquals(1001, alert.getMaintenanceOverdue().getHoursSinceMaintenance());
    assertEquals(1000, alert.getMaintenanceOverdue().getIntervalHours());
    assertEquals(Set.of("alert"), tags(device.events().get(4)));
    assertEquals(Set.of(), tags(device.events().get(3)));

    // Still in period 1: no second alert.
    assertAccepted(device.usage(500));
    assertAccepted(device.usage(499)); // 2000 h: the end of period 1, not yet period 2
    assertEquals(1, overdueAlerts(device).size());
    assertAccepted(device.usage(0.5)); // 2000.5 h: period 2
    assertEquals(List.of(1, 2), overdueAlerts(device));
    assertEquals(2, device.state().overduePeriodsRecorded());
    assertTrue(device.state().isMaintenanceOverdue());
    device.assertChainIntact();
  }

  @Test
  void aUsageReportCrossingSeveralPeriodsRecordsOneAlertForEachPeriodCrossed() {
    Device device = newDevice(EntityTestSupport.settings(10), new MedicalDevice.Rules(1000, Map.of(PUMP, 100.0)));
    assertAccepted(device.register(MANUFACTURER, PUMP));
    assertAccepted(device.install(HOSPITAL, "st-mary", "ICU"));
    assertAccepted(device.usage(150)); // period 1
    CommandResult.Accepted crossing = assertAccepted(device.usage(200)); // 350 h: periods 2 and 3

    assertEquals(List.of(1, 2, 3), overdueAlerts(device));
    assertEquals(7, crossing.sequenceNumber());
    List<ChainedEvent> events = device.events();
    assertEquals(EventBody.EventCase.USAGE_REPORTED, events.get(4).body().getEventCase());
    for (ChainedEvent alert : events.subList(5, 7)) {
      assertEquals(350, alert.body().getMaintenanceOverdue().getHoursSinceMaintenance());
      assertEquals(Set.of("alert"), tags(alert));
    }
    assertEquals(3, device.state().overduePeriodsRecorded());
    device.assertChainIntact();
  }

  @Test
  void aPassedMaintenanceRestartsTheCounterAndTheOverduePeriods() {
    Device device = newDevice().installed();
    assertAccepted(device.usage(1500));
    assertEquals(List.of(1), overdueAlerts(device));
    assertAccepted(device.maintain(ENGINEER, MaintenanceResult.PASSED));
    assertEquals(0, device.state().hoursSinceMaintenance());
    assertEquals(0, device.state().overduePeriodsRecorded());
    assertEquals(1500, device.state().totalHours());

    assertAccepted(device.usage(1000)); // 1000 h since maintenance: not overdue again yet
    assertEquals(List.of(1), overdueAlerts(device));
    assertAccepted(device.usage(1)); // period 1 of the new maintenance cycle
    assertEquals(List.of(1, 1), overdueAlerts(device));
    assertEquals(2501, device.state().totalHours());
    assertEquals(1001, device.state().hoursSinceMaintenance());
  }

  @Test
  void theMaintenanceIntervalComesFromTheRulesPerModel() {
    MedicalDevice.Rules rules = new MedicalDevice.Rules(800, Map.of(PUMP, 500.0));
    assertEquals(500, rules.intervalFor(PUMP));
    assertEquals(800, rules.intervalFor(MODEL));
    assertEquals(1000, MedicalDevice.Rules.defaults().intervalFor(PUMP));

    Device pump = newDevice(EntityTestSupport.settings(10), rules);
    assertAccepted(pump.register(MANUFACTURER, PUMP));
    assertEquals(500, pump.state().maintenanceIntervalHours());
    assertAccepted(pump.install(HOSPITAL, "st-mary", "ICU"));
    assertAccepted(pump.usage(501));
    assertEquals(List.of(1), overdueAlerts(pump));

    Device ventilator = newDevice(EntityTestSupport.settings(10), rules);
    assertAccepted(ventilator.register(MANUFACTURER, MODEL));
    assertEquals(800, ventilator.event(1).getDeviceRegistered().getMaintenanceIntervalHours());
    assertAccepted(ventilator.install(HOSPITAL, "st-mary", "ICU"));
    assertAccepted(ventilator.usage(501));
    assertEquals(List.of(), overdueAlerts(ventilator));
  }

  @Test
  void rulesRefuseIntervalsThatCannotBeEnforced() {
    assertThrows(IllegalArgumentException.class, () -> new MedicalDevice.Rules(0, Map.of()));
    assertThrows(IllegalArgumentException.class, () -> new MedicalDevice.Rules(Double.NaN, Map.of()));
    assertThrows(IllegalArgumentException.class, () -> new MedicalDevice.Rules(MedicalDevice.Rules.MIN_INTERVAL_HOURS - 1, Map.of()));
    assertThrows(IllegalArgumentException.class, () -> new MedicalDevice.Rules(1000, Map.of(PUMP, -5.0)));
    assertThrows(IllegalArgumentException.class, () -> new MedicalDevice.Rules(1000, Map.of(" ", 500.0)));
    Map<String, Double> withNull = new HashMap<>();
    withNull.put(PUMP, null);
    assertThrows(IllegalArgumentException.class, () -> new MedicalDevice.Rules(1000, withNull));
    // The rules keep their own copy.
    Map<String, Double> mutable = new HashMap<>(Map.of(PUMP, 500.0));
    MedicalDevice.Rules rules = new MedicalDevice.Rules(1000, mutable);
    mutable.put(PUMP, 50.0);
    assertEquals(500, rules.intervalFor(PUMP));
  }

  @Test
  void overduePeriodsStartStrictlyAboveEachMultipleOfTheInterval() {
    assertEquals(0, MedicalDevice.overduePeriodsEntered(0, 1000));
    assertEquals(0, MedicalDevice.overduePeriodsEntered(1000, 1000));
    assertEquals(1, MedicalDevice.overduePeriodsEntered(1000.001, 1000));
    assertEquals(1, MedicalDevice.overduePeriodsEntered(2000, 1000));
    assertEquals(2, MedicalDevice.overduePeriodsEntered(2000.5, 1000));
    assertEquals(8, MedicalDevice.overduePeriodsEntered(24 * 366, 1000));
    assertEquals(2, MedicalDevice.overduePeriodsEntered(300, 100));
  }

  private static List<Integer> overdueAlerts(Device device) {
    return device.events().stream()
        .map(ChainedEvent::body)
        .filter(body -> body.getEventCase() == EventBody.EventCase.MAINTENANCE_OVERDUE)
        .map(body -> body.getMaintenanceOverdue().getOverduePeriod())
        .toList();
  }

  // ---- decommissioning ----

  @Test
  void onlyHospitalsEngineersAndRegulatorsDecommissionAndOnlyOnce() {
    Device device = newDevice().installed();
    assertRejected(Rejection.FORBIDDEN, device.decommission(CLINICIAN));
    assertRejected(Rejection.FORBIDDEN, device.decommission(MANUFACTURER));
    assertRejected(
        Rejection.INVALID_INPUT,
        device.kit().<CommandResult>runCommand(r -> new MedicalDevice.Decommission("end of life", " ", HOSPITAL, "", r)).reply());
    assertStored(device, 2);
    assertAccepted(device.decommission(ENGINEER));
    EventBody event = device.event(3);
    assertEquals("end of life", event.getDeviceDecommissioned().getReason());
    assertEquals("certified e-waste recycler", event.getDeviceDecommissioned().getDisposalMethod());
    assertMentions(assertRejected(Rejection.ILLEGAL_STATE, device.decommission(REGULATOR)), "DECOMMISSIONED", "end of life");
    assertStored(device, 3);
  }

  @Test
  void anOutOfServiceOrNeverInstalledDeviceCanBeDecommissioned() {
    Device broken = newDevice().installed();
    assertAccepted(broken.maintain(ENGINEER, MaintenanceResult.FAILED));
    assertAccepted(broken.decommission(HOSPITAL));
    assertEquals(Status.DECOMMISSIONED, broken.state().status());

    Device unused = newDevice();
    assertAccepted(unused.register(MANUFACTURER));
    assertAccepted(unused.decommission(REGULATOR));
    assertEquals(Status.DECOMMISSIONED, unused.state().status());
  }

  @Test
  void everyUseOfADecommissionedDeviceIsRefusedAndRecorded() {
    Device device = newDevice().installed();
    assertAccepted(device.usage(10));
    assertAccepted(device.decommission(HOSPITAL));
    MedicalDevice.State decommissioned = device.state();

    CommandResult.Rejected install =
        assertRejected(Rejection.REFUSED_AND_RECORDED, device.install(HOSPITAL, "city-clinic", "ER", "dr.ng"));
    assertMentions(install, "DECOMMISSIONED", "end of life");
    assertEquals(5, install.recordedUpTo());
    assertEquals(6, assertRejected(Rejection.REFUSED_AND_RECORDED, device.usage(2)).recordedUpTo());
    assertEquals(7, assertRejected(Rejection.REFUSED_AND_RECORDED, device.fault(CLINICIAN, "E-9")).recordedUpTo());
    assertEquals(8, assertRejected(Rejection.REFUSED_AND_RECORDED, device.maintain(ENGINEER, MaintenanceResult.PASSED)).recordedUpTo());

    List<ChainedEvent> events = device.events();
    assertEquals(8, events.size());
    List<String> actions = List.of("install", "usage", "fault", "maintenance");
    for (int i = 0; i < actions.size(); i++) {
      ChainedEvent evidence = events.get(4 + i);
      assertEquals(EventBody.EventCase.DECOMMISSIONED_DEVICE_USE_ATTEMPTED, evidence.body().getEventCase());
      assertEquals(actions.get(i), evidence.body().getDecommissionedDeviceUseAttempted().getAttemptedAction());
      assertEquals(Set.of("alert"), tags(evidence));
    }
    assertEquals("at city-clinic / ER, responsible dr.ng", events.get(4).body().getDecommissionedDeviceUseAttempted().getDetail());
    assertEquals("2.0 h", events.get(5).body().getDecommissionedDeviceUseAttempted().getDetail());
    assertEquals("E-9: pressure sensor drift", events.get(6).body().getDecommissionedDeviceUseAttempted().getDetail());
    assertEquals("clinician", events.get(6).body().getActingParty().getRole());
    assertEquals("PASSED, parts filter", events.get(7).body().getDecommissionedDeviceUseAttempted().getDetail());

    // Nothing but the count of attempts changed.
    MedicalDevice.State after = device.state();
    assertEquals(Status.DECOMMISSIONED, after.status());
    assertEquals(4, after.useAttemptsAfterDecommission());
    assertEquals(decommissioned.totalHours(), after.totalHours());
    assertEquals(decommissioned.facility(), after.facility());
    assertEquals(decommissioned.faultCount(), after.faultCount());
    assertEquals(decommissioned.lastMaintenance(), after.lastMaintenance());
    device.assertChainIntact();
  }

  @Test
  void aWrongRoleOrMalformedCommandOnADecommissionedDeviceRecordsNothing() {
    Device device = newDevice().installed();
    assertAccepted(device.decommission(REGULATOR));
    assertRejected(Rejection.FORBIDDEN, device.install(CLINICIAN, "st-mary", "ICU"));
    assertRejected(Rejection.FORBIDDEN, device.usage(MANUFACTURER, 1));
    assertRejected(Rejection.FORBIDDEN, device.fault(REGULATOR, "E-1"));
    assertRejected(Rejection.FORBIDDEN, device.maintain(HOSPITAL, MaintenanceResult.PASSED));
    assertRejected(Rejection.INVALID_INPUT, device.usage(-3));
    assertRejected(Rejection.INVALID_INPUT, device.fault(CLINICIAN, ""));
    assertStored(device, 3);
    assertEquals(0, device.state().useAttemptsAfterDecommission());
  }

  // ---- recovery, snapshots, serialization ----

  @Test
  void replayAfterRestartGivesTheSameStateAndHeadHash() {
    Device device = newDevice(EntityTestSupport.settings(1000), new MedicalDevice.Rules(1000, Map.of(MODEL, 100.0))).installed();
    assertAccepted(device.usage(250.75));
    assertAccepted(device.fault(CLINICIAN, "E-2"));
    assertAccepted(device.maintain(ENGINEER, MaintenanceResult.FAILED));
    assertAccepted(device.maintain(ENGINEER, MaintenanceResult.PASSED));
    assertAccepted(device.install(ENGINEER, "st-mary", "Surgery", "dr.kim"));
    assertAccepted(device.decommission(HOSPITAL));
    assertRejected(Rejection.REFUSED_AND_RECORDED, device.usage(1));
    MedicalDevice.State before = device.state();
    MedicalDevice.State after = device.kit().restart().state();
    assertEquals(before, after);
    assertEquals(before.head(), after.head());
    assertEquals(11, after.head().sequenceNumber());
  }

  @Test
  void recoveryFromASnapshotContinuesTheChain() {
    Device device = newDevice(EntityTestSupport.settings(3), MedicalDevice.Rules.defaults()).installed();
    assertAccepted(device.usage(999));
    assertAccepted(device.fault(CLINICIAN, "E-5"));
    assertAccepted(device.maintain(ENGINEER, MaintenanceResult.FAILED));
    MedicalDevice.State before = device.state();
    assertTrue(device.kit().snapshotTestKit().isPresent());
    MedicalDevice.State after = device.kit().restart().state();
    assertEquals(before, after);

    assertAccepted(device.maintain(ENGINEER, MaintenanceResult.PASSED));
    assertAccepted(device.usage(1001)); // usage + overdue alert
    VerificationResult.Intact intact = device.assertChainIntact();
    assertEquals(8, intact.length());
    assertEquals(device.state().head().hashHex(), intact.headHashHex());
    assertEquals(device.state(), device.kit().restart().state());
  }

  @Test
  void anEntityWhoseStoredChainIsBrokenRefusesToAppend() {
    Device device = newDevice(EntityTestSupport.settings(1000), MedicalDevice.Rules.defaults()).installed();
    assertAccepted(device.usage(3));
    List<ChainedEvent> events = device.events();
    ChainedEvent second = events.get(1);
    byte[] body = second.envelope().getBody().toByteArray();
    body[body.length - 1] ^= 1;
    ChainedEvent tampered =
        new ChainedEvent(second.envelope().toBuilder().setBody(ByteString.copyFrom(body)).build(), second.body());
    device.kit().persistenceTestKit().clearByPersistenceId(PersistenceId.of(MedicalDevice.ENTITY_TYPE, device.entityId()).id());
    device.kit().initialize(events.get(0), tampered, events.get(2));

    MedicalDevice.State recovered = device.kit().restart().state();
    assertTrue(recovered.brokenChain().isPresent());
    assertMentions(assertRejected(Rejection.LEDGER_BROKEN, device.usage(1)), "broken at #2");
  }

  @Test
  void repliesCommandsAndStateSerialize() {
    Device device = newDevice().installed();
    assertAccepted(device.usage(1200));
    assertAccepted(device.fault(CLINICIAN, "E-1"));
    assertAccepted(device.maintain(ENGINEER, MaintenanceResult.PASSED));
    assertAccepted(device.decommission(REGULATOR));
    var serialization = testKit.serializationTestKit();
    serialization.verifySerialization(device.state(), true);
    serialization.verifySerialization(MedicalDevice.State.empty("medequip/SN-0"), true);
    serialization.verifySerialization(new CommandResult.Accepted(3, "ab"), true);
    serialization.verifySerialization(new CommandResult.Rejected(Rejection.REFUSED_AND_RECORDED, "why", 7), true);
    var replyTo = testKit.<CommandResult>createTestProbe().ref();
    serialization.verifySerialization(new MedicalDevice.Get(testKit.<MedicalDevice.State>createTestProbe().ref()), true);
    serialization.verifySerialization(new MedicalDevice.Register(MODEL, "SN-1", REPORT, MANUFACTURER, "msg-1", replyTo), true);
    serialization.verifySerialization(new MedicalDevice.Install("st-mary", "ICU", "dr.li", HOSPITAL, "", replyTo), true);
    serialization.verifySerialization(new MedicalDevice.ReportUsage(2.5, CLINICIAN, "", replyTo), true);
    serialization.verifySerialization(new MedicalDevice.ReportFault("E-1", "drift", CLINICIAN, "", replyTo), true);
    serialization.verifySerialization(
        new MedicalDevice.PerformMaintenance(List.of("filter"), MaintenanceResult.FAILED, "leaks", ENGINEER, "", replyTo), true);
    serialization.verifySerialization(new MedicalDevice.Decommission("end of life", "recycler", REGULATOR, "", replyTo), true);
  }

  @Test
  void theClockGivesEachEventItsRecordedAt() {
    EntityTestSupport.MutableClock clock = new EntityTestSupport.MutableClock(NOW);
    Device device = newDevice(EntityTestSupport.settings(clock, 10), MedicalDevice.Rules.defaults());
    assertAccepted(device.register(MANUFACTURER));
    clock.advance(Duration.ofDays(2));
    assertAccepted(device.install(HOSPITAL, "st-mary", "ICU"));
    clock.advance(Duration.ofDays(30));
    assertAccepted(device.maintain(ENGINEER, MaintenanceResult.PASSED));
    MedicalDevice.State state = device.state();
    assertEquals(NOW, state.registeredAt().orElseThrow());
    assertEquals(NOW.plus(Duration.ofDays(2)), state.installedAt().orElseThrow());
    assertEquals(NOW.plus(Duration.ofDays(32)), state.lastMaintenance().orElseThrow().performedAt());
  }
}
