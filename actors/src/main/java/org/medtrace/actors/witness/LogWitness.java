package org.medtrace.actors.witness;

import static org.medtrace.actors.ledger.Fields.isBlank;
import static org.medtrace.actors.ledger.Fields.isSha256Hex;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
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
import org.medtrace.actors.ledger.LedgerEntity;
import org.medtrace.actors.ledger.LedgerSettings;
import org.medtrace.actors.ledger.LedgerState;
import org.medtrace.actors.ledger.LedgerWrite;
import org.medtrace.actors.ledger.Permission;
import org.medtrace.actors.ledger.RecentSources;
import org.medtrace.actors.ledger.Rejection;
import org.medtrace.actors.ledger.Role;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.LogForkDetected;
import org.medtrace.ledger.v1.LogForkKind;
import org.medtrace.persistence.chain.ChainHead;
import org.medtrace.persistence.chain.JournalRecord;

/**
 * An organisation's witness of the verifiable log, as a ledger entity: its chain holds the forks
 * it detected in the logs it follows, so that they reach the product's alert path (events tagged
 * as alerts: {@code GET /api/v1/alerts}, the Kafka alerts topic) and the global log, like every
 * other alert. The id is the witness's name.
 *
 * <p>Lifecycle: there is none to speak of; the chain starts with the first fork and only grows.
 * {@link RecordFork} stores one {@code LogForkDetected} per piece of evidence: the evidence id is
 * derived from the two notes ({@link #evidenceId}) and checked, and a fork recorded before —
 * however long ago, not only within the idempotency window — is answered {@code AlreadyRecorded}
 * and stores nothing. The witness service can therefore record on every detection, at least once,
 * without the alert appearing twice.
 */
public final class LogWitness extends LedgerEntity<LogWitness.Command, LogWitness.State> {

