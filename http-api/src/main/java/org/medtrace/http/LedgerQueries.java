package org.medtrace.http;

import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.stream.javadsl.Sink;
import org.medtrace.actors.ledger.Alerts;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.HashChain;
import org.medtrace.persistence.chain.TrustedKeys;
import org.medtrace.persistence.chain.UnreadableRecord;
import org.medtrace.persistence.chain.VerificationResult;
import org.medtrace.persistence.journal.JournalChainVerifier;

/**
 * Reads of the journal itself (not of entity state): an entity's trail, the verification of its
 * chain, and the alerts. They read the Cassandra journal (through Pekko persistence query, or with
 * the plugin's own statements: {@link JournalPages}, {@link AlertReads}), so they show exactly what
 * is stored, hashes included.
 */
public final class LedgerQueries {

  /** Trail orders. */
  public static final String OLDEST_FIRST = "oldest";

  public static final String NEWEST_FIRST = "newest";

  private final ActorSystem<?> system;
  private final CassandraReadJournal readJournal;
  private final JournalPages journalPages;
  private final AlertReads alertReads;
  private final JournalChainVerifier verifier;
  private final Duration timeout;
  private final int maxPageSize;

  LedgerQueries(
      ActorSystem<?> system, TrustedKeys trustedKeys, Duration timeout, int maxPageSize, HttpApiSettings.AlertQuery alertQuery) {
    this.system = system;
    this.readJournal =
        PersistenceQuery.get(system).getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    this.journalPages = new JournalPages(system);
    this.alertReads = new AlertReads(system, Alerts.TAG, alertQuery.maxSpan(), alertQuery.parallelReads(), timeout);
    this.verifier = new JournalChainVerifier(readJournal, trustedKeys, system);
    this.timeout = timeout;
    this.maxPageSize = maxPageSize;
  }

  /**
   * One stored event as the API shows it. {@code payload} is the domain event in protobuf's JSON
   * mapping (bytes in base64), {@code eventType} its message name; hashes are lower-case hex.
   */
  public record EventView(
      String entityType,
      String entityId,
      long sequenceNumber,
      String hash,
      String previousHash,
      Instant recordedAt,
      Map<String, String> actingParty,
      String eventType,
      Optional<String> sourceMessageId,
      Optional<String> signatureKeyId,
      Optional<SubmissionView> submissionSignature,
      Object payload,
      Optional<String> unreadable) {}

  /**
   * The organisation's signature over the request an event came from (a signed submission).
   *
   * @param keyId the signing certificate's SHA-256 fingerprint
   * @param signature Ed25519, base64
   * @param signedRequest the canonical request exactly as signed (UTF-8 text)
   */
  public record SubmissionView(String keyId, String signature, String signedRequest) {

    static Optional<SubmissionView> of(EventBody body) {
      if (!body.hasSubmissionSignature()) {
        return Optional.empty();
      }
      org.medtrace.ledger.v1.SubmissionSignature submission = body.getSubmissionSignature();
      return Optional.of(
          new SubmissionView(
              submission.getKeyId(),
              java.util.Base64.getEncoder().encodeToString(submission.getSignature().toByteArray()),
              submission.getSignedRequest().toStringUtf8()));
    }
  }

  /** A page of a trail; {@code nextFrom} is the {@code from} of the next page, absent on the last. */
  public record TrailPage(
      String entityType, String entityId, String order, long headSequenceNumber, List<EventView> events, Optional<Long> nextFrom) {}

  /**
   * A page of {@code entityType}/{@code entityId}'s trail, whose chain ends at {@code head} (an
   * entity with no events is a 404 before this is called).
   */
  public CompletionStage<ApiResponse> trail(String entityType, String entityId, long head, Call call) {
    String order = call.query("order").orElse(OLDEST_FIRST);
    if (!order.equals(OLDEST_FIRST) && !order.equals(NEWEST_FIRST)) {
      throw Problem.invalidField("order", "query parameter 'order' must be 'oldest' or 'newest', was '" + order + "'");
    }
    int limit = call.intQuery("limit", Math.min(100, maxPageSize), 1, maxPageSize);
    long lower;
    long upper;
    Optional<Long> next;
    if (order.equals(OLDEST_FIRST)) {
      lower = call.longQuery("from", 1).orElse(1L);
      upper = Math.min(head, lower + limit - 1);
      next = upper < head ? Optional.of(upper + 1) : Optional.empty();
    } else {
      upper = Math.min(head, call.longQuery("from", 1).orElse(head));
      lower = Math.max(1, upper - limit + 1);
      next = lower > 1 ? Optional.of(lower - 1) : Optional.empty();
    }
    if (lower > upper) {
      return java.util.concurrent.CompletableFuture.completedFuture(
          ApiResponse.ok(new TrailPage(entityType, entityId, order, head, List.of(), Optional.empty())));
    }
    String persistenceId = JournalChainVerifier.persistenceId(entityType, entityId);
    // One query for a page where it certainly shows what the plugin would (JournalPages); the
    // plugin's query, a deleted-to lookup and a row stream, only where it does not.
    return journalPages
        .read(persistenceId, lower, upper)
        .toCompletableFuture()
        .orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .thenCompose(
            stored ->
                stored.isPresent()
                    ? java.util.concurrent.CompletableFuture.completedFuture(
                        stored.get().stream()
                            .map(row -> view(entityType, entityId, row.sequenceNr(), row.timestampMillis(), row.event()))
                            .toList())
                    : readJournal
                        .currentEventsByPersistenceId(persistenceId, lower, upper)
                        .map(envelope -> view(entityType, entityId, envelope))
                        .completionTimeout(timeout)
                        .runWith(Sink.seq(), system))
        .thenApply(
            events -> {
              List<EventView> ordered = new ArrayList<>(events);
              if (order.equals(NEWEST_FIRST)) {
                java.util.Collections.reverse(ordered);
              }
              return ApiResponse.ok(new TrailPage(entityType, entityId, order, head, ordered, next));
            });
  }

