package org.medtrace.actors.device;

import static org.medtrace.actors.ledger.Fields.isBlank;
import static org.medtrace.actors.ledger.Fields.isSha256Hex;
import static org.medtrace.actors.ledger.Fields.sha256Bytes;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.CborSerializable;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.actors.ledger.Fields;
import org.medtrace.actors.ledger.LedgerEntity;
import org.medtrace.actors.ledger.LedgerSettings;
import org.medtrace.actors.ledger.LedgerState;
import org.medtrace.actors.ledger.LedgerWrite;
import org.medtrace.actors.ledger.Permission;
import org.medtrace.actors.ledger.RecentSources;
import org.medtrace.actors.ledger.Rejection;
import org.medtrace.actors.ledger.Role;
import org.medtrace.ledger.v1.DecommissionedDeviceUseAttempted;
import org.medtrace.ledger.v1.DeviceDecommissioned;
import org.medtrace.ledger.v1.DeviceInstalled;
import org.medtrace.ledger.v1.DeviceRegistered;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.FaultReported;
import org.medtrace.ledger.v1.MaintenanceOverdue;
import org.medtrace.ledger.v1.MaintenancePerformed;
import org.medtrace.ledger.v1.UsageReported;
import org.medtrace.persistence.chain.ChainHead;
import org.medtrace.persistence.chain.HashChain;
import org.medtrace.persistence.chain.JournalRecord;

/**
 * A medical device, from the factory to the scrapyard.
 *
 * <p>Lifecycle: a manufacturer registers it with model, serial number and the fingerprint of its
 * factory test report ({@code REGISTERED}); a hospital or device engineer installs it at a facility
 * and department under a responsible person ({@code INSTALLED}), and may move it later (the event
 * keeps the former place). While installed, hospitals, engineers and clinicians report usage hours
 * and faults. A device engineer signs maintenance: a passed one restarts the usage counter, a failed
 * one takes the device {@code OUT_OF_SERVICE} (no usage, no move) until a maintenance passes, which
 * returns it to {@code INSTALLED} (or {@code REGISTERED} if it was never installed). A hospital,
 * engineer or regulator decommissions it ({@code DECOMMISSIONED}), which is final.
 *
 * <p>Rules that execute themselves:
 *
 * <ul>
 *   <li>Maintenance overdue: when the usage hours since the last passed maintenance exceed k times
 *       the model's interval, one {@code MaintenanceOverdue} (an alert) is recorded for period k,
 *       together with the usage report that crossed it. A single report that crosses several
 *       periods records one event for each period crossed, in order, so that every period has
 *       exactly one alert however the usage was split into reports. The interval is fixed at
 *       registration (it is in the {@code DeviceRegistered} event), so a later configuration change
 *       does not rewrite the history of devices already registered.
 *   <li>A scrapped device must not come back into use: an install, usage, fault or maintenance of a
 *       decommissioned device is refused, and the refusal is kept on the chain as a
 *       {@code DecommissionedDeviceUseAttempted} (an alert). Only commands from a role allowed to
 *       issue them, with well-formed input, are recorded that way; anything else is refused and
 *       changes nothing.
 * </ul>
 */
public final class MedicalDevice extends LedgerEntity<MedicalDevice.Command, MedicalDevice.State> {

