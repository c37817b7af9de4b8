package org.medtrace.actors.batch;

import static org.medtrace.actors.ledger.Fields.isBlank;
import static org.medtrace.actors.ledger.Fields.isSha256Hex;
import static org.medtrace.actors.ledger.Fields.sha256Bytes;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
import org.medtrace.ledger.v1.BatchDestroyed;
import org.medtrace.ledger.v1.BatchQuarantined;
import org.medtrace.ledger.v1.BatchRecalled;
import org.medtrace.ledger.v1.BatchReceived;
import org.medtrace.ledger.v1.BatchRegistered;
import org.medtrace.ledger.v1.BatchShipped;
import org.medtrace.ledger.v1.BatchStatus;
import org.medtrace.ledger.v1.ColdChainQuarantined;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.QuarantineReleased;
import org.medtrace.ledger.v1.SuspectedDuplicateScan;
import org.medtrace.ledger.v1.TemperatureReading;
import org.medtrace.ledger.v1.TemperatureRecorded;
import org.medtrace.ledger.v1.UnitsDispensed;
import org.medtrace.persistence.chain.ChainHead;
import org.medtrace.persistence.chain.HashChain;
import org.medtrace.persistence.chain.JournalRecord;

/**
 * A drug batch, from the factory to the patient ("one box, one code, all the way").
 *
 * <p>Lifecycle: a manufacturer registers it ({@code REGISTERED}, in the manufacturer's custody);
 * the custodian ships it ({@code IN_TRANSIT}); the addressee receives it ({@code IN_STOCK}, now the
 * custodian); a pharmacist of the custodian dispenses units to patients. It may ship on from stock.
 * A regulator or the manufacturer can quarantine it at any point before recall or destruction, and
 * only a regulator releases it (back to the status it had); a recall and destruction are final.
 * An expired batch neither ships nor dispenses.
 *
 * <p>Rules that execute themselves:
 *
 * <ul>
 *   <li>Cold chain: {@link Rules#coldChainConsecutiveLimit} consecutive readings outside the
 *       batch's temperature range quarantine it, with the offending readings in the event (an
 *       alert). Readings go on being recorded while quarantined, without a second quarantine.
 *   <li>One unit, one dispense: a unit serial dispensed before is refused, and the refusal is kept
 *       on the chain as a {@code SuspectedDuplicateScan} (an alert): it is evidence of a counterfeit.
 *   <li>Never dispense more than is in stock.
 * </ul>
 */
public final class DrugBatch extends LedgerEntity<DrugBatch.Command, DrugBatch.State> {

