package org.medtrace.globallog;

import com.datastax.oss.driver.api.core.CqlSession;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.typed.Cluster;
import org.medtrace.actors.ledger.CommitFeed;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.medtrace.merkle.LogFormat;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.WitnessPolicy;
import org.medtrace.merkle.witness.CheckpointWitnesses;
import org.medtrace.merkle.witness.HttpCheckpointWitnesses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The global verifiable log of a node (merkle-log/FORMAT.md): every committed ledger event, of
 * every entity, as a leaf of its slice's RFC 9162 Merkle tree in Cassandra.
 *
 * <p>The log's guarantees:
 *
 * <ul>
 *   <li>Every committed event MUST appear in the log exactly once: its entity hands it to the
 *       writer of its slice once it is stored ({@link SliceFeed}), and the reconciler, which
 *       compares the journal itself with the log (a bounded part of the slice's entities per pass,
 *       see {@link SliceReconciler}), appends whatever a hand-over lost.
 *   <li>It appears within a bounded delay: the writer's queue for most events; see {@link
 *       SliceReconciler} for the bound when a hand-over is lost.
 *   <li>Nothing is ever removed from the log, rewritten or reordered: leaf indexes are claimed with
 *       conditional writes and never reused; an entity's events are in sequence order.
 *   <li>A leaf index that the log shows (in a position, a proof, a checkpoint) MUST be durably
 *       sequenced.
 * </ul>
 *
 * <p>{@link #init} starts the sharding of the slice writers ({@link SliceWriter}, {@link
 * LogFormat#SLICE_COUNT} of them, one per slice in the cluster) and keeps them running; every node
 * calls it, before its entities start, and gives them {@link #commitFeed}.
 */
public final class GlobalLog {

  private static final String CASSANDRA_PLUGIN = "pekko.persistence.cassandra";

  private static final Logger log = LoggerFactory.getLogger(GlobalLog.class);

  private final LogTables tables;
  private final Optional<NoteKey> logKey;
  private final WitnessPolicy witnessPolicy;
  private final CommitFeed commitFeed;

  private GlobalLog(LogTables tables, Optional<NoteKey> logKey, WitnessPolicy witnessPolicy, CommitFeed commitFeed) {
    this.tables = tables;
    this.logKey = logKey;
    this.witnessPolicy = witnessPolicy;
    this.commitFeed = commitFeed;
  }

  /**
   * Where this node's entities hand the events they store ({@code LedgerSettings.withCommitFeed}):
   * the slice writers, or {@link CommitFeed#NONE} where the log or its feed is off.
   */
  public CommitFeed commitFeed() {
    return commitFeed;
  }

  /**
   * The log's read side (checkpoints, proofs, exports), if the node has a log key (without one
   * there are no checkpoints to prove anything against). Its exports carry the keys of the log's
   * witnesses, and its witnessed checkpoints are those that their policy (quorum of keys) accepts.
   *
   * @param organisationKeys the keys that sign events, by key id, which exports carry
   */
  public Optional<LogReader> reader(ActorSystem<?> system, Duration journalTimeout, Map<String, PublicKey> organisationKeys) {
    return logKey.map(
        key -> new LogReader(tables, new EntityJournal(system, journalTimeout), key, witnessPolicy, organisationKeys));
  }

  /** The key that verifies the log's checkpoints, if the node has one. */
  public Optional<NoteKey> logKey() {
    return logKey;
  }

  /** The log's tables, for readers (proofs, checkpoints, export) and tools. */
  public LogTables tables() {
    return tables;
  }

  /** Starts the slice writers (where enabled), with no witnesses, and returns the log's read side. */
  public static GlobalLog init(ActorSystem<?> system, GlobalLogSettings settings, Clock clock) {
    return init(system, settings, CheckpointWitnesses.none(), clock);
  }

  /**
   * The configured witnesses ({@code medtrace.global-log.witnesses}) over HTTP, or {@link
   * CheckpointWitnesses#none()} when none are listed. A witness that last cosigned an older
   * checkpoint of a slice gets a proof from the slice's stored tree.
   */
  public static CheckpointWitnesses witnesses(ActorSystem<?> system, GlobalLogSettings settings) {
    GlobalLogSettings.Witnesses witnesses = settings.witnesses();
    if (witnesses.endpoints().isEmpty()) {
      return CheckpointWitnesses.none();
    }
    return new HttpCheckpointWitnesses(
        witnesses.endpoints(),
        witnesses.quorum(),
        witnesses.timeout(),
        Optional.of(new SliceConsistencyProofs(tables(system), settings.signing().logName())));
  }

  /**
   * Starts the slice writers (where enabled), which hand each new checkpoint to {@code witnesses},
   * and returns the log's read side.
   */
  public static GlobalLog init(
      ActorSystem<?> system, GlobalLogSettings settings, CheckpointWitnesses witnesses, Clock clock) {
    LogTables tables = tables(system);
    Optional<NoteSigner> signer = LogKey.load(settings.signing());
    if (settings.enabled()) {
      if (signer.isEmpty()) {
        log.warn("No log key is configured (medtrace.global-log.signing): the log publishes no checkpoints");
      }
      Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
      Optional<CheckpointPublisher> publisher =
          signer.map(key -> new CheckpointPublisher(tables, key, witnesses, settings.witnesses().roundTimeout(), clock, blocking));
      EntityJournal journal = new EntityJournal(system, settings.journalTimeout());
      ClusterSharding.get(system)
          .init(
              Entity.of(
                      SliceWriter.TYPE_KEY,
                      context -> SliceWriter.create(sliceOf(context.getEntityId()), settings, tables, journal, publisher, clock))
                  // A writer runs until its node leaves, however idle its slice.
                  .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
      SliceFeed feed = new SliceFeed(system);
      String self = Cluster.get(system).selfMember().address().toString();
      system
          .scheduler()
          .scheduleAtFixedRate(Duration.ZERO, settings.keepAliveInterval(), () -> feed.keepAlive(self), system.executionContext());
      CommitFeed commitFeed = settings.commitFeed() ? feed : CommitFeed.NONE;
      return new GlobalLog(tables, signer.map(NoteSigner::verifierKey), witnesses.policy(), commitFeed);
    }
    return new GlobalLog(tables, signer.map(NoteSigner::verifierKey), witnesses.policy(), CommitFeed.NONE);
  }

  private static int sliceOf(String writerId) {
    int slice = Integer.parseInt(writerId);
    if (slice < 0 || slice >= LogFormat.SLICE_COUNT) {
      throw new IllegalArgumentException("no log slice " + writerId);
    }
    return slice;
  }

  /** The log's tables in the journal keyspace, through the journal plugin's Cassandra session. */
  public static LogTables tables(ActorSystem<?> system) {
    try {
      CqlSession session =
          CassandraSessionRegistry.get(system).sessionFor(CASSANDRA_PLUGIN).underlying().toCompletableFuture().get(60, TimeUnit.SECONDS);
      return new LogTables(session, system.settings().config().getString(CASSANDRA_PLUGIN + ".journal.keyspace"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while connecting to Cassandra", e);
    } catch (Exception e) {
      throw new IllegalStateException("the global log cannot reach Cassandra: " + e, e);
    }
  }
}
