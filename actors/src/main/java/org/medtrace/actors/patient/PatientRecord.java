package org.medtrace.actors.patient;

import static org.medtrace.actors.ledger.Fields.isBlank;
import static org.medtrace.actors.ledger.Fields.isSha256Hex;
import static org.medtrace.actors.ledger.Fields.sha256Bytes;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
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
import org.medtrace.actors.ledger.PersistentList;
import org.medtrace.actors.ledger.RecentSources;
import org.medtrace.actors.ledger.Rejection;
import org.medtrace.actors.ledger.Role;
import org.medtrace.ledger.v1.AccessDenied;
import org.medtrace.ledger.v1.AccessRecorded;
import org.medtrace.ledger.v1.ConsentGranted;
import org.medtrace.ledger.v1.ConsentRevoked;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.RecordAmended;
import org.medtrace.ledger.v1.RecordAnchored;
import org.medtrace.persistence.chain.ChainHead;
import org.medtrace.persistence.chain.HashChain;
import org.medtrace.persistence.chain.JournalRecord;

/**
 * One patient's medical records across institutions, the consents the patient gave, and every read
 * of them. The entity id is an opaque pseudonymous patient key: no names or national ids are on the
 * ledger, and the records themselves stay at their source systems (only fingerprint, metadata and
 * location are here).
 *
 * <p>Lifecycle: the patient exists from its first event, the first anchored record or the first
 * consent; before that, everything but anchoring and granting is {@code NOT_FOUND}. There is no
 * end: records are anchored and amended (by the organisation that anchored them, with the previous
 * and new fingerprint on the chain), consents are granted and revoked by the patient only (acting
 * as themself), and reads are recorded as long as the patient exists.
 *
 * <p>A read of patient data ({@link RecordAccess}) is itself a write: it MUST be on the chain
 * before any data is returned, so the data travels in the reply ({@link AccessResult.Granted}),
 * which is sent only after the {@code AccessRecorded} event is durably stored. Who may read:
 *
 * <ul>
 *   <li>the patient, their own data, always ({@code patient_self_access});
 *   <li>a party that a valid consent covers ({@link ConsentPolicy}), recorded with the consent id;
 *   <li>a clinician without consent who gives a break-glass justification (an emergency), recorded
 *       with the justification and tagged as an alert for review;
 *   <li>nobody else: the read is refused, and the refusal is kept on the chain as {@code
 *       AccessDenied} (an alert).
 * </ul>
 *
 * <p>A read by a role that never reads patient data (manufacturer, logistics, device engineer), a
 * malformed read and a read of an unknown record are refused without being stored: they disclose
 * nothing and decide nothing about consent.
 */
public final class PatientRecord extends LedgerEntity<PatientRecord.Command, PatientRecord.State> {

