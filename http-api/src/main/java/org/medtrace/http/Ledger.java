package org.medtrace.http;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.CircuitBreaker;
import org.apache.pekko.pattern.CircuitBreakerOpenException;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Asks;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.actors.ledger.Permission;
import org.medtrace.actors.ledger.Rejection;

/**
 * The API's way to the sharded entities: every ask carries the configured timeout (whose expiry the
 * API answers with 503: the outcome is unknown, never reported as a success), and every {@link
 * CommandResult} becomes a response or a problem here, in one place.
 */
public final class Ledger {

  /** Header on a response to a repeated {@code Idempotency-Key}: nothing new was stored. */
  public static final String REPLAYED_HEADER = "Idempotent-Replayed";

  /**
   * The answer to a write: {@code accepted} (stored; the chain now ends at {@code sequenceNumber}
   * with {@code headHash}) or {@code already-recorded} (a repeated {@code idempotencyKey}; nothing new
   * stored, {@code sequenceNumber} is where it was stored before).
   */
  public record WriteResult(
      String outcome, String entityId, long sequenceNumber, Optional<String> headHash, Optional<String> idempotencyKey) {}

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final CircuitBreaker breaker;

  Ledger(ActorSystem<?> system, Duration askTimeout, HttpApiSettings.LedgerBreaker breakerSettings) {
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = askTimeout;
    // The ask's own timeout fails a call first; the breaker's call timeout is only a backstop.
    this.breaker =
        CircuitBreaker.create(
            system.classicSystem().scheduler(), breakerSettings.maxFailures(), askTimeout.multipliedBy(2), breakerSettings.resetTimeout());
  }

  /**
   * Asks entity {@code entityId} of {@code typeKey}; a timeout fails the stage with a {@link
   * java.util.concurrent.TimeoutException}. After {@code ledger-breaker.max-failures} consecutive
   * asks (or {@link #guarded} calls) without an answer, asks fail at once with a {@link
   * CircuitBreakerOpenException} (nothing is sent) until the breaker lets one through again. A
   * refusal is an answer: it never counts.
   */
  public <C, R> CompletionStage<R> ask(EntityTypeKey<C> typeKey, String entityId, Function<ActorRef<R>, C> message) {
    return guarded(() -> Asks.ask(sharding.entityRefFor(typeKey, entityId), message, askTimeout));
  }

  /**
   * Runs {@code call}, a write that reaches the ledger's Cassandra in some other way than one ask
   * (a batch registration: unit index claims, then the ask), behind the same breaker as {@link
   * #ask}: its failures count, and while the breaker is open it is not started at all.
   */
  public <R> CompletionStage<R> guarded(Supplier<CompletionStage<R>> call) {
    return breaker.callWithCircuitBreakerCS(call::get);
  }

  /**
   * Issues a write and answers with its outcome.
   *
   * @param location where the created entity is found, for a command that creates one (201)
   * @param currentState describes the entity's state for a 409 ({@code currentState} member)
   */
  public <C> CompletionStage<ApiResponse> write(
      EntityTypeKey<C> typeKey,
      String entityId,
      Function<ActorRef<CommandResult>, C> command,
      Optional<String> location,
      Function<String, CompletionStage<Optional<String>>> currentState) {
    return outcome(this.<C, CommandResult>ask(typeKey, entityId, command), entityId, location, currentState);
  }

  /** Builds an entity command from a request body, the token's party and the idempotency key. */
  @FunctionalInterface
  public interface CommandFactory<B, C> {
    Function<ActorRef<CommandResult>, C> build(B request, ActingParty party, String sourceMessageId);
  }