  /**
   * The outcome of verifying a chain: {@code intact} with {@code length} and {@code headHash}, or
   * {@code broken} at {@code firstBadSequenceNumber} for {@code reason} (a {@code BreakReason}),
   * the {@code intactLength} events before it verifying.
   */
  public record Verification(
      String entityType,
      String entityId,
      String status,
      Optional<Long> length,
      Optional<String> headHash,
      Optional<Long> firstBadSequenceNumber,
      Optional<String> reason,
      Optional<String> detail,
      Optional<Long> intactLength) {}

  /** Verification of an entity's chain: {@code intact} with length and head hash, or {@code broken}. */
  public CompletionStage<ApiResponse> verify(String entityType, String entityId) {
    return verifier
        .verify(entityType, entityId)
        .toCompletableFuture()
        .orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .thenApply(
            result -> {
              if (result instanceof VerificationResult.Intact intact) {
                if (intact.length() == 0) {
                  throw new Problem(Problem.Type.NOT_FOUND, "no " + entityType + " " + entityId + " is recorded");
                }
                return ApiResponse.ok(
                    new Verification(
                        entityType, entityId, "intact", Optional.of(intact.length()), Optional.of(intact.headHashHex()),
                        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
              }
              VerificationResult.Broken broken = (VerificationResult.Broken) result;
              return ApiResponse.ok(
                  new Verification(
                      entityType, entityId, "broken", Optional.empty(), Optional.empty(),
                      Optional.of(broken.sequenceNumber()), Optional.of(broken.reason().name()), Optional.of(broken.detail()),
                      Optional.of(broken.intactLength())));
            });
  }

  /**
   * Alert events stored at or after {@code since}, oldest first, at most {@code limit}; {@code
   * nextSince}, when present, is where the next page starts (see {@link AlertReads.Page}).
   */
  public record AlertsPage(Instant since, List<EventView> alerts, Optional<Instant> nextSince) {}

  public CompletionStage<ApiResponse> alerts(Instant since, int limit) {
    return alertReads
        .since(since, limit, Instant.now())
        .thenApply(
            page ->
                ApiResponse.ok(
                    new AlertsPage(
                        since,
                        page.events().stream()
                            .map(
                                alert ->
                                    view(
                                        entityTypeOf(alert.persistenceId()), entityIdOf(alert.persistenceId()),
                                        alert.sequenceNr(), alert.timestampMillis(), alert.event()))
                            .toList(),
                        page.nextSince())));
  }

  private static String entityTypeOf(String pid) {
    int bar = pid.indexOf('|');
    return bar < 0 ? "" : pid.substring(0, bar);
  }

  private static String entityIdOf(String pid) {
    return pid.substring(pid.indexOf('|') + 1);
  }

  static EventView view(String entityType, String entityId, EventEnvelope envelope) {
    return view(entityType, entityId, envelope.sequenceNr(), envelope.timestamp(), envelope.event());
  }

  /** The view of a journal row: {@code stored} is what the journal's serializer read from it. */
  static EventView view(String entityType, String entityId, long sequenceNr, long timestampMillis, Object stored) {
    if (stored instanceof ChainedEvent event) {
      EventBody body = event.body();
      Descriptors.FieldDescriptor field = EventBody.getDescriptor().findFieldByNumber(body.getEventCase().getNumber());
      Message payload = field == null ? null : (Message) body.getField(field);
      return new EventView(
          entityType,
          entityId,
          event.sequenceNumber(),
          event.hashHex(),
          event.prevHashHex(),
          Instant.ofEpochSecond(body.getRecordedAt().getSeconds(), body.getRecordedAt().getNanos()),
          Map.of(
              "organisation", body.getActingParty().getOrganisation(),
              "user", body.getActingParty().getUser(),
              "role", body.getActingParty().getRole()),
          payload == null ? "unknown" : payload.getDescriptorForType().getName(),
          Optional.of(body.getSourceMessageId()).filter(s -> !s.isEmpty()),
          Optional.of(event.envelope().getKeyId()).filter(s -> !s.isEmpty()),
          SubmissionView.of(body),
          payload == null ? Map.of() : Json.embedded(print(payload)),
          Optional.empty());
    }
    String problem = stored instanceof UnreadableRecord unreadable ? unreadable.problem() : "not a ledger event";
    Optional<String> hash =
        stored instanceof UnreadableRecord unreadable && unreadable.envelope().isPresent()
            ? Optional.of(HashChain.hex(unreadable.envelope().get().getHash().toByteArray()))
            : Optional.empty();
    return new EventView(
        entityType, entityId, sequenceNr, hash.orElse(""), "", Instant.ofEpochMilli(timestampMillis),
        Map.of(), "unreadable", Optional.empty(), Optional.empty(), Optional.empty(), Map.of(), Optional.of(problem));
  }

  private static String print(Message payload) {
    try {
      return ProtoJson.print(payload);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print " + payload.getDescriptorForType().getName() + " as JSON", e);
    }
  }
}
