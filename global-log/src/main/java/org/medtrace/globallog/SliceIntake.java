package org.medtrace.globallog;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.medtrace.merkle.LogLeaf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Between a slice writer's actor, which receives the entities' hand-overs, and the current run of
 * its stream, which sequences them: the stream's queue (none while the stream restarts), and what
 * the reconciler must look at because a hand-over did not make it into the queue.
 *
 * <p>Thread-safe: the actor offers, the stream's steps take.
 */
final class SliceIntake {

  private static final Logger log = LoggerFactory.getLogger(SliceIntake.class);

  private final int slice;
  private final int missedLimit;
  private final AtomicReference<BoundedSourceQueue<SliceWriter.Committed>> queue = new AtomicReference<>();
  private final Set<EntityJournal.Entity> missed = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean cycleRequested = new AtomicBoolean();

  /**
   * @param missedLimit how many entities whose hand-over found no room are remembered one by one;
   *     beyond that a whole reconciliation cycle is requested instead
   */
  SliceIntake(int slice, int missedLimit) {
    this.slice = slice;
    this.missedLimit = missedLimit;
  }

  /** The queue of the stream that now runs. */
  void attach(BoundedSourceQueue<SliceWriter.Committed> current) {
    queue.set(current);
  }

  /** The writer stops: nothing is queued any more. */
  void detach() {
    queue.set(null);
  }

  /**
   * Queues a hand-over for sequencing, or, when there is no room (the writer is behind) or no
   * stream, names its entity for the reconciler's next pass, which reads its events from the
   * journal.
   */
  void offer(SliceWriter.Committed committed) {
    if (LogLeaf.sliceOf(committed.entityType(), committed.entityId()) != slice) {
      log.error("Slice {}: ignored a hand-over of {} {}, which belongs to another slice", slice, committed.entityType(), committed.entityId());
      return;
    }
    BoundedSourceQueue<SliceWriter.Committed> current = queue.get();
    QueueOfferResult result = current == null ? QueueOfferResult.closed() : current.offer(committed);
    if (!result.isEnqueued()) {
      miss(committed.entity());
    }
  }

  private void miss(EntityJournal.Entity entity) {
    if (missed.size() < missedLimit) {
      missed.add(entity);
    } else if (!cycleRequested.getAndSet(true)) {
      log.warn("Slice {}: more than {} entities' hand-overs found the writer's queue full; reconciling every entity", slice, missedLimit);
    }
  }

  /** Whether the reconciler has entities to look at now. */
  boolean hasMissed() {
    return !missed.isEmpty();
  }

  /** The entities named since the last call, forgotten here. */
  List<EntityJournal.Entity> takeMissed() {
    List<EntityJournal.Entity> taken = new ArrayList<>(missed);
    missed.removeAll(taken);
    return taken;
  }

  /** Asks for a reconciliation cycle over every entity of the journal, from the first. */
  void requestCycle() {
    cycleRequested.set(true);
  }

  boolean cycleRequested() {
    return cycleRequested.get();
  }

  /** Whether a cycle was requested since the last call. */
  boolean takeCycleRequest() {
    return cycleRequested.getAndSet(false);
  }
}