  /**
   * {@code POST <entity path>/<action>}: reads a {@code requestType} body, builds the command with
   * the caller as acting party, and answers with the write's outcome. The roles are those the
   * entity's permission table gives {@code command}.
   *
   * @param entityPath the path template of one entity, e.g. {@code /api/v1/devices/{deviceId}}
   * @param entityId the entity id a call addresses (validating its path parameters)
   * @param currentState describes the entity's state for a 409
   */
  public <B, C> Endpoint actionEndpoint(
      String entityPath,
      String action,
      String operationId,
      Map<? extends Class<?>, Permission> permissions,
      Class<?> command,
      Class<B> requestType,
      EntityTypeKey<C> typeKey,
      Function<Call, String> entityId,
      CommandFactory<B, C> factory,
      Function<String, CompletionStage<Optional<String>>> currentState) {
    return Endpoint.secured(
        "POST",
        entityPath + "/" + action,
        operationId,
        AccessRules.writers(permissions, command),
        call -> {
          String id = entityId.apply(call);
          B request = call.body(requestType);
          return write(
              typeKey, id, factory.build(request, call.callerOrFail().party(), call.sourceMessageId()), Optional.empty(), currentState);
        });
  }

  /** The response to a write's {@code result}, see {@link #write}. */
  public CompletionStage<ApiResponse> outcome(
      CompletionStage<CommandResult> reply,
      String entityId,
      Optional<String> location,
      Function<String, CompletionStage<Optional<String>>> currentState) {
    return reply
        .thenCompose(
            result -> {
              if (result instanceof CommandResult.Rejected rejected && rejected.reason() == Rejection.ILLEGAL_STATE) {
                return currentState
                    .apply(entityId)
                    // The refusal stands even if the state cannot be read for the problem's member.
                    .exceptionally(error -> Optional.empty())
                    .thenApply(
                        state -> {
                          throw problem(rejected, state.<Map<String, Object>>map(s -> Map.of("currentState", s)).orElse(Map.of()));
                        });
              }
              return java.util.concurrent.CompletableFuture.completedFuture(response(result, entityId, location));
            });
  }

  /** The response to an accepted or already recorded write; a rejection is thrown as its problem. */
  public static ApiResponse response(CommandResult result, String entityId, Optional<String> location) {
    if (result instanceof CommandResult.Accepted accepted) {
      WriteResult body = new WriteResult("accepted", entityId, accepted.sequenceNumber(), Optional.of(accepted.headHash()), Optional.empty());
      return location.map(l -> ApiResponse.created(body, l)).orElseGet(() -> ApiResponse.ok(body));
    }
    if (result instanceof CommandResult.AlreadyRecorded already) {
      return ApiResponse.ok(
              new WriteResult("already-recorded", entityId, already.sequenceNumber(), Optional.empty(), Optional.of(already.sourceMessageId())))
          .withHeader(REPLAYED_HEADER, "true");
    }
    throw problem((CommandResult.Rejected) result, Map.of());
  }

  /** The problem for a rejection; every {@link Rejection} has its own mapping. */
  public static Problem problem(CommandResult.Rejected rejected, Map<String, Object> extensions) {
    Map<String, Object> members = new java.util.LinkedHashMap<>(extensions);
    Problem.Type type =
        switch (rejected.reason()) {
          case INVALID_INPUT -> Problem.Type.INVALID_FIELD;
          case FORBIDDEN -> Problem.Type.FORBIDDEN;
          case NOT_FOUND -> Problem.Type.NOT_FOUND;
          case ILLEGAL_STATE -> Problem.Type.ILLEGAL_STATE;
          case BUSINESS_RULE -> Problem.Type.BUSINESS_RULE;
          case CONSENT_REQUIRED -> Problem.Type.CONSENT_REQUIRED;
          case REFUSED_AND_RECORDED -> {
            // The refusal itself is evidence (a duplicate scan, a use after decommissioning): it is
            // on the chain, and the client learns where.
            members.put("evidenceRecordedAt", rejected.recordedUpTo());
            yield Problem.Type.REFUSED_AND_RECORDED;
          }
          case LEDGER_BROKEN -> Problem.Type.LEDGER_BROKEN;
        };
    return new Problem(type, rejected.message(), members);
  }
}
