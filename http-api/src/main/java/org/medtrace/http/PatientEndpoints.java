package org.medtrace.http;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.actors.ledger.Role;
import org.medtrace.actors.patient.ConsentPolicy;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.http.auth.Caller;

/**
 * Patients: anchor and amend records, grant and revoke consent, read the record list or one record,
 * read the access log, verify the chain.
 *
 * <p>Every read of patient data goes through the entity's {@link PatientRecord.RecordAccess}: the
 * entity checks consent (or self-access, or a clinician's break-glass justification), stores the
 * access event (or the denial), and only then replies with the data. If that write fails, the read
 * fails (503); the API has no other way to the records. The access log is read with {@link
 * PatientRecord.Get}, whose records the API uses only to find the owning organisations and never
 * returns.
 */
final class PatientEndpoints {

  static final String BASE = "/api/v1/patients/{patientId}";

  /** Anchor a record held at {@code locationUri}; the caller's organisation becomes its owner. */
  record AnchorRecordRequest(
      String recordId,
      String category,
      String contentSha256,
      String locationUri,
      String sourceSystem,
      String author,
      Map<String, String> metadata) {}

  /** A new version of a record; without {@code newLocationUri} the location stays. */
  record AmendRecordRequest(String newContentSha256, String newLocationUri, String reason) {}

  /**
   * A patient's consent. {@code granteeRole} is a role's wire name; {@code categories} record
   * categories or {@code "*"}; {@code purpose} may be left out for any.
   */
  record GrantConsentRequest(
      String consentId, String granteeOrganisation, String granteeRole, Set<String> categories, String purpose, Instant expiresAt) {}

  record RevokeConsentRequest(String reason) {}

  /** Data returned by a read, and where its access event is on the patient's chain. */
  record RecordsResponse(
      String patientId,
      long accessRecordedAt,
      String headHash,
      Optional<String> consentId,
      boolean breakGlass,
      List<PatientRecord.RecordView> records) {}

  record AccessLogResponse(String patientId, List<PatientRecord.AccessEntry> entries) {}

  private final Ledger ledger;
  private final LedgerQueries queries;

  PatientEndpoints(Ledger ledger, LedgerQueries queries) {
    this.ledger = ledger;
    this.queries = queries;
  }

  List<Endpoint> endpoints() {
    var permissions = PatientRecord.PERMISSIONS;
    return List.of(
        Endpoint.secured("POST", BASE + "/records", "anchorRecord", AccessRules.writers(permissions, PatientRecord.AnchorRecord.class), this::anchor),
        Endpoint.secured(
            "POST", BASE + "/records/{recordId}/amendments", "amendRecord", AccessRules.writers(permissions, PatientRecord.AmendRecord.class), this::amend),
        Endpoint.secured("POST", BASE + "/consents", "grantConsent", AccessRules.writers(permissions, PatientRecord.GrantConsent.class), this::grant),
        Endpoint.secured(
            "POST",
            BASE + "/consents/{consentId}/revocation",
            "revokeConsent",
            AccessRules.writers(permissions, PatientRecord.RevokeConsent.class),
            this::revoke),
        Endpoint.secured("GET", BASE + "/records", "listRecords", AccessRules.PATIENT_DATA_READERS, this::listRecords),
        Endpoint.secured("GET", BASE + "/records/{recordId}", "readRecord", AccessRules.PATIENT_DATA_READERS, this::readRecord),
        Endpoint.secured("GET", BASE + "/access-log", "getAccessLog", AccessRules.ACCESS_LOG_READERS, this::accessLog),
        Endpoint.secured("GET", BASE + "/verify", "verifyPatient", AccessRules.ACCESS_LOG_READERS, this::verify));
  }

  private CompletionStage<ApiResponse> anchor(Call call) {
    String patient = patientId(call);
    AnchorRecordRequest r = call.body(AnchorRecordRequest.class);
    return ledger.write(
        PatientRecord.TYPE_KEY,
        patient,
        replyTo ->
            new PatientRecord.AnchorRecord(
                r.recordId(),
                r.category(),
                r.contentSha256(),
                r.locationUri(),
                r.sourceSystem(),
                r.author(),
                r.metadata() == null ? Map.of() : r.metadata(),
                call.callerOrFail().party(),
                call.sourceMessageId(),
                replyTo),
        Optional.of(
            "/api/v1/patients/" + PathSegments.encode(patient) + "/records/" + PathSegments.encode(r.recordId() == null ? "" : r.recordId())),
        this::noStateName);
  }

  private CompletionStage<ApiResponse> amend(Call call) {
    String patient = patientId(call);
    String recordId = call.path("recordId");
    AmendRecordRequest r = call.body(AmendRecordRequest.class);
    return ledger.write(
        PatientRecord.TYPE_KEY,
        patient,
        replyTo ->
            new PatientRecord.AmendRecord(
                recordId, r.newContentSha256(), r.newLocationUri(), r.reason(), call.callerOrFail().party(), call.sourceMessageId(), replyTo),
        Optional.empty(),
        this::noStateName);
  }

