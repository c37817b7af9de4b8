package org.medtrace.globallog;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.NoOffset;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.TimeBasedUUID;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.medtrace.actors.ledger.CborSerializable;
import org.medtrace.actors.ledger.LogSliceTag;
import org.medtrace.persistence.chain.ChainedEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of a slice: an actor that {@link GlobalLog} keeps alive as one of the instances
 * of a sharded daemon process, so that the cluster runs exactly one per slice (sharding moves it
 * when its node leaves). It runs one stream that takes, one at a time:
 *
 * <ul>
 *   <li>batches of the slice's tagged journal events (the fast path), and
 *   <li>reconciliation ticks (the journal compared with the log, a bounded part of the slice's
 *       entities per tick, see {@link SliceReconciler}), and
 *   <li>checkpoint ticks,
 * </ul>
 *
 * and passes each through sequencing ({@link SliceSequencer}) and Merkle integration ({@link
 * SliceIntegrator}), or checkpoint publishing ({@link CheckpointPublisher}), on the blocking
 * dispatcher. Any failure restarts the stream with backoff, and
 * a restart recovers both steps from the tables, so nothing the log announced is lost and nothing
 * is appended twice.
 */
public final class SliceWriter {

  private static final Logger log = LoggerFactory.getLogger(SliceWriter.class);

  /** The writer takes no messages; the type exists for the sharded daemon process. */
  public interface Command extends CborSerializable {}

  /** An item of the writer's queue; {@code queuedNanos} is when it entered it (for the step timings at DEBUG). */
  private sealed interface Work {
    long queuedNanos();
  }

  private record Observed(List<EntityJournal.ChainedLeaf> leaves, UUID lastOffset, long queuedNanos) implements Work {}

  private record Reconcile(long queuedNanos) implements Work {}

  private record Publish(long queuedNanos) implements Work {}

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
          RestartSettings restart =
              RestartSettings.create(settings.restartMinBackoff(), settings.restartMaxBackoff(), 0.2);
          UniqueKillSwitch killSwitch =
              RestartSource.onFailuresWithBackoff(restart, () -> run(slice, settings, tables, journal, publisher, clock, blocking))
                  .viaMat(KillSwitches.single(), Keep.right())
                  .to(Sink.ignore())
                  .run(system);
          log.info("Writer of log slice {} started", slice);
          return Behaviors.receive(Command.class)
              .onSignal(
                  PostStop.class,
                  stop -> {
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
      Executor blocking) {
    CompletableFuture<Source<Long, NotUsed>> recovered =
        CompletableFuture.supplyAsync(
            () -> {
              SliceSequencer sequencer = SliceSequencer.recover(slice, tables, journal, clock);
              SliceIntegrator integrator = new SliceIntegrator(slice, tables);
              SliceReconciler reconciler = new SliceReconciler(sequencer, journal, settings.reconcilePageSize());
              integrator.integrateUpTo(sequencer.size());
              Offset offset = tables.progress(slice).tagOffset().<Offset>map(TimeBasedUUID::new).orElse(NoOffset.getInstance());
              Source<Work, NotUsed> tagged =
                  settings.followTags()
                      ? journal
                          .readJournal()
                          .eventsByTag(LogSliceTag.forSlice(slice), offset)
                          .groupedWithin(settings.batchSize(), settings.batchWindow())
                          .map(SliceWriter::observed)
                      : Source.empty();
              Source<Work, NotUsed> reconcile =
                  Source.tick(Duration.ZERO, settings.reconcileInterval(), NotUsed.getInstance())
                      .<Work>map(tick -> new Reconcile(System.nanoTime()))
                      .mapMaterializedValue(cancellable -> NotUsed.getInstance());
              Source<Work, NotUsed> checkpoints =
                  publisher.isPresent()
                      ? Source.tick(settings.checkpointInterval(), settings.checkpointInterval(), NotUsed.getInstance())
                          .<Work>map(tick -> new Publish(System.nanoTime()))
                          .mapMaterializedValue(cancellable -> NotUsed.getInstance())
                      : Source.empty();
              return tagged
                  .merge(reconcile)
                  .merge(checkpoints)
                  .mapAsync(
                      1,
                      work ->
                          CompletableFuture.supplyAsync(
                              () -> process(work, slice, tables, sequencer, reconciler, integrator, publisher), blocking));
            },
            blocking);
    return Source.completionStageSource(recovered).mapMaterializedValue(done -> NotUsed.getInstance());
  }

  private static long process(
      Work work,
      int slice,
      LogTables tables,
      SliceSequencer sequencer,
      SliceReconciler reconciler,
      SliceIntegrator integrator,
      Optional<CheckpointPublisher> publisher) {
    long started = System.nanoTime();
    if (work instanceof Publish) {
      try {
        publisher.orElseThrow().publish(slice, integrator.tree());
      } catch (CheckpointRefusedException e) {
        // Sequencing goes on; signing waits for an operator (and says so every interval).
        log.error("Slice {}: no checkpoint published: {}", slice, e.getMessage());
      }
      logStep(slice, work, started, started, started, integrator.tree().size());
      return integrator.tree().size();
    }
    if (work instanceof Observed observed) {
      sequencer.sequence(observed.leaves());
    } else {
      reconciler.pass();
    }
    long sequenced = System.nanoTime();
    long size = integrator.integrateUpTo(sequencer.size());
    long integrated = System.nanoTime();
    if (work instanceof Observed observed && observed.lastOffset() != null) {
      // Only after the batch is sequenced: a restart re-reads from here, and re-reading is harmless.
      tables.recordTagOffset(slice, observed.lastOffset());
    }
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

  private static Work observed(List<EventEnvelope> envelopes) {
    List<EntityJournal.ChainedLeaf> leaves = new ArrayList<>(envelopes.size());
    UUID lastOffset = null;
    for (EventEnvelope envelope : envelopes) {
      if (envelope.offset() instanceof TimeBasedUUID uuid) {
        lastOffset = uuid.value();
      }
      // An unreadable row is left to the reconciler, which stops the entity there and says so.
      if (envelope.event() instanceof ChainedEvent event) {
        leaves.add(EntityJournal.ChainedLeaf.of(event, envelope.sequenceNr()));
      }
    }
    return new Observed(leaves, lastOffset, System.nanoTime());
  }
}