  public static final String ENTITY_TYPE = "medical-device";
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, ENTITY_TYPE);

  /** A usage report covers at most a leap year of continuous use. */
  public static final double MAX_USAGE_HOURS_PER_REPORT = 24 * 366;


  /**
   * Maintenance intervals, in usage hours between maintenances.
   *
   * @param defaultMaintenanceIntervalHours for models not in {@code intervalHoursByModel}
   * @param intervalHoursByModel per device model
   */
  public record Rules(double defaultMaintenanceIntervalHours, Map<String, Double> intervalHoursByModel) {

    /**
     * The shortest interval allowed. It bounds the overdue events one usage report can record to
     * {@link MedicalDevice#MAX_USAGE_HOURS_PER_REPORT} / 24 = 366, all written in one persist.
     */
    public static final double MIN_INTERVAL_HOURS = 24;

    public Rules {
      requireInterval(defaultMaintenanceIntervalHours, "the default maintenance interval");
      Objects.requireNonNull(intervalHoursByModel, "intervalHoursByModel");
      intervalHoursByModel.forEach(
          (model, hours) -> {
            if (model == null || model.isBlank()) {
              throw new IllegalArgumentException("a maintenance interval needs a model name");
            }
            if (hours == null) {
              throw new IllegalArgumentException("the maintenance interval of model " + model + " is missing");
            }
            requireInterval(hours, "the maintenance interval of model " + model);
          });
      intervalHoursByModel = Map.copyOf(intervalHoursByModel);
    }

    public static Rules defaults() {
      return new Rules(1000, Map.of());
    }

    public double intervalFor(String model) {
      return intervalHoursByModel.getOrDefault(model, defaultMaintenanceIntervalHours);
    }

    private static void requireInterval(double hours, String what) {
      if (!Double.isFinite(hours) || hours < MIN_INTERVAL_HOURS) {
        throw new IllegalArgumentException(what + " must be finite and at least " + MIN_INTERVAL_HOURS + " hours, was " + hours);
      }
    }
  }

  // ---- commands ----

  public sealed interface Command extends CborSerializable {}

  /** Read the device's current state; writes nothing. */
  public record Get(ActorRef<State> replyTo) implements Command {}

  /** Register a device; the manufacturer recorded is the acting party's organisation. */
  public record Register(
      String model,
      String serialNumber,
      String factoryTestReportSha256,
      ActingParty party,
      String sourceMessageId,
      ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  /** Install a registered device, or move an installed one. */
  public record Install(
      String facility,
      String department,
      String responsiblePerson,
      ActingParty party,
      String sourceMessageId,
      ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  public record ReportUsage(
      double hours, ActingParty party, String sourceMessageId, ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  /** A fault; the description may be empty when the device reports only a code. */
  public record ReportFault(
      String code,
      String description,
      ActingParty party,
      String sourceMessageId,
      ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  /**
   * Maintenance, signed by the acting device engineer (recorded as its user). A failed maintenance
   * needs notes saying why.
   */
  public record PerformMaintenance(
      List<String> parts,
      MaintenanceResult result,
      String notes,
      ActingParty party,
      String sourceMessageId,
      ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  public record Decommission(
      String reason,
      String disposalMethod,
      ActingParty party,
      String sourceMessageId,
      ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  // ---- state ----

  public enum Status {
    NOT_REGISTERED,
    REGISTERED,
    INSTALLED,
    OUT_OF_SERVICE,
    DECOMMISSIONED
  }

  public enum MaintenanceResult {
    /** Fit for use; the usage counter since maintenance restarts at zero. */
    PASSED,
    /** Not fit for use until a maintenance passes. */
    FAILED;

    org.medtrace.ledger.v1.MaintenanceResult toProto() {
      return org.medtrace.ledger.v1.MaintenanceResult.valueOf("MAINTENANCE_RESULT_" + name());
    }

    static MaintenanceResult fromProto(org.medtrace.ledger.v1.MaintenanceResult result) {
      return switch (result) {
        case MAINTENANCE_RESULT_PASSED -> PASSED;
        case MAINTENANCE_RESULT_FAILED -> FAILED;
        default -> throw new IllegalStateException("a maintenance event has no result " + result);
      };
    }
  }

  public record Fault(String code, String description, String reportedBy, Instant reportedAt)
      implements CborSerializable {}

  public record Maintenance(
      String engineer, MaintenanceResult result, List<String> parts, String notes, Instant performedAt)
      implements CborSerializable {}

  public record Decommissioning(String reason, String disposalMethod, String decommissionedBy, Instant decommissionedAt)
      implements CborSerializable {}

  /**
   * @param factoryTestReportSha256 lower-case hex
   * @param maintenanceIntervalHours fixed at registration from the {@link Rules}
   * @param installations how many times it was installed (moves included)
   * @param hoursSinceMaintenance usage since the last passed maintenance (or since registration)
   * @param overduePeriodsRecorded the highest overdue period recorded since then (0: not overdue)
   * @param useAttemptsAfterDecommission refused-and-recorded uses of the decommissioned device
   */
  public record State(
      ChainHead head,
      Optional<String> brokenChain,
      RecentSources recentSources,
      Status status,
      String model,
      String serialNumber,
      String manufacturer,
      String factoryTestReportSha256,
      double maintenanceIntervalHours,
      Optional<Instant> registeredAt,
      String facility,
      String department,
      String responsiblePerson,
      Optional<Instant> installedAt,
      long installations,
      double totalHours,
      double hoursSinceMaintenance,
      long usageReports,
      int overduePeriodsRecorded,
      long faultCount,
      Optional<Fault> lastFault,
      Optional<Maintenance> lastMaintenance,
      Optional<Decommissioning> decommissioning,
      long useAttemptsAfterDecommission)
      implements LedgerState<State> {

    public static State empty(String entityId) {
      return new State(
          ChainHead.genesis(ENTITY_TYPE, entityId),
          Optional.empty(),
          RecentSources.NONE,
          Status.NOT_REGISTERED,
          "",
          "",
          "",
          "",
          0,
          Optional.empty(),
          "",
          "",
          "",
          Optional.empty(),
          0,
          0,
          0,
          0,
          0,
          0,
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          0);
    }

    public boolean isRegistered() {
      return status != Status.NOT_REGISTERED;
    }

    public boolean isInstalledSomewhere() {
      return !facility.isEmpty();
    }

    public boolean isMaintenanceOverdue() {
      return overduePeriodsRecorded > 0;
    }

    @Override
    public State withHead(ChainHead newHead) {
      return new Draft(this).head(newHead).build();
    }

    @Override
    public State withRecentSources(RecentSources sources) {
      return new Draft(this).recentSources(sources).build();
    }

    @Override
    public State withBrokenChain(String description) {
      return new Draft(this).brokenChain(description).build();
    }

    @Override
    public State apply(EventBody event) {
      Draft next = new Draft(this);
      Instant at = instant(event.getRecordedAt());
      switch (event.getEventCase()) {
        case DEVICE_REGISTERED -> {
          DeviceRegistered e = event.getDeviceRegistered();
          next.status = Status.REGISTERED;
          next.model = e.getModel();
          next.serialNumber = e.getSerialNumber();
          next.manufacturer = e.getManufacturer();
          next.factoryTestReportSha256 = HashChain.hex(e.getFactoryTestReportSha256().toByteArray());
          next.maintenanceIntervalHours = e.getMaintenanceIntervalHours();
          next.registeredAt = Optional.of(at);
        }
        case DEVICE_INSTALLED -> {
          DeviceInstalled e = event.getDeviceInstalled();
          next.status = Status.INSTALLED;
          next.facility = e.getFacility();
          next.department = e.getDepartment();
          next.responsiblePerson = e.getResponsiblePerson();
          next.installedAt = Optional.of(at);
          next.installations++;
        }
        case USAGE_REPORTED -> {
          UsageReported e = event.getUsageReported();
          // The event carries the counters, so replay needs no arithmetic to agree with the writer.
          next.totalHours = e.getTotalHours();
          next.hoursSinceMaintenance = e.getHoursSinceMaintenance();
          next.usageReports++;
        }
        case MAINTENANCE_OVERDUE -> next.overduePeriodsRecorded = event.getMaintenanceOverdue().getOverduePeriod();
        case FAULT_REPORTED -> {
          FaultReported e = event.getFaultReported();
          next.faultCount++;
          next.lastFault = Optional.of(new Fault(e.getCode(), e.getDescription(), event.getActingParty().getUser(), at));
        }
        case MAINTENANCE_PERFORMED -> {
          MaintenancePerformed e = event.getMaintenancePerformed();
          MaintenanceResult result = MaintenanceResult.fromProto(e.getResult());
          next.lastMaintenance =
              Optional.of(new Maintenance(e.getEngineer(), result, List.copyOf(e.getPartsList()), e.getNotes(), at));
          if (result == MaintenanceResult.PASSED) {
            next.hoursSinceMaintenance = 0;
            next.overduePeriodsRecorded = 0;
            if (status == Status.OUT_OF_SERVICE) {
              next.status = isInstalledSomewhere() ? Status.INSTALLED : Status.REGISTERED;
            }
          } else {
            next.status = Status.OUT_OF_SERVICE;
          }
        }
        case DEVICE_DECOMMISSIONED -> {
          DeviceDecommissioned e = event.getDeviceDecommissioned();
          next.status = Status.DECOMMISSIONED;
          next.decommissioning =
              Optional.of(new Decommissioning(e.getReason(), e.getDisposalMethod(), event.getActingParty().getOrganisation(), at));
        }
        case DECOMMISSIONED_DEVICE_USE_ATTEMPTED -> next.useAttemptsAfterDecommission++;
        default -> throw new IllegalStateException(
            "a medical device has no event " + event.getEventCase() + " (#" + event.getSequenceNumber() + ")");
      }
      return next.build();
    }
  }

  /** A mutable copy of a state, for transitions; never escapes {@link State#apply}. */
  private static final class Draft {
    private ChainHead head;
    private Optional<String> brokenChain;
    private RecentSources recentSources;
    private Status status;
    private String model;
    private String serialNumber;
    private String manufacturer;
    private String factoryTestReportSha256;
    private double maintenanceIntervalHours;
    private Optional<Instant> registeredAt;
    private String facility;
    private String department;
    private String responsiblePerson;
    private Optional<Instant> installedAt;
    private long installations;
    private double totalHours;
    private double hoursSinceMaintenance;
    private long usageReports;
    private int overduePeriodsRecorded;
    private long faultCount;
    private Optional<Fault> lastFault;
    private Optional<Maintenance> lastMaintenance;
    private Optional<Decommissioning> decommissioning;
    private long useAttemptsAfterDecommission;

    Draft(State s) {
      head = s.head();
      brokenChain = s.brokenChain();
      recentSources = s.recentSources();
      status = s.status();
      model = s.model();
      serialNumber = s.serialNumber();
      manufacturer = s.manufacturer();
      factoryTestReportSha256 = s.factoryTestReportSha256();
      maintenanceIntervalHours = s.maintenanceIntervalHours();
      registeredAt = s.registeredAt();
      facility = s.facility();
      department = s.department();
      responsiblePerson = s.responsiblePerson();
      installedAt = s.installedAt();
      installations = s.installations();
      totalHours = s.totalHours();
      hoursSinceMaintenance = s.hoursSinceMaintenance();
      usageReports = s.usageReports();
      overduePeriodsRecorded = s.overduePeriodsRecorded();
      faultCount = s.faultCount();
      lastFault = s.lastFault();
      lastMaintenance = s.lastMaintenance();
      decommissioning = s.decommissioning();
      useAttemptsAfterDecommission = s.useAttemptsAfterDecommission();
    }

    Draft head(ChainHead newHead) {
      head = newHead;
      return this;
    }

    Draft recentSources(RecentSources sources) {
      recentSources = sources;
      return this;
    }

    Draft brokenChain(String description) {
      brokenChain = Optional.of(description);
      return this;
    }

    State build() {
      return new State(
          head,
          brokenChain,
          recentSources,
          status,
          model,
          serialNumber,
          manufacturer,
          factoryTestReportSha256,
          maintenanceIntervalHours,
          registeredAt,
          facility,
          department,
          responsiblePerson,
          installedAt,
          installations,
          totalHours,
          hoursSinceMaintenance,
          usageReports,
          overduePeriodsRecorded,
          faultCount,
          lastFault,
          lastMaintenance,
          decommissioning,
          useAttemptsAfterDecommission);
    }
  }

  // ---- behaviour ----

  /** Which roles may issue each write. */
  public static final Map<Class<? extends Command>, Permission> PERMISSIONS =
      Map.of(
          Register.class, new Permission("register a device", Set.of(Role.MANUFACTURER)),
          Install.class, new Permission("install a device", Set.of(Role.HOSPITAL, Role.DEVICE_ENGINEER)),
          ReportUsage.class,
              new Permission("report device usage", Set.of(Role.HOSPITAL, Role.DEVICE_ENGINEER, Role.CLINICIAN)),
          ReportFault.class,
              new Permission("report a device fault", Set.of(Role.HOSPITAL, Role.DEVICE_ENGINEER, Role.CLINICIAN)),
          PerformMaintenance.class, new Permission("sign a device maintenance", Set.of(Role.DEVICE_ENGINEER)),
          Decommission.class,
              new Permission("decommission a device", Set.of(Role.HOSPITAL, Role.DEVICE_ENGINEER, Role.REGULATOR)));

  private final Rules rules;

  private MedicalDevice(String entityId, LedgerSettings settings, Rules rules) {
    super(ENTITY_TYPE, entityId, settings, PERMISSIONS);
    this.rules = rules;
  }

  public static MedicalDevice create(String entityId, LedgerSettings settings, Rules rules) {
    return new MedicalDevice(entityId, settings, rules);
  }

  /** Starts sharding for medical devices on this node. */
  public static void init(ActorSystem<?> system, LedgerSettings settings, Rules rules) {
    ClusterSharding.get(system)
        .init(Entity.of(TYPE_KEY, context -> create(context.getEntityId(), settings, rules)));
  }

  @Override
  public State emptyState() {
    return State.empty(entityId);
  }

  @Override
  protected ReplyEffect<JournalRecord, State> handle(State state, Command command) {
    if (command instanceof Get get) {
      return Effect().reply(get.replyTo(), state);
    }
    if (command instanceof Register register) {
      return onRegister(state, register);
    }
    LedgerWrite write = (LedgerWrite) command;
    if (!state.isRegistered()) {
      return refuse(write, Rejection.NOT_FOUND, "medical device " + entityId + " is not registered (status NOT_REGISTERED)");
    }
    if (command instanceof Install install) {
      return onInstall(state, install);
    } else if (command instanceof ReportUsage usage) {
      return onReportUsage(state, usage);
    } else if (command instanceof ReportFault fault) {
      return onReportFault(state, fault);
    } else if (command instanceof PerformMaintenance maintenance) {
      return onPerformMaintenance(state, maintenance);
    } else if (command instanceof Decommission decommission) {
      return onDecommission(state, decommission);
    }
    throw new IllegalArgumentException("unhandled command " + command.getClass().getName());
  }

  private ReplyEffect<JournalRecord, State> onRegister(State state, Register c) {
    if (state.isRegistered()) {
      return refuse(
          c,
          Rejection.ILLEGAL_STATE,
          "medical device " + entityId + " is already registered (by " + state.manufacturer() + ", status " + state.status() + ")");
    }
    Optional<String> badId = DeviceId.problem(entityId);
    if (badId.isPresent()) {
      return refuse(c, Rejection.INVALID_INPUT, badId.get());
    }
    if (isBlank(c.model()) || isBlank(c.serialNumber())) {
      return refuse(c, Rejection.INVALID_INPUT, "model and serialNumber are required");
    }
    if (!isSha256Hex(c.factoryTestReportSha256())) {
      return refuse(c, Rejection.INVALID_INPUT, "factoryTestReportSha256 must be 64 lower-case hex digits");
    }
    return accept(
        state,
        c,
        EventBody.newBuilder()
            .setDeviceRegistered(
                DeviceRegistered.newBuilder()
                    .setModel(c.model())
                    .setSerialNumber(c.serialNumber())
                    .setManufacturer(c.party().organisation())
                    .setFactoryTestReportSha256(sha256Bytes(c.factoryTestReportSha256()))
                    .setMaintenanceIntervalHours(rules.intervalFor(c.model()))));
  }

  private ReplyEffect<JournalRecord, State> onInstall(State state, Install c) {
    if (isBlank(c.facility()) || isBlank(c.department()) || isBlank(c.responsiblePerson())) {
      return refuse(c, Rejection.INVALID_INPUT, "facility, department and responsiblePerson are required");
    }
    if (state.status() == Status.DECOMMISSIONED) {
      return recordUseAfterDecommission(
          state, c, "install", "be installed",
          "at " + c.facility() + " / " + c.department() + ", responsible " + c.responsiblePerson());
    }
    if (state.status() != Status.REGISTERED && state.status() != Status.INSTALLED) {
      return illegalState(c, state, "install");
    }
    if (state.status() == Status.INSTALLED
        && state.facility().equals(c.facility())
        && state.department().equals(c.department())
        && state.responsiblePerson().equals(c.responsiblePerson())) {
      return refuse(
          c,
          Rejection.BUSINESS_RULE,
          "medical device " + entityId + " is already INSTALLED at " + place(state) + " under " + state.responsiblePerson() + ": nothing changes");
    }
    return accept(
        state,
        c,
        EventBody.newBuilder()
            .setDeviceInstalled(
                DeviceInstalled.newBuilder()
                    .setFacility(c.facility())
                    .setDepartment(c.department())
                    .setResponsiblePerson(c.responsiblePerson())
                    .setPreviousFacility(state.facility())
                    .setPreviousDepartment(state.department())));
  }

  private ReplyEffect<JournalRecord, State> onReportUsage(State state, ReportUsage c) {
    if (!Double.isFinite(c.hours()) || !(c.hours() > 0) || c.hours() > MAX_USAGE_HOURS_PER_REPORT) {
      return refuse(
          c, Rejection.INVALID_INPUT, "usage hours must be finite, above 0 and at most " + MAX_USAGE_HOURS_PER_REPORT + ", was " + c.hours());
    }
    if (state.status() == Status.DECOMMISSIONED) {
      return recordUseAfterDecommission(state, c, "usage", "be used", c.hours() + " h");
    }
    if (state.status() != Status.INSTALLED) {
      return illegalState(c, state, "report usage of");
    }
    double total = state.totalHours() + c.hours();
    double sinceMaintenance = state.hoursSinceMaintenance() + c.hours();
    List<EventBody.Builder> events = new ArrayList<>();
    events.add(
        EventBody.newBuilder()
            .setUsageReported(
                UsageReported.newBuilder()
                    .setHours(c.hours())
                    .setTotalHours(total)
                    .setHoursSinceMaintenance(sinceMaintenance)));
    double interval = state.maintenanceIntervalHours();
    int entered = overduePeriodsEntered(sinceMaintenance, interval);
    for (int period = state.overduePeriodsRecorded() + 1; period <= entered; period++) {
      events.add(
          EventBody.newBuilder()
              .setMaintenanceOverdue(
                  MaintenanceOverdue.newBuilder()
                      .setHoursSinceMaintenance(sinceMaintenance)
                      .setIntervalHours(interval)
                      .setOverduePeriod(period)));
    }
    return accept(state, c, events.toArray(EventBody.Builder[]::new));
  }

  /**
   * The overdue periods that {@code hours} since maintenance has entered: period k is entered when
   * the hours exceed (strictly) k times the interval, so exactly one interval of use is not overdue.
   */
  static int overduePeriodsEntered(double hours, double interval) {
    if (!(hours > interval)) {
      return 0;
    }
    // Start from the quotient, then settle on the definition itself so that rounding in the
    // division cannot move a boundary.
    long k = (long) Math.floor(hours / interval);
    while ((k + 1) * interval < hours) {
      k++;
    }
    while (k > 0 && k * interval >= hours) {
      k--;
    }
    return Math.toIntExact(k);
  }

  private ReplyEffect<JournalRecord, State> onReportFault(State state, ReportFault c) {
    if (isBlank(c.code())) {
      return refuse(c, Rejection.INVALID_INPUT, "a fault needs a code");
    }
    String description = c.description() == null ? "" : c.description();
    if (state.status() == Status.DECOMMISSIONED) {
      return recordUseAfterDecommission(
          state, c, "fault", "report faults", c.code() + (description.isEmpty() ? "" : ": " + description));
    }
    if (state.status() != Status.INSTALLED && state.status() != Status.OUT_OF_SERVICE) {
      return illegalState(c, state, "report a fault of");
    }
    return accept(
        state,
        c,
        EventBody.newBuilder().setFaultReported(FaultReported.newBuilder().setCode(c.code()).setDescription(description)));
  }

  private ReplyEffect<JournalRecord, State> onPerformMaintenance(State state, PerformMaintenance c) {
    List<String> parts = c.parts() == null ? List.of() : c.parts();
    String notes = c.notes() == null ? "" : c.notes();
    if (c.result() == null) {
      return refuse(c, Rejection.INVALID_INPUT, "a maintenance needs a result (PASSED or FAILED)");
    }
    if (parts.stream().anyMatch(Fields::isBlank)) {
      return refuse(c, Rejection.INVALID_INPUT, "replaced parts must be non-blank");
    }
    if (c.result() == MaintenanceResult.FAILED && notes.isBlank()) {
      return refuse(c, Rejection.INVALID_INPUT, "a failed maintenance needs notes saying why the device is unfit");
    }
    if (state.status() == Status.DECOMMISSIONED) {
      return recordUseAfterDecommission(
          state,
          c,
          "maintenance",
          "be maintained",
          c.result() + (parts.isEmpty() ? "" : ", parts " + String.join(", ", parts)) + (notes.isBlank() ? "" : ": " + notes));
    }
    // REGISTERED, INSTALLED and OUT_OF_SERVICE are the only statuses left: all may be maintained.
    return accept(
        state,
        c,
        EventBody.newBuilder()
            .setMaintenancePerformed(
                MaintenancePerformed.newBuilder()
                    .setEngineer(c.party().user())
                    .addAllParts(parts)
                    .setResult(c.result().toProto())
                    .setNotes(notes)
                    .setHoursSincePreviousMaintenance(state.hoursSinceMaintenance())));
  }

  private ReplyEffect<JournalRecord, State> onDecommission(State state, Decommission c) {
    if (isBlank(c.reason()) || isBlank(c.disposalMethod())) {
      return refuse(c, Rejection.INVALID_INPUT, "a decommissioning needs a reason and a disposal method");
    }
    if (state.status() == Status.DECOMMISSIONED) {
      return illegalState(c, state, "decommission");
    }
    return accept(
        state,
        c,
        EventBody.newBuilder()
            .setDeviceDecommissioned(
                DeviceDecommissioned.newBuilder().setReason(c.reason()).setDisposalMethod(c.disposalMethod())));
  }

  /** Refuses a use of a decommissioned device and keeps the attempt on the chain as evidence. */
  private ReplyEffect<JournalRecord, State> recordUseAfterDecommission(
      State state, LedgerWrite c, String attemptedAction, String verb, String detail) {
    return refuseAndRecord(
        state,
        c,
        "medical device " + entityId + " is DECOMMISSIONED" + statusDetail(state) + " and may not " + verb + "; the attempt is recorded",
        EventBody.newBuilder()
            .setDecommissionedDeviceUseAttempted(
                DecommissionedDeviceUseAttempted.newBuilder().setAttemptedAction(attemptedAction).setDetail(detail)));
  }

  private ReplyEffect<JournalRecord, State> illegalState(LedgerWrite c, State state, String action) {
    return refuse(
        c, Rejection.ILLEGAL_STATE, "cannot " + action + " medical device " + entityId + ": it is " + state.status() + statusDetail(state));
  }

  /** What a reader of a refusal needs to know about the current status, in parentheses. */
  private static String statusDetail(State state) {
    return switch (state.status()) {
      case NOT_REGISTERED -> "";
      case REGISTERED -> " (not installed)";
      case INSTALLED -> " (at " + place(state) + ")";
      case OUT_OF_SERVICE -> state.lastMaintenance()
          .map(m -> " (maintenance " + m.result() + " by " + m.engineer() + " at " + m.performedAt() + ": " + m.notes() + ")")
          .orElse("");
      case DECOMMISSIONED -> state.decommissioning()
          .map(d -> " (by " + d.decommissionedBy() + " at " + d.decommissionedAt() + ": " + d.reason() + ")")
          .orElse("");
    };
  }

  private static String place(State state) {
    return state.facility() + " / " + state.department();
  }
}