  private CompletionStage<ApiResponse> grant(Call call) {
    String patient = patientId(call);
    GrantConsentRequest r = call.body(GrantConsentRequest.class);
    Role granteeRole =
        r.granteeRole() == null
            ? null
            : Role.fromWireName(r.granteeRole())
                .orElseThrow(
                    () -> Problem.invalidField(
                        "granteeRole",
                        "granteeRole '" + r.granteeRole() + "' is not a role; roles: "
                            + java.util.Arrays.stream(Role.values()).map(Role::wireName).toList()));
    if (r.categories() != null && r.categories().contains(null)) {
      throw Problem.invalidField("categories", "categories must not contain null");
    }
    return ledger.write(
        PatientRecord.TYPE_KEY,
        patient,
        replyTo ->
            new PatientRecord.GrantConsent(
                r.consentId(),
                r.granteeOrganisation(),
                granteeRole,
                r.categories() == null ? Set.of() : Set.copyOf(r.categories()),
                r.purpose(),
                r.expiresAt(),
                call.callerOrFail().party(),
                call.sourceMessageId(),
                replyTo),
        Optional.empty(),
        this::noStateName);
  }

  private CompletionStage<ApiResponse> revoke(Call call) {
    String patient = patientId(call);
    String consentId = call.path("consentId");
    RevokeConsentRequest r = call.body().length == 0 ? new RevokeConsentRequest(null) : call.body(RevokeConsentRequest.class);
    return ledger.write(
        PatientRecord.TYPE_KEY,
        patient,
        replyTo -> new PatientRecord.RevokeConsent(consentId, r.reason(), call.callerOrFail().party(), call.sourceMessageId(), replyTo),
        Optional.empty(),
        this::noStateName);
  }

  /** {@code ?purpose=...&category=...&breakGlass=...}: the list, of one category or of all ({@code *}). */
  private CompletionStage<ApiResponse> listRecords(Call call) {
    return read(call, null, call.query("category").orElse(ConsentPolicy.ALL_CATEGORIES));
  }

  private CompletionStage<ApiResponse> readRecord(Call call) {
    return read(call, call.path("recordId"), call.query("category").orElse(null));
  }

  private CompletionStage<ApiResponse> read(Call call, String recordId, String category) {
    String patient = patientId(call);
    String purpose =
        call.query("purpose").orElseThrow(() -> Problem.invalidField("purpose", "query parameter 'purpose' is required: why the data is read"));
    String breakGlass = call.query("breakGlass").orElse(null);
    Caller caller = call.callerOrFail();
    return ledger.<PatientRecord.Command, PatientRecord.AccessResult>ask(
            PatientRecord.TYPE_KEY,
            patient,
            replyTo -> new PatientRecord.RecordAccess(recordId, category, purpose, breakGlass, caller.party(), call.sourceMessageId(), replyTo))
        .thenApply(
            result -> {
              if (result instanceof PatientRecord.AccessResult.Granted granted) {
                ApiResponse response =
                    ApiResponse.ok(
                        new RecordsResponse(
                            patient, granted.sequenceNumber(), granted.headHash(), granted.consentId(), granted.breakGlass(), granted.records()));
                return granted.breakGlass() ? response.withHeader("Break-Glass", "recorded") : response;
              }
              CommandResult.Rejected rejected = ((PatientRecord.AccessResult.Refused) result).rejection();
              if (rejected.reason() == org.medtrace.actors.ledger.Rejection.REFUSED_AND_RECORDED) {
                // A denied read is a consent problem, and the denial itself is on the chain.
                throw new Problem(Problem.Type.CONSENT_REQUIRED, rejected.message(), Map.of("denialRecordedAt", rejected.recordedUpTo()));
              }
              throw Ledger.problem(rejected, Map.of());
            });
  }

  private CompletionStage<ApiResponse> accessLog(Call call) {
    String patient = patientId(call);
    Caller caller = call.callerOrFail();
    return authorisedForPatientChain(patient, caller)
        .thenApply(state -> ApiResponse.ok(new AccessLogResponse(patient, state.accessLog())));
  }

  private CompletionStage<ApiResponse> verify(Call call) {
    String patient = patientId(call);
    return authorisedForPatientChain(patient, call.callerOrFail())
        .thenCompose(state -> queries.verify(PatientRecord.ENTITY_TYPE, patient));
  }

  /**
   * The patient's state, once the caller may see their access log and chain: the patient themself,
   * an auditor or regulator, or a hospital or clinician of an organisation that owns one of the
   * patient's records. A patient key that does not exist is a 404 for the roles that could see it.
   */
  private CompletionStage<PatientRecord.State> authorisedForPatientChain(String patient, Caller caller) {
    if (caller.role() == Role.PATIENT && !caller.isPatient(patient)) {
      throw new Problem(Problem.Type.FORBIDDEN, "a patient reads only their own access log and chain, not those of " + patient);
    }
    return ledger.<PatientRecord.Command, PatientRecord.State>ask(PatientRecord.TYPE_KEY, patient, PatientRecord.Get::new)
        .thenApply(
            state -> {
              if (!state.exists()) {
                throw new Problem(Problem.Type.NOT_FOUND, "patient " + patient + " has no records or consents");
              }
              if (AccessRules.OWNING_ORGANISATION_READERS.contains(caller.role())
                  && state.records().values().stream().noneMatch(r -> r.owner().equals(caller.organisation()))) {
                throw new Problem(
                    Problem.Type.FORBIDDEN,
                    caller.organisation() + " owns none of patient " + patient + "'s records and may not read their access log or chain");
              }
              return state;
            });
  }

  private CompletionStage<Optional<String>> noStateName(String patient) {
    // A patient has no lifecycle state; the 409's detail says what conflicts.
    return java.util.concurrent.CompletableFuture.completedFuture(Optional.empty());
  }

  static String patientId(Call call) {
    String key = call.path("patientId");
    if (!PatientRecord.isValidPatientKey(key)) {
      throw Problem.invalidField(
          "patientId", "'" + key + "' is not a patient key: 8-128 characters of letters, digits, '.', '_', ':' or '-'");
    }
    return key;
  }
}