  public static final String ENTITY_TYPE = "drug-batch";
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, ENTITY_TYPE);


  /**
   * @param coldChainConsecutiveLimit readings outside the range in a row that quarantine the batch
   */
  public record Rules(int coldChainConsecutiveLimit) {
    public Rules {
      if (coldChainConsecutiveLimit < 1) {
        throw new IllegalArgumentException("the cold-chain limit must be at least 1");
      }
    }

    public static Rules defaults() {
      return new Rules(3);
    }
  }

  /** Allowed storage temperature, inclusive. */
  public record TemperatureRange(double minCelsius, double maxCelsius) implements CborSerializable {
    public static final TemperatureRange COLD_CHAIN = new TemperatureRange(2.0, 8.0);

    public boolean contains(double celsius) {
      return celsius >= minCelsius && celsius <= maxCelsius;
    }
  }

  // ---- commands ----

  public sealed interface Command extends CborSerializable {}

  /** Read the batch's current state; writes nothing. */
  public record Get(ActorRef<State> replyTo) implements Command {}

  /**
   * Register a batch made by the acting manufacturer.
   *
   * @param unitSerials the serials of the units commissioned with it (at most {@code quantity});
   *     empty when units are not serialised. See {@link BatchRegistration} for the unit index.
   */
  public record Register(
      String productName,
      LocalDate expiryDate,
      long quantity,
      String qcReportSha256,
      TemperatureRange temperatureRange,
      List<String> unitSerials,
      ActingParty party,
      String sourceMessageId,
      ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  public record Ship(
      String shipmentId,
      String fromOrganisation,
      String toOrganisation,
      String carrier,
      ActingParty party,
      String sourceMessageId,
      ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  public record RecordTemperature(
      String sensorId,
      Instant measuredAt,
      double celsius,
      ActingParty party,
      String sourceMessageId,
      ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  public record Receive(
      String shipmentId,
      long quantity,
      ActingParty party,
      String sourceMessageId,
      ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  /** Dispense units to a patient; the acting party is the pharmacist. */
  public record Dispense(
      long quantity,
      List<String> unitSerials,
      String patientPseudonym,
      ActingParty party,
      String sourceMessageId,
      ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  public record Quarantine(
      String reason, ActingParty party, String sourceMessageId, ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  public record Release(
      String reason, ActingParty party, String sourceMessageId, ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  public record Recall(
      String reason, ActingParty party, String sourceMessageId, ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  public record Destroy(
      String method,
      String reason,
      ActingParty party,
      String sourceMessageId,
      ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  // ---- state ----

  public enum Status {
    NOT_REGISTERED,
    REGISTERED,
    IN_TRANSIT,
    IN_STOCK,
    QUARANTINED,
    RECALLED,
    DESTROYED;

    BatchStatus toProto() {
      return BatchStatus.valueOf("BATCH_STATUS_" + name());
    }

    static Status fromProto(BatchStatus status) {
      return valueOf(status.name().substring("BATCH_STATUS_".length()));
    }
  }

  public record Shipment(String shipmentId, String fromOrganisation, String toOrganisation, String carrier)
      implements CborSerializable {}

  public record Reading(String sensorId, Instant measuredAt, double celsius) implements CborSerializable {}

  /** Where and when a unit serial was dispensed. */
  public record DispensedUnit(long sequenceNumber, Instant dispensedAt) implements CborSerializable {}

  /**
   * @param stock units held by the custodian (in transit: units on the way)
   * @param excursions the current run of consecutive readings outside the range
   * @param statusBeforeQuarantine where a release returns to
   */
  public record State(
      ChainHead head,
      Optional<String> brokenChain,
      RecentSources recentSources,
      Status status,
      String productName,
      LocalDate expiryDate,
      long registeredQuantity,
      String manufacturer,
      String qcReportSha256,
      TemperatureRange temperatureRange,
      String custodian,
      Optional<Shipment> shipment,
      long stock,
      long receivedTotal,
      long dispensedTotal,
      Map<String, DispensedUnit> dispensedUnits,
      List<Reading> excursions,
      long readingsRecorded,
      Status statusBeforeQuarantine,
      String statusReason,
      long suspectedDuplicateScans,
      Set<String> commissionedUnits,
      Set<String> duplicateScannedUnits)
      implements LedgerState<State> {

    public static State empty(String entityId) {
      return new State(
          ChainHead.genesis(ENTITY_TYPE, entityId),
          Optional.empty(),
          RecentSources.NONE,
          Status.NOT_REGISTERED,
          "",
          null,
          0,
          "",
          "",
          TemperatureRange.COLD_CHAIN,
          "",
          Optional.empty(),
          0,
          0,
          0,
          Map.of(),
          List.of(),
          0,
          Status.NOT_REGISTERED,
          "",
          0,
          Set.of(),
          Set.of());
    }

    public boolean isRegistered() {
      return status != Status.NOT_REGISTERED;
    }

    public boolean isExpiredAt(Instant now) {
      return expiryDate != null && LocalDate.ofInstant(now, ZoneOffset.UTC).isAfter(expiryDate);
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
      switch (event.getEventCase()) {
        case BATCH_REGISTERED -> {
          BatchRegistered e = event.getBatchRegistered();
          next.status = Status.REGISTERED;
          next.productName = e.getProductName();
          next.expiryDate = LocalDate.parse(e.getExpiryDate());
          next.registeredQuantity = e.getQuantity();
          next.stock = e.getQuantity();
          next.manufacturer = e.getManufacturer();
          next.custodian = e.getManufacturer();
          next.qcReportSha256 = HashChain.hex(e.getQcReportSha256().toByteArray());
          next.temperatureRange = new TemperatureRange(e.getMinCelsius(), e.getMaxCelsius());
          next.commissionedUnits = new HashSet<>(next.commissionedUnits);
          next.commissionedUnits.addAll(e.getUnitSerialsList());
        }
        case BATCH_SHIPPED -> {
          BatchShipped e = event.getBatchShipped();
          next.status = Status.IN_TRANSIT;
          next.shipment =
              Optional.of(
                  new Shipment(e.getShipmentId(), e.getFromOrganisation(), e.getToOrganisation(), e.getCarrier()));
        }
        case BATCH_RECEIVED -> {
          BatchReceived e = event.getBatchReceived();
          next.status = Status.IN_STOCK;
          next.custodian = e.getReceiver();
          next.shipment = Optional.empty();
          next.stock = e.getQuantity();
          next.receivedTotal = e.getReceivedTotal();
        }
        case TEMPERATURE_RECORDED -> {
          TemperatureRecorded e = event.getTemperatureRecorded();
          next.readingsRecorded++;
          if (e.getWithinRange()) {
            next.excursions = new ArrayList<>();
          } else {
            next.excursions = new ArrayList<>(next.excursions);
            next.excursions.add(reading(e.getReading()));
          }
        }
        case COLD_CHAIN_QUARANTINED -> {
          next.statusBeforeQuarantine = Status.fromProto(event.getColdChainQuarantined().getPreviousStatus());
          next.status = Status.QUARANTINED;
          next.statusReason =
              "cold chain: "
                  + event.getColdChainQuarantined().getOffendingReadingsCount()
                  + " consecutive readings outside "
                  + temperatureRange.minCelsius()
                  + ".."
                  + temperatureRange.maxCelsius()
                  + " °C";
        }
        case UNITS_DISPENSED -> {
          UnitsDispensed e = event.getUnitsDispensed();
          next.stock -= e.getQuantity();
          next.dispensedTotal += e.getQuantity();
          DispensedUnit unit = new DispensedUnit(event.getSequenceNumber(), instant(event.getRecordedAt()));
          next.dispensedUnits = new HashMap<>(next.dispensedUnits);
          e.getUnitSerialsList().forEach(serial -> next.dispensedUnits.put(serial, unit));
        }
        case SUSPECTED_DUPLICATE_SCAN -> {
          next.suspectedDuplicateScans++;
          next.duplicateScannedUnits = new HashSet<>(next.duplicateScannedUnits);
          next.duplicateScannedUnits.add(event.getSuspectedDuplicateScan().getUnitSerial());
        }
        case BATCH_QUARANTINED -> {
          next.statusBeforeQuarantine = Status.fromProto(event.getBatchQuarantined().getPreviousStatus());
          next.status = Status.QUARANTINED;
          next.statusReason = event.getBatchQuarantined().getReason();
        }
        case QUARANTINE_RELEASED -> {
          next.status = Status.fromProto(event.getQuarantineReleased().getRestoredStatus());
          next.statusReason = event.getQuarantineReleased().getReason();
          // A released batch starts a new cold-chain run: the excursions that locked it were judged.
          next.excursions = new ArrayList<>();
        }
        case BATCH_RECALLED -> {
          next.status = Status.RECALLED;
          next.statusReason = event.getBatchRecalled().getReason();
        }
        case BATCH_DESTROYED -> {
          next.status = Status.DESTROYED;
          next.statusReason = event.getBatchDestroyed().getReason();
          next.stock = 0;
        }
        default -> throw new IllegalStateException(
            "a drug batch has no event " + event.getEventCase() + " (#" + event.getSequenceNumber() + ")");
      }
      return next.build();
    }

    private static Reading reading(TemperatureReading reading) {
      return new Reading(reading.getSensorId(), instant(reading.getMeasuredAt()), reading.getCelsius());
    }
  }

  /**
   * A mutable copy of a state, for transitions; never escapes {@link State#apply}. Its collections
   * are the state's own (immutable) ones until a transition changes them, and only then copied:
   * every event goes through three drafts (event, chain head, idempotency window), and a
   * temperature reading must not copy a batch's thousands of unit serials each time.
   */
  private static final class Draft {
    private ChainHead head;
    private Optional<String> brokenChain;
    private RecentSources recentSources;
    private Status status;
    private String productName;
    private LocalDate expiryDate;
    private long registeredQuantity;
    private String manufacturer;
    private String qcReportSha256;
    private TemperatureRange temperatureRange;
    private String custodian;
    private Optional<Shipment> shipment;
    private long stock;
    private long receivedTotal;
    private long dispensedTotal;
    private Map<String, DispensedUnit> dispensedUnits;
    private List<Reading> excursions;
    private long readingsRecorded;
    private Status statusBeforeQuarantine;
    private String statusReason;
    private long suspectedDuplicateScans;
    private Set<String> commissionedUnits;
    private Set<String> duplicateScannedUnits;

    Draft(State s) {
      head = s.head();
      brokenChain = s.brokenChain();
      recentSources = s.recentSources();
      status = s.status();
      productName = s.productName();
      expiryDate = s.expiryDate();
      registeredQuantity = s.registeredQuantity();
      manufacturer = s.manufacturer();
      qcReportSha256 = s.qcReportSha256();
      temperatureRange = s.temperatureRange();
      custodian = s.custodian();
      shipment = s.shipment();
      stock = s.stock();
      receivedTotal = s.receivedTotal();
      dispensedTotal = s.dispensedTotal();
      dispensedUnits = s.dispensedUnits();
      excursions = s.excursions();
      readingsRecorded = s.readingsRecorded();
      statusBeforeQuarantine = s.statusBeforeQuarantine();
      statusReason = s.statusReason();
      suspectedDuplicateScans = s.suspectedDuplicateScans();
      commissionedUnits = s.commissionedUnits();
      duplicateScannedUnits = s.duplicateScannedUnits();
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
          productName,
          expiryDate,
          registeredQuantity,
          manufacturer,
          qcReportSha256,
          temperatureRange,
          custodian,
          shipment,
          stock,
          receivedTotal,
          dispensedTotal,
          Map.copyOf(dispensedUnits),
          List.copyOf(excursions),
          readingsRecorded,
          statusBeforeQuarantine,
          statusReason,
          suspectedDuplicateScans,
          Set.copyOf(commissionedUnits),
          Set.copyOf(duplicateScannedUnits));
    }
  }

  // ---- behaviour ----

  /** Which roles may issue each write; the custody and ownership checks in the handlers come on top. */
  public static final Map<Class<? extends Command>, Permission> PERMISSIONS =
      Map.of(
          Register.class, new Permission("register a batch", Set.of(Role.MANUFACTURER)),
          Ship.class, new Permission("ship a batch", Set.of(Role.MANUFACTURER, Role.LOGISTICS, Role.HOSPITAL)),
          RecordTemperature.class,
              new Permission("record temperatures", Set.of(Role.LOGISTICS, Role.HOSPITAL, Role.MANUFACTURER)),
          Receive.class, new Permission("receive a batch", Set.of(Role.HOSPITAL, Role.PHARMACIST)),
          Dispense.class, new Permission("dispense", Set.of(Role.PHARMACIST)),
          Quarantine.class, new Permission("quarantine a batch", Set.of(Role.REGULATOR, Role.MANUFACTURER)),
          Release.class, new Permission("release a quarantine", Set.of(Role.REGULATOR)),
          Recall.class, new Permission("recall a batch", Set.of(Role.REGULATOR, Role.MANUFACTURER)),
          Destroy.class,
              new Permission(
                  "destroy a batch", Set.of(Role.REGULATOR, Role.MANUFACTURER, Role.HOSPITAL, Role.PHARMACIST)));

  private final Rules rules;

  private DrugBatch(String entityId, LedgerSettings settings, Rules rules) {
    super(ENTITY_TYPE, entityId, settings, PERMISSIONS);
    this.rules = rules;
  }

  public static DrugBatch create(String entityId, LedgerSettings settings, Rules rules) {
    return new DrugBatch(entityId, settings, rules);
  }

  /** Starts sharding for drug batches on this node. */
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
      return refuse(write, Rejection.NOT_FOUND, "drug batch " + entityId + " is not registered");
    }
    if (command instanceof Ship ship) {
      return onShip(state, ship);
    } else if (command instanceof RecordTemperature reading) {
      return onRecordTemperature(state, reading);
    } else if (command instanceof Receive receive) {
      return onReceive(state, receive);
    } else if (command instanceof Dispense dispense) {
      return onDispense(state, dispense);
    } else if (command instanceof Quarantine quarantine) {
      return onQuarantine(state, quarantine);
    } else if (command instanceof Release release) {
      return onRelease(state, release);
    } else if (command instanceof Recall recall) {
      return onRecall(state, recall);
    } else if (command instanceof Destroy destroy) {
      return onDestroy(state, destroy);
    }
    throw new IllegalArgumentException("unhandled command " + command.getClass().getName());
  }

  private ReplyEffect<JournalRecord, State> onRegister(State state, Register c) {
    if (state.isRegistered()) {
      return refuse(
          c,
          Rejection.ILLEGAL_STATE,
          "drug batch " + entityId + " is already registered (by " + state.manufacturer() + ", status " + state.status() + ")");
    }
    BatchId id;
    try {
      id = BatchId.fromEntityId(entityId);
    } catch (IllegalArgumentException e) {
      return refuse(c, Rejection.INVALID_INPUT, e.getMessage());
    }
    Optional<String> invalid = invalidRegistration(c);
    if (invalid.isPresent()) {
      return refuse(c, Rejection.INVALID_INPUT, invalid.get());
    }
    if (!c.expiryDate().isAfter(LocalDate.ofInstant(now(), ZoneOffset.UTC))) {
      return refuse(c, Rejection.BUSINESS_RULE, "batch " + entityId + " would be registered expired (" + c.expiryDate() + ")");
    }
    return accept(
        state,
        c,
        EventBody.newBuilder()
            .setBatchRegistered(
                BatchRegistered.newBuilder()
                    .setGtin(id.gtin())
                    .setLot(id.lot())
                    .setProductName(c.productName())
                    .setExpiryDate(c.expiryDate().toString())
                    .setQuantity(c.quantity())
                    .setManufacturer(c.party().organisation())
                    .setQcReportSha256(sha256Bytes(c.qcReportSha256()))
                    .setMinCelsius(c.temperatureRange().minCelsius())
                    .setMaxCelsius(c.temperatureRange().maxCelsius())
                    .addAllUnitSerials(serialsOf(c))));
  }

  private static Optional<String> invalidRegistration(Register c) {
    if (isBlank(c.productName())) {
      return Optional.of("productName is required");
    }
    if (c.expiryDate() == null) {
      return Optional.of("expiryDate is required");
    }
    if (c.quantity() < 1) {
      return Optional.of("quantity must be at least 1, was " + c.quantity());
    }
    if (!isSha256Hex(c.qcReportSha256())) {
      return Optional.of("qcReportSha256 must be 64 lower-case hex digits");
    }
    TemperatureRange range = c.temperatureRange();
    if (range == null || !(range.minCelsius() < range.maxCelsius()) || range.minCelsius() < -100 || range.maxCelsius() > 100) {
      return Optional.of("temperature range must have min < max within -100..100 °C, was " + range);
    }
    List<String> serials = serialsOf(c);
    if (serials.stream().anyMatch(Fields::isBlank) || new HashSet<>(serials).size() != serials.size()) {
      return Optional.of("unit serials must be non-blank and distinct");
    }
    if (serials.size() > c.quantity()) {
      return Optional.of(serials.size() + " unit serials given for a batch of " + c.quantity() + " units");
    }
    return Optional.empty();
  }

  private static List<String> serialsOf(Register c) {
    return c.unitSerials() == null ? List.of() : c.unitSerials();
  }

  private ReplyEffect<JournalRecord, State> onShip(State state, Ship c) {
    if (isBlank(c.shipmentId()) || isBlank(c.fromOrganisation()) || isBlank(c.toOrganisation()) || isBlank(c.carrier())) {
      return refuse(c, Rejection.INVALID_INPUT, "shipmentId, fromOrganisation, toOrganisation and carrier are required");
    }
    if (state.status() != Status.REGISTERED && state.status() != Status.IN_STOCK) {
      return illegalState(c, state, "ship");
    }
    if (state.isExpiredAt(now())) {
      return refuse(c, Rejection.ILLEGAL_STATE, "batch " + entityId + " expired on " + state.expiryDate() + " and may not ship");
    }
    if (!c.fromOrganisation().equals(state.custodian())) {
      return refuse(
          c, Rejection.BUSINESS_RULE, "batch " + entityId + " is held by " + state.custodian() + ", not " + c.fromOrganisation());
    }
    if (c.toOrganisation().equals(state.custodian())) {
      return refuse(c, Rejection.INVALID_INPUT, "a shipment must go to another organisation than " + state.custodian());
    }
    if (c.party().role() != Role.LOGISTICS && !c.party().organisation().equals(state.custodian())) {
      return refuse(c, Rejection.FORBIDDEN, c.party().organisation() + " does not hold batch " + entityId + " and may not ship it");
    }
    if (state.stock() < 1) {
      return refuse(c, Rejection.BUSINESS_RULE, "batch " + entityId + " has no units left to ship");
    }
    return accept(
        state,
        c,
        EventBody.newBuilder()
            .setBatchShipped(
                BatchShipped.newBuilder()
                    .setShipmentId(c.shipmentId())
                    .setFromOrganisation(c.fromOrganisation())
                    .setToOrganisation(c.toOrganisation())
                    .setCarrier(c.carrier())
                    .setPreviousStatus(state.status().toProto())));
  }

  private ReplyEffect<JournalRecord, State> onRecordTemperature(State state, RecordTemperature c) {
    if (isBlank(c.sensorId()) || c.measuredAt() == null || !Double.isFinite(c.celsius())) {
      return refuse(c, Rejection.INVALID_INPUT, "a reading needs sensorId, measuredAt and a finite celsius value");
    }
    if (state.status() == Status.DESTROYED) {
      return illegalState(c, state, "record temperatures");
    }
    boolean within = state.temperatureRange().contains(c.celsius());
    int consecutive = within ? 0 : state.excursions().size() + 1;
    TemperatureReading reading =
        TemperatureReading.newBuilder()
            .setSensorId(c.sensorId())
            .setMeasuredAt(timestamp(c.measuredAt()))
            .setCelsius(c.celsius())
            .build();
    EventBody.Builder recorded =
        EventBody.newBuilder()
            .setTemperatureRecorded(
                TemperatureRecorded.newBuilder()
                    .setReading(reading)
                    .setWithinRange(within)
                    .setConsecutiveExcursions(consecutive));
    boolean locks =
        consecutive >= rules.coldChainConsecutiveLimit()
            && (state.status() == Status.REGISTERED || state.status() == Status.IN_TRANSIT || state.status() == Status.IN_STOCK);
    if (!locks) {
      return accept(state, c, recorded);
    }
    ColdChainQuarantined.Builder quarantined =
        ColdChainQuarantined.newBuilder()
            .setMinCelsius(state.temperatureRange().minCelsius())
            .setMaxCelsius(state.temperatureRange().maxCelsius())
            .setConsecutiveLimit(rules.coldChainConsecutiveLimit())
            .setPreviousStatus(state.status().toProto());
    for (Reading earlier : state.excursions()) {
      quarantined.addOffendingReadings(
          TemperatureReading.newBuilder()
              .setSensorId(earlier.sensorId())
              .setMeasuredAt(timestamp(earlier.measuredAt()))
              .setCelsius(earlier.celsius()));
    }
    quarantined.addOffendingReadings(reading);
    return accept(state, c, recorded, EventBody.newBuilder().setColdChainQuarantined(quarantined));
  }

  private ReplyEffect<JournalRecord, State> onReceive(State state, Receive c) {
    if (isBlank(c.shipmentId()) || c.quantity() < 1) {
      return refuse(c, Rejection.INVALID_INPUT, "a receipt needs the shipmentId and a quantity of at least 1");
    }
    if (state.status() != Status.IN_TRANSIT || state.shipment().isEmpty()) {
      return illegalState(c, state, "receive");
    }
    Shipment shipment = state.shipment().get();
    if (!shipment.shipmentId().equals(c.shipmentId())) {
      return refuse(c, Rejection.BUSINESS_RULE, "batch " + entityId + " is in shipment " + shipment.shipmentId() + ", not " + c.shipmentId());
    }
    if (!shipment.toOrganisation().equals(c.party().organisation())) {
      return refuse(c, Rejection.FORBIDDEN, "shipment " + shipment.shipmentId() + " goes to " + shipment.toOrganisation() + ", not " + c.party().organisation());
    }
    if (c.quantity() > state.stock()) {
      return refuse(c, Rejection.BUSINESS_RULE, "only " + state.stock() + " units were shipped, cannot receive " + c.quantity());
    }
    return accept(
        state,
        c,
        EventBody.newBuilder()
            .setBatchReceived(
                BatchReceived.newBuilder()
                    .setShipmentId(c.shipmentId())
                    .setReceiver(c.party().organisation())
                    .setQuantity(c.quantity())
                    .setReceivedTotal(state.receivedTotal() + c.quantity())));
  }

  private ReplyEffect<JournalRecord, State> onDispense(State state, Dispense c) {
    List<String> serials = c.unitSerials() == null ? List.of() : c.unitSerials();
    if (c.quantity() < 1 || isBlank(c.patientPseudonym())) {
      return refuse(c, Rejection.INVALID_INPUT, "a dispense needs a quantity of at least 1 and the patient pseudonym");
    }
    if (!serials.isEmpty() && serials.size() != c.quantity()) {
      return refuse(c, Rejection.INVALID_INPUT, "quantity " + c.quantity() + " does not match the " + serials.size() + " unit serials given");
    }
    if (serials.stream().anyMatch(Fields::isBlank) || new HashSet<>(serials).size() != serials.size()) {
      return refuse(c, Rejection.INVALID_INPUT, "unit serials must be non-blank and distinct");
    }
    if (!state.commissionedUnits().isEmpty()) {
      List<String> foreign = serials.stream().filter(s -> !state.commissionedUnits().contains(s)).toList();
      if (!foreign.isEmpty()) {
        return refuse(
            c,
            Rejection.BUSINESS_RULE,
            "unit serial(s) " + foreign + " were not commissioned with batch " + entityId + ": not units of this batch");
      }
    }
    if (state.status() != Status.IN_STOCK) {
      return illegalState(c, state, "dispense");
    }
    if (state.isExpiredAt(now())) {
      return refuse(c, Rejection.ILLEGAL_STATE, "batch " + entityId + " expired on " + state.expiryDate() + " and may not be dispensed");
    }
    if (!c.party().organisation().equals(state.custodian())) {
      return refuse(c, Rejection.FORBIDDEN, "batch " + entityId + " is held by " + state.custodian() + ", not " + c.party().organisation());
    }
    List<EventBody.Builder> duplicates = new ArrayList<>();
    for (String serial : serials) {
      DispensedUnit first = state.dispensedUnits().get(serial);
      if (first != null) {
        duplicates.add(
            EventBody.newBuilder()
                .setSuspectedDuplicateScan(
                    SuspectedDuplicateScan.newBuilder()
                        .setUnitSerial(serial)
                        .setFirstDispensedSequenceNumber(first.sequenceNumber())
                        .setFirstDispensedAt(timestamp(first.dispensedAt()))
                        .setAttemptedPatientPseudonym(c.patientPseudonym())));
      }
    }
    if (!duplicates.isEmpty()) {
      return refuseAndRecord(
          state,
          c,
          duplicates.size() + " unit serial(s) of batch " + entityId + " were dispensed before: suspected duplicate scan recorded",
          duplicates.toArray(EventBody.Builder[]::new));
    }
    if (c.quantity() > state.stock()) {
      return refuse(c, Rejection.BUSINESS_RULE, "only " + state.stock() + " units of batch " + entityId + " are in stock, cannot dispense " + c.quantity());
    }
    return accept(
        state,
        c,
        EventBody.newBuilder()
            .setUnitsDispensed(
                UnitsDispensed.newBuilder()
                    .setQuantity(c.quantity())
                    .addAllUnitSerials(serials)
                    .setPatientPseudonym(c.patientPseudonym())
                    .setPharmacist(c.party().user())
                    .setRemaining(state.stock() - c.quantity())));
  }

  private ReplyEffect<JournalRecord, State> onQuarantine(State state, Quarantine c) {
    if (isBlank(c.reason())) {
      return refuse(c, Rejection.INVALID_INPUT, "a quarantine needs a reason");
    }
    var notOwn = unlessOwnBatch(state, c, "quarantine");
    if (notOwn.isPresent()) {
      return notOwn.get();
    }
    if (state.status() == Status.QUARANTINED || state.status() == Status.RECALLED || state.status() == Status.DESTROYED) {
      return illegalState(c, state, "quarantine");
    }
    return accept(
        state,
        c,
        EventBody.newBuilder()
            .setBatchQuarantined(
                BatchQuarantined.newBuilder().setReason(c.reason()).setPreviousStatus(state.status().toProto())));
  }

  private ReplyEffect<JournalRecord, State> onRelease(State state, Release c) {
    if (isBlank(c.reason())) {
      return refuse(c, Rejection.INVALID_INPUT, "a release needs a reason");
    }
    if (state.status() != Status.QUARANTINED) {
      return illegalState(c, state, "release");
    }
    return accept(
        state,
        c,
        EventBody.newBuilder()
            .setQuarantineReleased(
                QuarantineReleased.newBuilder()
                    .setReason(c.reason())
                    .setRestoredStatus(state.statusBeforeQuarantine().toProto())));
  }

  private ReplyEffect<JournalRecord, State> onRecall(State state, Recall c) {
    if (isBlank(c.reason())) {
      return refuse(c, Rejection.INVALID_INPUT, "a recall needs a reason");
    }
    var notOwn = unlessOwnBatch(state, c, "recall");
    if (notOwn.isPresent()) {
      return notOwn.get();
    }
    if (state.status() == Status.RECALLED || state.status() == Status.DESTROYED) {
      return illegalState(c, state, "recall");
    }
    return accept(
        state,
        c,
        EventBody.newBuilder()
            .setBatchRecalled(BatchRecalled.newBuilder().setReason(c.reason()).setPreviousStatus(state.status().toProto())));
  }

  private ReplyEffect<JournalRecord, State> onDestroy(State state, Destroy c) {
    if (isBlank(c.method()) || isBlank(c.reason())) {
      return refuse(c, Rejection.INVALID_INPUT, "a destruction needs a method and a reason");
    }
    if (state.status() == Status.DESTROYED) {
      return illegalState(c, state, "destroy");
    }
    if (c.party().role() != Role.REGULATOR && !c.party().organisation().equals(state.custodian())) {
      return refuse(c, Rejection.FORBIDDEN, "batch " + entityId + " is held by " + state.custodian() + ", not " + c.party().organisation());
    }
    return accept(
        state,
        c,
        EventBody.newBuilder()
            .setBatchDestroyed(
                BatchDestroyed.newBuilder()
                    .setMethod(c.method())
                    .setReason(c.reason())
                    .setPreviousStatus(state.status().toProto())));
  }

  /** A manufacturer acts only on its own batches; a regulator on any. */
  private Optional<ReplyEffect<JournalRecord, State>> unlessOwnBatch(State state, LedgerWrite c, String action) {
    if (c.party().role() == Role.MANUFACTURER && !c.party().organisation().equals(state.manufacturer())) {
      return Optional.of(
          refuse(c, Rejection.FORBIDDEN, c.party().organisation() + " may not " + action + " batch " + entityId + " of " + state.manufacturer()));
    }
    return Optional.empty();
  }

  private ReplyEffect<JournalRecord, State> illegalState(LedgerWrite c, State state, String action) {
    String why = state.statusReason().isEmpty() ? "" : " (" + state.statusReason() + ")";
    return refuse(c, Rejection.ILLEGAL_STATE, "cannot " + action + " batch " + entityId + ": it is " + state.status() + why);
  }
}