  public static final String ENTITY_TYPE = "log-witness";
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, ENTITY_TYPE);

  /** A signed checkpoint is a few lines; this bounds what one event may carry. */
  public static final int MAX_NOTE_CHARS = 16 * 1024;

  private static final int HASH_BYTES = 32;

  // ---- commands ----

  public sealed interface Command extends CborSerializable {}

  /** Read the witness's state; writes nothing. */
  public record Get(ActorRef<State> replyTo) implements Command {}

  /** What the evidence shows; see {@code LogForkKind} in the ledger format. */
  public enum ForkKind {
    SAME_SIZE_DIFFERENT_ROOT,
    INCONSISTENT_PROOF
  }

  /**
   * Record fork evidence. Its source message id is the evidence id, so a repeat is answered
   * {@code AlreadyRecorded}.
   *
   * @param treeSize the size of the checkpoint the witness had cosigned
   * @param evidenceId {@link #evidenceId}{@code (firstNote, secondNote)}
   * @param firstNote the signed checkpoint the witness had cosigned
   * @param secondNote the conflicting signed checkpoint
   * @param consistencyProof the proof that came with {@code secondNote} (empty for a same-size fork)
   */
  public record RecordFork(
      String origin,
      ForkKind kind,
      long treeSize,
      String evidenceId,
      String firstNote,
      String secondNote,
      List<byte[]> consistencyProof,
      ActingParty party,
      ActorRef<CommandResult> replyTo)
      implements Command, LedgerWrite {

    public RecordFork {
      consistencyProof = consistencyProof == null ? List.of() : List.copyOf(consistencyProof);
    }

    @Override
    public String sourceMessageId() {
      return evidenceId;
    }
  }

  // ---- state ----

  /**
   * @param forkSequenceNumbers every evidence id recorded, with the sequence number of its event;
   *     forks are rare (each is a log misbehaving), so all of them are kept
   */
  public record State(
      ChainHead head, Optional<String> brokenChain, RecentSources recentSources, Map<String, Long> forkSequenceNumbers)
      implements LedgerState<State> {

    public State {
      forkSequenceNumbers = Map.copyOf(forkSequenceNumbers);
    }

    public static State empty(String entityId) {
      return new State(ChainHead.genesis(ENTITY_TYPE, entityId), Optional.empty(), RecentSources.NONE, Map.of());
    }

    @Override
    public State withHead(ChainHead newHead) {
      return new State(newHead, brokenChain, recentSources, forkSequenceNumbers);
    }

    @Override
    public State withRecentSources(RecentSources sources) {
      return new State(head, brokenChain, sources, forkSequenceNumbers);
    }

    @Override
    public State withBrokenChain(String description) {
      return new State(head, Optional.of(description), recentSources, forkSequenceNumbers);
    }

    @Override
    public State apply(EventBody event) {
      if (event.getEventCase() != EventBody.EventCase.LOG_FORK_DETECTED) {
        throw new IllegalStateException(
            "a log witness has no event " + event.getEventCase() + " (#" + event.getSequenceNumber() + ")");
      }
      Map<String, Long> forks = new HashMap<>(forkSequenceNumbers);
      forks.put(event.getLogForkDetected().getEvidenceId(), event.getSequenceNumber());
      return new State(head, brokenChain, recentSources, forks);
    }
  }

  // ---- behaviour ----

  /** Which roles may issue each write. */
  public static final Map<Class<? extends Command>, Permission> PERMISSIONS =
      Map.of(RecordFork.class, new Permission("record a log fork", Set.of(Role.WITNESS)));

  private LogWitness(String entityId, LedgerSettings settings) {
    super(ENTITY_TYPE, entityId, settings, PERMISSIONS);
  }

  public static LogWitness create(String entityId, LedgerSettings settings) {
    return new LogWitness(entityId, settings);
  }

  /** Starts sharding for log witnesses on this node. */
  public static void init(ActorSystem<?> system, LedgerSettings settings) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY, context -> create(context.getEntityId(), settings)));
  }

  /**
   * The id of a piece of fork evidence: lower-case hex SHA-256 over {@code firstNote}, a zero
   * byte and {@code secondNote} (UTF-8). The same pair always has the same id, so the witness's
   * evidence store and this chain agree on what a repeat is.
   */
  public static String evidenceId(String firstNote, String secondNote) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(firstNote.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      digest.update(secondNote.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
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
    RecordFork fork = (RecordFork) command;
    Long recordedAt = state.forkSequenceNumbers().get(fork.evidenceId());
    if (recordedAt != null) {
      return Effect().reply(fork.replyTo(), new CommandResult.AlreadyRecorded(fork.evidenceId(), recordedAt));
    }
    Optional<String> problem = problem(fork);
    if (problem.isPresent()) {
      return refuse(fork, Rejection.INVALID_INPUT, problem.get());
    }
    LogForkDetected.Builder event =
        LogForkDetected.newBuilder()
            .setWitness(entityId)
            .setOrigin(fork.origin())
            .setKind(LogForkKind.valueOf(fork.kind().name()))
            .setTreeSize(fork.treeSize())
            .setEvidenceId(fork.evidenceId())
            .setFirstNote(fork.firstNote())
            .setSecondNote(fork.secondNote());
    fork.consistencyProof().forEach(hash -> event.addConsistencyProof(ByteString.copyFrom(hash)));
    return accept(state, fork, EventBody.newBuilder().setLogForkDetected(event));
  }

  private static Optional<String> problem(RecordFork fork) {
    if (isBlank(fork.origin())) {
      return Optional.of("origin is required");
    }
    if (fork.kind() == null) {
      return Optional.of("kind is required (" + List.of(ForkKind.values()) + ")");
    }
    if (fork.treeSize() < 0) {
      return Optional.of("treeSize must not be negative, was " + fork.treeSize());
    }
    if (isBlank(fork.firstNote()) || isBlank(fork.secondNote())) {
      return Optional.of("both signed notes are required");
    }
    if (fork.firstNote().length() > MAX_NOTE_CHARS || fork.secondNote().length() > MAX_NOTE_CHARS) {
      return Optional.of("a signed note has at most " + MAX_NOTE_CHARS + " characters");
    }
    if (fork.firstNote().equals(fork.secondNote())) {
      return Optional.of("the two notes are the same: that is no fork");
    }
    if (!isSha256Hex(fork.evidenceId()) || !fork.evidenceId().equals(evidenceId(fork.firstNote(), fork.secondNote()))) {
      return Optional.of("evidenceId must be the SHA-256 of the two notes (64 lower-case hex digits), was " + fork.evidenceId());
    }
    List<byte[]> proof = fork.consistencyProof();
    if (fork.kind() == ForkKind.SAME_SIZE_DIFFERENT_ROOT && !proof.isEmpty()) {
      return Optional.of("a same-size fork comes with no consistency proof");
    }
    for (byte[] hash : proof) {
      if (hash.length != HASH_BYTES) {
        return Optional.of("every consistency proof hash is " + HASH_BYTES + " bytes");
      }
    }
    return Optional.empty();
  }
}
