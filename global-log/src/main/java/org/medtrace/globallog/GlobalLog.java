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
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
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
 *   <li>Every committed event MUST appear in the log exactly once: the writer of its slice appends
 *       it when the slice's journal tag shows it, and the reconciler, which compares the journal
 *       itself with the log every {@code reconcile-interval} (a bounded part of the slice's
 *       entities per pass, see {@link SliceReconciler}), appends whatever the tag stream missed.
 *   <li>It appears within a bounded delay: the tag stream's delay for most events; for any, at most
 *       {@code ceil(persistence ids / reconcile-page-size)} reconciliation intervals (plus the pass
 *       itself), one interval if the tag stream showed its entity shortly before, while the writer
 *       runs.
 *   <li>Nothing is ever removed from the log, rewritten or reordered: leaf indexes are claimed with
 *       conditional writes and never reused; an entity's events are in sequence order.
 *   <li>A leaf index that the log shows (in a position, a proof, a checkpoint) MUST be durably
 *       sequenced.
 * </ul>
 *
 * <p>{@link #init} starts one writer per slice in the cluster ({@link SliceWriter}, a sharded daemon
 * process of {@link LogFormat#SLICE_COUNT} instances); every node calls it.
 */
public final class GlobalLog {

  /** The name of the sharded daemon process of the slice writers. */
  public static final String WRITERS = "medtrace-log-slice-writers";

  private static final String CASSANDRA_PLUGIN = "pekko.persistence.cassandra";

  private static final Logger log = LoggerFactory.getLogger(GlobalLog.class);

  private final LogTables tables;
  private final Optional<NoteKey> logKey;
  private final WitnessPolicy witnessPolicy;

  private GlobalLog(LogTables tables, Optional<NoteKey> logKey, WitnessPolicy witnessPolicy) {
    this.tables = tables;
    this.logKey = logKey;
    this.witnessPolicy = witnessPolicy;
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
      ShardedDaemonProcess.get(system)
          .init(
              SliceWriter.Command.class,
              WRITERS,
              LogFormat.SLICE_COUNT,
              slice -> SliceWriter.create(slice, settings, tables, journal, publisher, clock));
    }
    return new GlobalLog(tables, signer.map(NoteSigner::verifierKey), witnesses.policy());
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
