package org.medtrace.globallog;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.medtrace.actors.ledger.CborSerializable;
import org.medtrace.merkle.LogLeaf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of a slice: a sharded actor ({@link #TYPE_KEY}, entity id = the slice) that
 * {@link GlobalLog} keeps alive on every node, so that the cluster runs exactly one per slice
 * (sharding moves it when its node leaves, and holds the messages sent to it meanwhile). It runs
 * one stream that takes, one at a time:
 *
 * <ul>
 *   <li>batches of the events the slice's entities stored and handed over ({@link Committed}, from
 *       their nodes' {@link SliceFeed}): the fast path, and
 *   <li>reconciliation passes (the journal compared with the log, a bounded part of the slice's
 *       entities per pass, see {@link SliceReconciler}), and
 *   <li>checkpoint ticks (the positions of the leaves sequenced since the last, then a signed
 *       checkpoint),
 * </ul>
 *
 * and passes each through sequencing ({@link SliceSequencer}) and Merkle integration ({@link
 * SliceIntegrator}), or checkpoint publishing ({@link CheckpointPublisher}), on the blocking
 * dispatcher. Any failure restarts the stream with backoff, and a restart recovers both steps from
 * the tables, so nothing the log announced is lost and nothing is appended twice.
 *
 * <p>A hand-over is a message, not a durable record: the writer's stream, the events queued in it,
 * and messages in flight to a node that crashes are lost with them. So every start of the stream
 * (a new writer, a moved one, a restart after a failure) and every cluster member's removal begins
 * a reconciliation cycle over every entity of the journal (see {@link SliceReconciler}), and a
 * hand-over the writer's queue has no room for names its entity for the next pass.
 */
public final class SliceWriter {

  /** The sharded writers; the entity id of each is its slice number. */
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "medtrace-log-slice-writer");

  private static final Logger log = LoggerFactory.getLogger(SliceWriter.class);

  /** What the writer takes. */
  public interface Command extends CborSerializable {}

  /**
   * Events of one entity that it has stored, in sequence order from {@code firstSequenceNumber}:
   * each event's hash, and the hash the first one links to (its {@code prev_hash}).
   */
  public record Committed(
      String entityType, String entityId, long firstSequenceNumber, byte[] previousHash, List<byte[]> eventHashes)
      implements Command {

    EntityJournal.Entity entity() {
      return new EntityJournal.Entity(entityType, entityId);
    }

    List<EntityJournal.ChainedLeaf> leaves() {
      List<EntityJournal.ChainedLeaf> leaves = new ArrayList<>(eventHashes.size());
      byte[] previous = previousHash;
      for (int i = 0; i < eventHashes.size(); i++) {
        byte[] hash = eventHashes.get(i);
        leaves.add(new EntityJournal.ChainedLeaf(new LogLeaf(entityType, entityId, firstSequenceNumber + i, hash), previous));
        previous = hash;
      }
      return leaves;
    }
  }

  /**
   * Starts the writer where it is not running; every node sends one to each slice's writer every
   * {@code keep-alive-interval} (a writer must run even while its slice's entities are idle: it
   * reconciles and publishes checkpoints).
   *
   * @param sender the address of the node that sent it: what an operator reads when one shows up
   *     in the dead letters (a writer stopping, a node leaving)
   */
  public record KeepAlive(String sender) implements Command {}

  /** A member left the cluster: what was handed over from its node may be lost. Local only. */
  private record MemberRemoved(String member) implements Command {}

  /** An item of the writer's queue; {@code queuedNanos} is when it entered it (for the step timings at DEBUG). */
  private sealed interface Work {
    long queuedNanos();
  }

  private record Observed(List<EntityJournal.ChainedLeaf> leaves, long queuedNanos) implements Work {}

  private record Reconcile(long queuedNanos) implements Work {}

  /** Every checkpoint interval: the positions of what was sequenced since, then a checkpoint (when the log signs). */
  private record CheckpointTick(long queuedNanos) implements Work {}

  private SliceWriter() {}

  static Behavior<Command> create(
      int slice,
      GlobalLogSettings settings,
      LogTables tables,
      EntityJournal journal,
      Optional<CheckpointPublisher> publisher,
      Clock clock) {
    return Behaviors.setup(
        context -> {
          ActorSystem<?> system = context.getSystem();
          Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
          SliceIntake intake = new SliceIntake(slice, SliceSequencer.RECENT_ENTITIES);
          Cluster.get(system)
              .subscriptions()
              .tell(
                  Subscribe.create(
                      context.messageAdapter(
                          ClusterEvent.MemberRemoved.class, removed -> new MemberRemoved(removed.member().address().toString())),
                      ClusterEvent.MemberRemoved.class));
          RestartSettings restart =
              RestartSettings.create(settings.restartMinBackoff(), settings.restartMaxBackoff(), 0.2);
          UniqueKillSwitch killSwitch =
              RestartSource.onFailuresWithBackoff(
                      restart, () -> run(slice, settings, tables, journal, publisher, clock, blocking, intake))
                  .viaMat(KillSwitches.single(), Keep.right())
                  .to(Sink.ignore())
                  .run(system);
          log.info("Writer of log slice {} started", slice);
          return Behaviors.receive(Command.class)
              .onMessage(Committed.class, committed -> {
                intake.offer(committed);
                return Behaviors.same();
              })
              .onMessage(KeepAlive.class, keepAlive -> Behaviors.same())
              .onMessage(MemberRemoved.class, removed -> {
                log.info("Slice {}: {} left the cluster; reconciling every entity, as what it handed over may be lost", slice, removed.member());
                intake.requestCycle();
                return Behaviors.same();
              })
              .onSignal(
                  PostStop.class,
                  stop -> {
                    intake.detach();
                    killSwitch.shutdown();
                    return Behaviors.same();
                  })
              .build();
        });
  }

  private static Source<Long, NotUsed> run(
      int slice,
      GlobalLogSettings settings,
      LogTables tables,
      EntityJournal journal,
      Optional<CheckpointPublisher> publisher,
      Clock clock,
      Executor blocking,
      SliceIntake intake) {
    CompletableFuture<Source<Long, NotUsed>> recovered =
        CompletableFuture.supplyAsync(
            () -> {
              SliceSequencer sequencer = SliceSequencer.recover(slice, tables, journal, clock);
              SliceIntegrator integrator = new SliceIntegrator(slice, tables);
              // Every start begins with a whole cycle: what was queued in the previous stream, or
              // handed over while none ran, is only in the journal.
              intake.requestCycle();
              SliceReconciler reconciler =
                  new SliceReconciler(sequencer, journal, settings.reconcilePageSize(), settings.reconcileInterval(), intake);
              integrator.integrateUpTo(sequencer.size());
              Source<Work, NotUsed> handedOver =
                  Source.<SliceWriter.Committed>queue(settings.feedBufferSize())
                      .mapMaterializedValue(queue -> {
                        intake.attach(queue);
                        return NotUsed.getInstance();
                      })
                      .groupedWeightedWithin(settings.batchSize(), committed -> (long) committed.eventHashes().size(), settings.batchWindow())
                      .map(SliceWriter::observed);
              Source<Work, NotUsed> reconcile =
                  Source.tick(Duration.ZERO, SliceReconciler.pollInterval(settings.reconcileInterval()), NotUsed.getInstance())
                      .filter(tick -> reconciler.claimPass(clock.millis()))
                      .<Work>map(tick -> new Reconcile(System.nanoTime()))
                      .mapMaterializedValue(cancellable -> NotUsed.getInstance());
              Source<Work, NotUsed> checkpoints =
                  Source.tick(settings.checkpointInterval(), settings.checkpointInterval(), NotUsed.getInstance())
                      .<Work>map(tick -> new CheckpointTick(System.nanoTime()))
                      .mapMaterializedValue(cancellable -> NotUsed.getInstance());
              return handedOver
                  .merge(reconcile)
                  .merge(checkpoints)
                  .mapAsync(
                      1,
                      work ->
                          CompletableFuture.supplyAsync(
                              () -> process(work, slice, sequencer, reconciler, integrator, publisher, clock), blocking));
            },
            blocking);
    return Source.completionStageSource(recovered).mapMaterializedValue(done -> NotUsed.getInstance());
  }

  private static long process(
      Work work,
      int slice,
      SliceSequencer sequencer,
      SliceReconciler reconciler,
      SliceIntegrator integrator,
      Optional<CheckpointPublisher> publisher,
      Clock clock) {
    long started = System.nanoTime();
    if (work instanceof CheckpointTick) {
      // The positions first: once a checkpoint is stored, each of its leaves can be found by its event.
      sequencer.indexPositions();
      if (publisher.isPresent()) {
        try {
          publisher.get().publish(slice, integrator.tree());
        } catch (CheckpointRefusedException e) {
          // Sequencing goes on; signing waits for an operator (and says so every interval).
          log.error("Slice {}: no checkpoint published: {}", slice, e.getMessage());
        }
      }
      logStep(slice, work, started, started, started, integrator.tree().size());
      return integrator.tree().size();
    }
    if (work instanceof Observed observed) {
      sequencer.sequence(observed.leaves());
    } else {
      reconciler.pass(clock.millis());
    }
    long sequenced = System.nanoTime();
    long size = integrator.integrateUpTo(sequencer.size(), sequencer.takeAppended());
    long integrated = System.nanoTime();
    logStep(slice, work, started, sequenced, integrated, size);
    return size;
  }

  /**
   * At DEBUG, one line per step: how long its item waited in the writer's queue, and how long the
   * step's parts took (where the time between a leaf and its checkpoint goes).
   */
  private static void logStep(int slice, Work work, long started, long sequenced, long integrated, long size) {
    if (log.isDebugEnabled()) {
      long now = System.nanoTime();
      log.debug(
          "Slice {}: {} waited {} ms in the queue; sequencing {} ms, integration {} ms, the rest {} ms; tree size {}",
          slice, work.getClass().getSimpleName(), millis(started - work.queuedNanos()), millis(sequenced - started),
          millis(integrated - sequenced), millis(now - integrated), size);
    }
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }

  private static Work observed(List<Committed> handedOver) {
    List<EntityJournal.ChainedLeaf> leaves = new ArrayList<>();
    for (Committed committed : handedOver) {
      leaves.addAll(committed.leaves());
    }
    return new Observed(leaves, System.nanoTime());
  }
}