  public static final String ENTITY_TYPE = "patient-record";
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, ENTITY_TYPE);

  /**
   * The form of a patient key: opaque and pseudonymous. Long enough not to be a guessable counter,
   * and without '/' or spaces so it travels plainly in URLs and entity ids.
   */
  public static final Pattern PATIENT_KEY = Pattern.compile("[A-Za-z0-9._:-]{8,128}");

  /** The record categories of the network; consents name them, or {@link ConsentPolicy#ALL_CATEGORIES}. */
  public static final Set<String> CATEGORIES =
      Set.of("lab-result", "imaging", "prescription", "note", "discharge-summary", "vaccination");


  // ---- commands ----

  public sealed interface Command extends CborSerializable {}

  /** Read the patient's current state; writes nothing. Who may ask is the HTTP layer's decision. */
  public record Get(ActorRef<State> replyTo) implements Command {}

  /** Read the log of reads; writes nothing. Who may ask is the HTTP layer's decision. */
  public record GetAccessLog(ActorRef<AccessLog> replyTo) implements Command {}

  /**
   * Anchor a record held at {@code locationUri} of {@code sourceSystem}: its SHA-256, who wrote it
   * and descriptive metadata. The acting organisation becomes the record's owner.
   */
  public record AnchorRecord(
      String recordId,
      String category,
      String contentSha256,
      String locationUri,
      String sourceSystem,
      String author,
      Map<String, String> metadata,
      ActingParty party,
      String sourceMessageId,
      ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  /** A new version of an anchored record; {@code newLocationUri} may be null to keep the location. */
  public record AmendRecord(
      String recordId,
      String newContentSha256,
      String newLocationUri,
      String reason,
      ActingParty party,
      String sourceMessageId,
      ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  /**
   * The patient lets a party read categories of their records until {@code expiresAt}.
   *
   * @param granteeOrganisation the organisation allowed, or null for any
   * @param granteeRole the role allowed, or null for any; at least one of the two is required
   * @param categories record categories, or {@link ConsentPolicy#ALL_CATEGORIES} for all
   * @param purpose the only purpose of use allowed, or null for any
   */
  public record GrantConsent(
      String consentId,
      String granteeOrganisation,
      Role granteeRole,
      Set<String> categories,
      String purpose,
      Instant expiresAt,
      ActingParty party,
      String sourceMessageId,
      ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  public record RevokeConsent(
      String consentId,
      String reason,
      ActingParty party,
      String sourceMessageId,
      ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {}

  /**
   * A read of patient data, recorded on the chain before the data is returned in the reply.
   *
   * <p>Not a {@link LedgerWrite}, because its reply is the data ({@link AccessResult}), not a
   * {@link CommandResult}; the entity seals and refuses it itself, with the same rules.
   *
   * @param recordId one record, or null to read a category or the record list
   * @param category with {@code recordId}: null or the record's category; without: a category, or
   *     {@link ConsentPolicy#ALL_CATEGORIES} for the record list
   * @param purpose why the data is read (treatment, audit, ...); required
   * @param breakGlassJustification a clinician's reason to read without consent in an emergency,
   *     or null
   */
  public record RecordAccess(
      String recordId,
      String category,
      String purpose,
      String breakGlassJustification,
      ActingParty party,
      String sourceMessageId,
      ActorRef<AccessResult> replyTo)
      implements Command {}

  // ---- replies ----

  /** The reply to {@link RecordAccess}. */
  public sealed interface AccessResult extends CborSerializable {

    /**
     * The read is on the chain at {@code sequenceNumber} (head {@code headHash}); {@code records}
     * are exactly the records it covers, in the order they were anchored.
     *
     * @param consentId the consent that allowed it; empty for the patient's own reads and
     *     break-glass
     */
    record Granted(
        long sequenceNumber,
        String headHash,
        Optional<String> consentId,
        boolean breakGlass,
        List<RecordView> records)
        implements AccessResult {
      public Granted {
        records = List.copyOf(records);
      }
    }

    /**
     * The read returned nothing. With {@link Rejection#REFUSED_AND_RECORDED} the denial is on the
     * chain (as {@code AccessDenied}) up to {@code rejection.recordedUpTo()}; otherwise nothing was
     * stored.
     */
    record Refused(CommandResult.Rejected rejection) implements AccessResult {}
  }

  /** The reply to {@link GetAccessLog}: every read recorded, granted or denied, oldest first. */
  public record AccessLog(List<AccessEntry> entries) implements CborSerializable {
    public AccessLog {
      entries = List.copyOf(entries);
    }
  }

  // ---- state ----

  /**
   * An anchored record as the ledger knows it (the content stays at {@code locationUri}).
   *
   * @param contentSha256 lower-case hex of the current version's SHA-256
   * @param owner the organisation that anchored it, the only one that may amend it
   * @param anchoredSequenceNumber where it was anchored; orders the record list
   */
  public record RecordView(
      String recordId,
      String category,
      String contentSha256,
      String locationUri,
      String sourceSystem,
      String author,
      String owner,
      Map<String, String> metadata,
      long anchoredSequenceNumber,
      Instant anchoredAt,
      int amendments,
      Optional<Instant> lastAmendedAt)
      implements CborSerializable {
    public RecordView {
      metadata = Map.copyOf(metadata);
    }
  }

  /**
   * A consent as granted, and whether it was revoked. Empty grantee organisation, role or purpose
   * mean "any".
   */
  public record Consent(
      String consentId,
      Optional<String> granteeOrganisation,
      Optional<Role> granteeRole,
      Set<String> categories,
      Optional<String> purpose,
      Instant expiresAt,
      Instant grantedAt,
      boolean revoked,
      Optional<Instant> revokedAt,
      String revocationReason)
      implements CborSerializable {
    public Consent {
      categories = Set.copyOf(categories);
    }

    /** Whether a read of {@code category} is within this consent's categories. */
    public boolean covers(String category) {
      return categories.contains(ConsentPolicy.ALL_CATEGORIES) || categories.contains(category);
    }

    Consent revoke(Instant at, String reason) {
      return new Consent(
          consentId, granteeOrganisation, granteeRole, categories, purpose, expiresAt, grantedAt, true, Optional.of(at), reason);
    }
  }

  /**
   * One recorded read.
   *
   * @param recordId the record read, or empty for a category or list read
   * @param consentId the consent that allowed it, if one did
   * @param denied the read was refused; {@code denialReason} says why
   */
  public record AccessEntry(
      long sequenceNumber,
      Instant at,
      ActingParty party,
      Optional<String> recordId,
      String category,
      String purpose,
      Optional<String> consentId,
      Optional<String> breakGlassJustification,
      boolean patientSelfAccess,
      boolean denied,
      Optional<String> denialReason)
      implements CborSerializable {}

  /**
   * @param records by record id
   * @param consents by consent id, revoked ones included
   * @param accessLog every read, oldest first. Kept in the entity so a patient's trail is one
   *     request away; a very long log makes snapshots and recovery heavy, and should move to a query
   *     side (a projection of AccessRecorded/AccessDenied) when that exists.
   */
  public record State(
      ChainHead head,
      Optional<String> brokenChain,
      RecentSources recentSources,
      Map<String, RecordView> records,
      Map<String, Consent> consents,
      List<AccessEntry> accessLog)
      implements LedgerState<State> {

    public State {
      records = Map.copyOf(records);
      consents = Map.copyOf(consents);
      // Every read appends one entry: shared structure instead of a copy per event.
      accessLog = PersistentList.copyOf(accessLog);
    }

    public static State empty(String entityId) {
      return new State(ChainHead.genesis(ENTITY_TYPE, entityId), Optional.empty(), RecentSources.NONE, Map.of(), Map.of(), List.of());
    }

    /** A patient exists from its first event. */
    public boolean exists() {
      return head.sequenceNumber() > 0;
    }

    /** All records, in the order they were anchored. */
    public List<RecordView> recordsInOrder() {
      return records.values().stream().sorted(Comparator.comparingLong(RecordView::anchoredSequenceNumber)).toList();
    }

    @Override
    public State withHead(ChainHead newHead) {
      return new State(newHead, brokenChain, recentSources, records, consents, accessLog);
    }

    @Override
    public State withRecentSources(RecentSources sources) {
      return new State(head, brokenChain, sources, records, consents, accessLog);
    }

    @Override
    public State withBrokenChain(String description) {
      return new State(head, Optional.of(description), recentSources, records, consents, accessLog);
    }

    @Override
    public State apply(EventBody event) {
      Draft next = new Draft(this);
      Instant at = instant(event.getRecordedAt());
      switch (event.getEventCase()) {
        case RECORD_ANCHORED -> {
          RecordAnchored e = event.getRecordAnchored();
          next.records().put(
              e.getRecordId(),
              new RecordView(
                  e.getRecordId(),
                  e.getCategory(),
                  HashChain.hex(e.getContentSha256().toByteArray()),
                  e.getLocationUri(),
                  e.getSourceSystem(),
                  e.getAuthor(),
                  // The owner is the anchoring party's organisation; RecordAnchored has no field of its own for it.
                  event.getActingParty().getOrganisation(),
                  e.getMetadataMap(),
                  event.getSequenceNumber(),
                  at,
                  0,
                  Optional.empty()));
        }
        case RECORD_AMENDED -> {
          RecordAmended e = event.getRecordAmended();
          RecordView r = records.get(e.getRecordId());
          next.records().put(
              r.recordId(),
              new RecordView(
                  r.recordId(),
                  r.category(),
                  HashChain.hex(e.getNewSha256().toByteArray()),
                  e.getNewLocationUri().isEmpty() ? r.locationUri() : e.getNewLocationUri(),
                  r.sourceSystem(),
                  r.author(),
                  r.owner(),
                  r.metadata(),
                  r.anchoredSequenceNumber(),
                  r.anchoredAt(),
                  r.amendments() + 1,
                  Optional.of(at)));
        }
        case CONSENT_GRANTED -> {
          ConsentGranted e = event.getConsentGranted();
          next.consents().put(
              e.getConsentId(),
              new Consent(
                  e.getConsentId(),
                  nonEmpty(e.getGranteeOrganisation()),
                  nonEmpty(e.getGranteeRole()).map(Role::recorded),
                  Set.copyOf(e.getCategoriesList()),
                  nonEmpty(e.getPurpose()),
                  instant(e.getExpiresAt()),
                  at,
                  false,
                  Optional.empty(),
                  ""));
        }
        case CONSENT_REVOKED -> {
          ConsentRevoked e = event.getConsentRevoked();
          next.consents().put(e.getConsentId(), consents.get(e.getConsentId()).revoke(at, e.getReason()));
        }
        case ACCESS_RECORDED -> {
          AccessRecorded e = event.getAccessRecorded();
          next.log(
              new AccessEntry(
                  event.getSequenceNumber(),
                  at,
                  ActingParty.fromProto(event.getActingParty()),
                  nonEmpty(e.getRecordId()),
                  e.getCategory(),
                  e.getPurpose(),
                  nonEmpty(e.getConsentId()),
                  nonEmpty(e.getBreakGlassJustification()),
                  e.getPatientSelfAccess(),
                  false,
                  Optional.empty()));
        }
        case ACCESS_DENIED -> {
          AccessDenied e = event.getAccessDenied();
          next.log(
              new AccessEntry(
                  event.getSequenceNumber(),
                  at,
                  ActingParty.fromProto(event.getActingParty()),
                  nonEmpty(e.getRecordId()),
                  e.getCategory(),
                  e.getPurpose(),
                  Optional.empty(),
                  Optional.empty(),
                  false,
                  true,
                  Optional.of(e.getReason())));
        }
        default -> throw new IllegalStateException(
            "a patient record has no event " + event.getEventCase() + " (#" + event.getSequenceNumber() + ")");
      }
      return next.build();
    }
  }

  /**
   * The next state, for transitions; never escapes {@link State#apply}. A collection is copied only
   * when the event changes it (most events are reads, which change only the access log), and the
   * access log is appended to without a copy.
   */
  private static final class Draft {
    private final State from;
    private Map<String, RecordView> records;
    private Map<String, Consent> consents;
    private PersistentList<AccessEntry> accessLog;

    Draft(State s) {
      from = s;
      accessLog = PersistentList.copyOf(s.accessLog());
    }

    Map<String, RecordView> records() {
      if (records == null) {
        records = new HashMap<>(from.records());
      }
      return records;
    }

    Map<String, Consent> consents() {
      if (consents == null) {
        consents = new HashMap<>(from.consents());
      }
      return consents;
    }

    void log(AccessEntry entry) {
      accessLog = accessLog.appended(entry);
    }

    State build() {
      return new State(
          from.head(),
          from.brokenChain(),
          from.recentSources(),
          records == null ? from.records() : records,
          consents == null ? from.consents() : consents,
          accessLog);
    }
  }

  // ---- behaviour ----

  /**
   * Which roles may issue each command. A read ({@link RecordAccess}) is checked by this entity
   * itself, since its refusal has its own reply type.
   */
  public static final Map<Class<? extends Command>, Permission> PERMISSIONS =
      Map.of(
          AnchorRecord.class,
              new Permission("anchor a medical record", Set.of(Role.CLINICIAN, Role.HOSPITAL, Role.LABORATORY)),
          AmendRecord.class,
              new Permission("amend a medical record", Set.of(Role.CLINICIAN, Role.HOSPITAL, Role.LABORATORY)),
          GrantConsent.class, new Permission("grant consent", Set.of(Role.PATIENT)),
          RevokeConsent.class, new Permission("revoke consent", Set.of(Role.PATIENT)),
          RecordAccess.class,
              new Permission(
                  "read patient data",
                  Set.of(
                      Role.CLINICIAN,
                      Role.PHARMACIST,
                      Role.HOSPITAL,
                      Role.LABORATORY,
                      Role.REGULATOR,
                      Role.AUDITOR,
                      Role.PATIENT)));

  /** Who may read without consent, with a justification, in an emergency. */
  private static final Set<Role> BREAKS_GLASS = Set.of(Role.CLINICIAN);

  private PatientRecord(String entityId, LedgerSettings settings) {
    super(ENTITY_TYPE, entityId, settings, PERMISSIONS);
  }

  public static PatientRecord create(String entityId, LedgerSettings settings) {
    return new PatientRecord(entityId, settings);
  }

  /** Starts sharding for patient records on this node. */
  public static void init(ActorSystem<?> system, LedgerSettings settings) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY, context -> create(context.getEntityId(), settings)));
  }

  public static boolean isValidPatientKey(String key) {
    return key != null && PATIENT_KEY.matcher(key).matches();
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
    if (command instanceof GetAccessLog getLog) {
      return Effect().reply(getLog.replyTo(), new AccessLog(state.accessLog()));
    }
    if (command instanceof RecordAccess read) {
      return onRecordAccess(state, read);
    }
    LedgerWrite write = (LedgerWrite) command;
    if (!isValidPatientKey(entityId)) {
      return refuse(write, Rejection.INVALID_INPUT, invalidKeyMessage());
    }
    if (command instanceof AnchorRecord anchor) {
      return onAnchor(state, anchor);
    } else if (command instanceof GrantConsent grant) {
      return onGrantConsent(state, grant);
    } else if (command instanceof AmendRecord amend) {
      return onAmend(state, amend);
    } else if (command instanceof RevokeConsent revoke) {
      return onRevokeConsent(state, revoke);
    }
    throw new IllegalArgumentException("unhandled command " + command.getClass().getName());
  }

  private ReplyEffect<JournalRecord, State> onAnchor(State state, AnchorRecord c) {
    Optional<String> invalid = invalidAnchor(c);
    if (invalid.isPresent()) {
      return refuse(c, Rejection.INVALID_INPUT, invalid.get());
    }
    RecordView existing = state.records().get(c.recordId());
    if (existing != null) {
      return refuse(
          c,
          Rejection.ILLEGAL_STATE,
          "record " + c.recordId() + " of patient " + entityId + " is already anchored (by " + existing.owner() + "); amend it instead");
    }
    return accept(
        state,
        c,
        EventBody.newBuilder()
            .setRecordAnchored(
                RecordAnchored.newBuilder()
                    .setRecordId(c.recordId())
                    .setCategory(c.category())
                    .setContentSha256(sha256Bytes(c.contentSha256()))
                    .setLocationUri(c.locationUri())
                    .setSourceSystem(c.sourceSystem())
                    .setAuthor(c.author())
                    .putAllMetadata(c.metadata() == null ? Map.of() : c.metadata())));
  }

  private static Optional<String> invalidAnchor(AnchorRecord c) {
    if (isBlank(c.recordId())) {
      return Optional.of("recordId is required");
    }
    if (c.category() == null || !CATEGORIES.contains(c.category())) {
      return Optional.of("category must be one of " + sorted(CATEGORIES) + ", was '" + c.category() + "'");
    }
    if (!isSha256Hex(c.contentSha256())) {
      return Optional.of("contentSha256 must be 64 lower-case hex digits");
    }
    Optional<String> badUri = invalidUri("locationUri", c.locationUri());
    if (badUri.isPresent()) {
      return badUri;
    }
    if (isBlank(c.sourceSystem()) || isBlank(c.author())) {
      return Optional.of("sourceSystem and author are required");
    }
    if (c.metadata() != null
        && c.metadata().entrySet().stream().anyMatch(e -> isBlank(e.getKey()) || e.getValue() == null)) {
      return Optional.of("metadata keys must be non-blank and values non-null");
    }
    return Optional.empty();
  }

  private ReplyEffect<JournalRecord, State> onAmend(State state, AmendRecord c) {
    if (!state.exists()) {
      return refuse(c, Rejection.NOT_FOUND, notFoundMessage());
    }
    if (isBlank(c.recordId()) || isBlank(c.reason())) {
      return refuse(c, Rejection.INVALID_INPUT, "an amendment needs the recordId and a reason");
    }
    if (!isSha256Hex(c.newContentSha256())) {
      return refuse(c, Rejection.INVALID_INPUT, "newContentSha256 must be 64 lower-case hex digits");
    }
    boolean newLocation = c.newLocationUri() != null;
    if (newLocation) {
      Optional<String> badUri = invalidUri("newLocationUri", c.newLocationUri());
      if (badUri.isPresent()) {
        return refuse(c, Rejection.INVALID_INPUT, badUri.get());
      }
    }
    RecordView record = state.records().get(c.recordId());
    if (record == null) {
      return refuse(c, Rejection.NOT_FOUND, "patient " + entityId + " has no record " + c.recordId());
    }
    if (!record.owner().equals(c.party().organisation())) {
      return refuse(
          c,
          Rejection.FORBIDDEN,
          "record " + c.recordId() + " was anchored by " + record.owner() + "; " + c.party().organisation() + " may not amend it");
    }
    if (record.contentSha256().equals(c.newContentSha256())) {
      return refuse(c, Rejection.INVALID_INPUT, "record " + c.recordId() + " already has this content hash; nothing to amend");
    }
    return accept(
        state,
        c,
        EventBody.newBuilder()
            .setRecordAmended(
                RecordAmended.newBuilder()
                    .setRecordId(c.recordId())
                    .setPreviousSha256(sha256Bytes(record.contentSha256()))
                    .setNewSha256(sha256Bytes(c.newContentSha256()))
                    .setReason(c.reason())
                    .setNewLocationUri(newLocation ? c.newLocationUri() : "")));
  }

  private ReplyEffect<JournalRecord, State> onGrantConsent(State state, GrantConsent c) {
    var notSelf = unlessSelf(c, "grant consent");
    if (notSelf.isPresent()) {
      return notSelf.get();
    }
    Optional<String> invalid = invalidGrant(c);
    if (invalid.isPresent()) {
      return refuse(c, Rejection.INVALID_INPUT, invalid.get());
    }
    if (!c.expiresAt().isAfter(now())) {
      return refuse(c, Rejection.INVALID_INPUT, "a consent must expire in the future, was " + c.expiresAt());
    }
    if (state.consents().containsKey(c.consentId())) {
      return refuse(c, Rejection.ILLEGAL_STATE, "consent " + c.consentId() + " of patient " + entityId + " already exists");
    }
    return accept(
        state,
        c,
        EventBody.newBuilder()
            .setConsentGranted(
                ConsentGranted.newBuilder()
                    .setConsentId(c.consentId())
                    .setGranteeOrganisation(isBlank(c.granteeOrganisation()) ? "" : c.granteeOrganisation())
                    .setGranteeRole(c.granteeRole() == null ? "" : c.granteeRole().wireName())
                    // Sorted, so that the same grant always makes the same bytes.
                    .addAllCategories(sorted(c.categories()))
                    .setPurpose(isBlank(c.purpose()) ? "" : c.purpose())
                    .setExpiresAt(timestamp(c.expiresAt()))));
  }

  private static Optional<String> invalidGrant(GrantConsent c) {
    if (isBlank(c.consentId())) {
      return Optional.of("consentId is required");
    }
    if (isBlank(c.granteeOrganisation()) && c.granteeRole() == null) {
      return Optional.of("a consent names the grantee organisation, the grantee role or both");
    }
    if (c.categories() == null || c.categories().isEmpty()) {
      return Optional.of("a consent names at least one category, or '" + ConsentPolicy.ALL_CATEGORIES + "' for all");
    }
    for (String category : c.categories()) {
      if (category == null || !(ConsentPolicy.ALL_CATEGORIES.equals(category) || CATEGORIES.contains(category))) {
        return Optional.of(
            "unknown category '" + category + "'; known: " + sorted(CATEGORIES) + " or '" + ConsentPolicy.ALL_CATEGORIES + "'");
      }
    }
    if (c.expiresAt() == null) {
      return Optional.of("expiresAt is required");
    }
    return Optional.empty();
  }

  private ReplyEffect<JournalRecord, State> onRevokeConsent(State state, RevokeConsent c) {
    var notSelf = unlessSelf(c, "revoke consent");
    if (notSelf.isPresent()) {
      return notSelf.get();
    }
    if (!state.exists()) {
      return refuse(c, Rejection.NOT_FOUND, notFoundMessage());
    }
    if (isBlank(c.consentId())) {
      return refuse(c, Rejection.INVALID_INPUT, "consentId is required");
    }
    Consent consent = state.consents().get(c.consentId());
    if (consent == null) {
      return refuse(c, Rejection.NOT_FOUND, "patient " + entityId + " has no consent " + c.consentId());
    }
    if (consent.revoked()) {
      return refuse(
          c, Rejection.ILLEGAL_STATE, "consent " + c.consentId() + " was already revoked at " + consent.revokedAt().orElseThrow());
    }
    return accept(
        state,
        c,
        EventBody.newBuilder()
            .setConsentRevoked(
                ConsentRevoked.newBuilder().setConsentId(c.consentId()).setReason(c.reason() == null ? "" : c.reason())));
  }

  /** Consent is the patient's own act: the acting user MUST be this patient's key. */
  private Optional<ReplyEffect<JournalRecord, State>> unlessSelf(LedgerWrite c, String action) {
    if (!entityId.equals(c.party().user())) {
      return Optional.of(refuse(c, Rejection.FORBIDDEN, "only patient " + entityId + " may " + action + " for their records"));
    }
    return Optional.empty();
  }

  private ReplyEffect<JournalRecord, State> onRecordAccess(State state, RecordAccess c) {
    // LedgerEntity's chain guard refuses only LedgerWrites, which a read is not (its reply is the
    // data). It fails closed here instead: a read that cannot be put on an intact chain MUST NOT
    // return data.
    if (state.brokenChain().isPresent()) {
      return refuseRead(c, Rejection.LEDGER_BROKEN, state.brokenChain().get());
    }
    if (!isValidPatientKey(entityId)) {
      return refuseRead(c, Rejection.INVALID_INPUT, invalidKeyMessage());
    }
    Role role = c.party().role();
    Permission reads = PERMISSIONS.get(RecordAccess.class);
    if (!reads.allows(role)) {
      return refuseRead(c, Rejection.FORBIDDEN, reads.refusal(role));
    }
    if (!state.exists()) {
      return refuseRead(c, Rejection.NOT_FOUND, notFoundMessage());
    }
    if (isBlank(c.purpose())) {
      return refuseRead(c, Rejection.INVALID_INPUT, "a read needs a purpose");
    }
    String category;
    if (c.recordId() != null) {
      if (c.recordId().isBlank()) {
        return refuseRead(c, Rejection.INVALID_INPUT, "recordId must be null (a category or list read) or non-blank");
      }
      RecordView record = state.records().get(c.recordId());
      if (record == null) {
        return refuseRead(c, Rejection.NOT_FOUND, "patient " + entityId + " has no record " + c.recordId());
      }
      if (!isBlank(c.category()) && !c.category().equals(record.category())) {
        return refuseRead(
            c, Rejection.INVALID_INPUT, "record " + c.recordId() + " is a " + record.category() + ", not a " + c.category());
      }
      category = record.category();
    } else {
      if (c.category() == null || !(CATEGORIES.contains(c.category()) || ConsentPolicy.ALL_CATEGORIES.equals(c.category()))) {
        return refuseRead(
            c,
            Rejection.INVALID_INPUT,
            "category must be one of " + sorted(CATEGORIES) + " or '" + ConsentPolicy.ALL_CATEGORIES + "', was '" + c.category() + "'");
      }
      category = c.category();
    }

    AccessRecorded.Builder recorded =
        AccessRecorded.newBuilder()
            .setRecordId(c.recordId() == null ? "" : c.recordId())
            .setCategory(category)
            .setPurpose(c.purpose());
    if (role == Role.PATIENT && entityId.equals(c.party().user())) {
      recorded.setPatientSelfAccess(true);
      return grant(state, c, recorded, covered(state, c.recordId(), category, Optional.empty()), Optional.empty(), false);
    }
    Optional<Consent> consent = ConsentPolicy.allowingConsent(state.consents().values(), c.party(), category, c.purpose(), now());
    if (consent.isPresent()) {
      recorded.setConsentId(consent.get().consentId());
      return grant(state, c, recorded, covered(state, c.recordId(), category, consent), Optional.of(consent.get().consentId()), false);
    }
    boolean breakGlass = !isBlank(c.breakGlassJustification());
    if (breakGlass && BREAKS_GLASS.contains(role)) {
      recorded.setBreakGlassJustification(c.breakGlassJustification());
      return grant(state, c, recorded, covered(state, c.recordId(), category, Optional.empty()), Optional.empty(), true);
    }
    String reason =
        "consent required: no valid consent of patient "
            + entityId
            + " lets "
            + c.party().organisation()
            + " as "
            + role.wireName()
            + " read "
            + category
            + " for purpose '"
            + c.purpose()
            + "'"
            + (breakGlass
                // AccessDenied has no field for the attempted justification; it is kept in the reason.
                ? "; break-glass is for " + BREAKS_GLASS.stream().map(Role::wireName).sorted().toList()
                    + " only (justification given: '" + c.breakGlassJustification() + "')"
                : "");
    return denyAndRecord(
        state,
        c,
        reason,
        AccessDenied.newBuilder()
            .setRecordId(c.recordId() == null ? "" : c.recordId())
            .setCategory(category)
            .setPurpose(c.purpose())
            .setReason(reason));
  }

  /**
   * The records a read covers: the one record; or every record of the category; or, for the record
   * list, every record ({@code consent} empty: the patient or break-glass) or those of the
   * categories the consent covers.
   */
  private static List<RecordView> covered(State state, String recordId, String category, Optional<Consent> consent) {
    if (recordId != null) {
      return List.of(state.records().get(recordId));
    }
    return state.recordsInOrder().stream()
        .filter(
            r ->
                ConsentPolicy.ALL_CATEGORIES.equals(category)
                    ? consent.map(k -> k.covers(r.category())).orElse(true)
                    : r.category().equals(category))
        .toList();
  }

  /** Persists {@code recorded}, and only then replies with the data. */
  private ReplyEffect<JournalRecord, State> grant(
      State state,
      RecordAccess c,
      AccessRecorded.Builder recorded,
      List<RecordView> records,
      Optional<String> consentId,
      boolean breakGlass) {
    return persistSealed(state.head(), c.party(), c.sourceMessageId(), EventBody.newBuilder().setAccessRecorded(recorded))
        .thenReply(
            c.replyTo(),
            after -> new AccessResult.Granted(after.head().sequenceNumber(), after.head().hashHex(), consentId, breakGlass, records));
  }

  /** Persists the denial as evidence, then replies that the read was refused and recorded. */
  private ReplyEffect<JournalRecord, State> denyAndRecord(State state, RecordAccess c, String reason, AccessDenied.Builder denied) {
    return persistSealed(state.head(), c.party(), c.sourceMessageId(), EventBody.newBuilder().setAccessDenied(denied))
        .thenReply(
            c.replyTo(),
            after ->
                new AccessResult.Refused(
                    new CommandResult.Rejected(Rejection.REFUSED_AND_RECORDED, reason, after.head().sequenceNumber())));
  }

  /** Replies a refused read and persists nothing. */
  private ReplyEffect<JournalRecord, State> refuseRead(RecordAccess c, Rejection reason, String message) {
    return Effect().reply(c.replyTo(), new AccessResult.Refused(new CommandResult.Rejected(reason, message)));
  }

  private String invalidKeyMessage() {
    return "'" + entityId + "' is not a patient key: 8-128 characters of letters, digits, '.', '_', ':' or '-'";
  }

  private String notFoundMessage() {
    return "patient " + entityId + " has no records or consents";
  }

  private static Optional<String> invalidUri(String field, String value) {
    if (isBlank(value)) {
      return Optional.of(field + " is required");
    }
    try {
      if (!new URI(value).isAbsolute()) {
        return Optional.of(field + " must be an absolute URI, was '" + value + "'");
      }
    } catch (URISyntaxException e) {
      return Optional.of(field + " is not a URI: " + e.getMessage());
    }
    return Optional.empty();
  }

  private static Optional<String> nonEmpty(String value) {
    return value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  private static List<String> sorted(Set<String> values) {
    return values.stream().sorted().toList();
  }
}
