package org.medtrace.actors.ledger;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.persistence.chain.ChainHead;
import org.medtrace.persistence.chain.ChainVerifier;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.JournalRecord;
import org.medtrace.persistence.chain.VerificationResult;

/**
 * What the three ledger entities share: every event they persist is sealed onto the entity's hash
 * chain, every event they apply (live or in recovery) must extend that chain, and no command
 * appends to a chain that does not verify.
 *
 * <p>Subclasses validate commands in {@link #handle} (reply a rejection and persist nothing, or
 * call {@link #accept}); state changes happen only in {@link LedgerState#apply}. A reply to a
 * write means "durably stored", because it is sent by {@code thenReply} after the persist.
 *
 * @param <C> the entity's command type
 * @param <S> the entity's state type
 */
public abstract class LedgerEntity<C, S extends LedgerState<S>>
    extends EventSourcedBehaviorWithEnforcedReplies<C, JournalRecord, S> {

  protected final String entityType;
  protected final String entityId;
  protected final LedgerSettings settings;
  private final Map<? extends Class<?>, Permission> permissions;

  /**
   * @param permissions which roles may issue each write command class; a write without an entry
   *     reaches {@link #handle} unchecked
   */
  protected LedgerEntity(
      String entityType,
      String entityId,
      LedgerSettings settings,
      Map<? extends Class<?>, Permission> permissions) {
    super(PersistenceId.of(entityType, entityId));
    this.entityType = entityType;
    this.entityId = entityId;
    this.settings = settings;
    this.permissions = permissions;
  }

  /**
   * Validates {@code command} against {@code state} and replies; see the class comment. A write
   * reaches it only once its acting party's role is allowed by the entity's permissions.
   */
  protected abstract ReplyEffect<JournalRecord, S> handle(S state, C command);

  @Override
  public final CommandHandlerWithReply<C, JournalRecord, S> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState().onAnyCommand(this::guardChain);
  }

  private ReplyEffect<JournalRecord, S> guardChain(S state, C command) {
    if (command instanceof LedgerWrite write) {
      if (state.brokenChain().isPresent()) {
        return refuse(write, Rejection.LEDGER_BROKEN, state.brokenChain().get());
      }
      Role role = write.party().role();
      Permission permission = permissions.get(command.getClass());
      if (permission != null && !permission.allows(role)) {
        return refuse(write, Rejection.FORBIDDEN, permission.refusal(role));
      }
      Optional<Long> storedAt =
          state.recentSources().stored(write.party().organisation(), write.sourceMessageId());
      if (storedAt.isPresent()) {
        return Effect()
            .reply(
                write.replyTo(),
                new CommandResult.AlreadyRecorded(write.sourceMessageId(), storedAt.get()));
      }
    }
    return handle(state, command);
  }

  @Override
  public final EventHandler<S, JournalRecord> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(this::applyRecord);
  }

  private S applyRecord(S state, JournalRecord record) {
    if (state.brokenChain().isPresent()) {
      return state;
    }
    Optional<VerificationResult.Broken> broken = ChainVerifier.checkLink(state.head(), record);
    if (broken.isPresent()) {
      VerificationResult.Broken b = broken.get();
      return state.withBrokenChain(
          "the chain of "
              + entityType
              + " "
              + entityId
              + " is broken at #"
              + b.sequenceNumber()
              + " ("
              + b.reason()
              + ": "
              + b.detail()
              + "); nothing is appended to it until it is repaired");
    }
    ChainedEvent event = (ChainedEvent) record;
    ChainHead next = state.head().advanceTo(event);
    return state
        .apply(event.body())
        .withHead(next)
        .withRecentSources(
            state
                .recentSources()
                .recording(
                    event.body().getActingParty().getOrganisation(),
                    event.body().getSourceMessageId(),
                    next.sequenceNumber(),
                    settings.idempotencyWindow()));
  }

  /**
   * Alerts carry {@link Alerts#TAG}; no other event is tagged. The global log does not follow a tag
   * (a tag costs two more Cassandra writes per event, on the persist's path): entities hand it
   * their events ({@link LedgerSettings#commitFeed}).
   */
  @Override
  public Set<String> tagsFor(JournalRecord record) {
    return record instanceof ChainedEvent event && Alerts.isAlert(event.body()) ? Set.of(Alerts.TAG) : Set.of();
  }

  @Override
  public boolean shouldSnapshot(S state, JournalRecord record, long sequenceNumber) {
    // A snapshot of a broken chain would hide the break from the next recovery.
    return state.brokenChain().isEmpty() && sequenceNumber % settings.snapshotEvery() == 0;
  }

  /** Seals {@code events} (bodies with only their domain event set) onto the chain, persists them, then replies {@code Accepted}. */
  protected ReplyEffect<JournalRecord, S> accept(S state, LedgerWrite command, EventBody.Builder... events) {
    return persistSealed(state.head(), command.party(), command.sourceMessageId(), events)
        .thenReply(
            command.replyTo(),
            after -> new CommandResult.Accepted(after.head().sequenceNumber(), after.head().hashHex()));
  }

  /**
   * Persists {@code evidence} of a refused command (a duplicate scan, a use after decommissioning,
   * a denied read), then replies that the command was refused and recorded.
   */
  protected ReplyEffect<JournalRecord, S> refuseAndRecord(
      S state, LedgerWrite command, String message, EventBody.Builder... evidence) {
    return persistSealed(state.head(), command.party(), command.sourceMessageId(), evidence)
        .thenReply(
            command.replyTo(),
            after ->
                new CommandResult.Rejected(
                    Rejection.REFUSED_AND_RECORDED, message, after.head().sequenceNumber()));
  }

  /**
   * Seals {@code events} after {@code head} ({@link #seal}) and persists them; once they are stored,
   * hands them to the settings' {@link CommitFeed}, before any reply the caller adds.
   */
  protected EffectBuilder<JournalRecord, S> persistSealed(
      ChainHead head, ActingParty party, String sourceMessageId, EventBody.Builder... events) {
    List<JournalRecord> sealed = seal(head, party, sourceMessageId, events);
    List<ChainedEvent> stored = sealed.stream().map(ChainedEvent.class::cast).toList();
    return Effect().persist(sealed).thenRun(after -> settings.commitFeed().committed(stored));
  }

  /** Replies a rejection and persists nothing. */
  protected ReplyEffect<JournalRecord, S> refuse(LedgerWrite command, Rejection reason, String message) {
    return Effect().reply(command.replyTo(), new CommandResult.Rejected(reason, message));
  }

  protected Instant now() {
    return settings.clock().instant();
  }

  protected static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  protected static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  /**
   * Seals {@code events} (bodies with only their domain event set) after {@code head}: stamps each
   * with the recorded-at time, the acting party, the source message id and the party's submission
   * signature (if its request was signed), and chains them in order.
   */
  private List<JournalRecord> seal(
      ChainHead head, ActingParty party, String sourceMessageId, EventBody.Builder... events) {
    Timestamp recordedAt = timestamp(now());
    List<JournalRecord> sealed = new ArrayList<>(events.length);
    for (EventBody.Builder event : events) {
      event
          .setRecordedAt(recordedAt)
          .setActingParty(party.toProto())
          .setSourceMessageId(sourceMessageId == null ? "" : sourceMessageId);
      if (party.submission() != null) {
        event.setSubmissionSignature(party.submission().toProto());
      }
      ChainedEvent chained = ChainedEvent.seal(head, event, settings.signer());
      sealed.add(chained);
      head = head.advanceTo(chained);
    }
    return sealed;
  }
}
