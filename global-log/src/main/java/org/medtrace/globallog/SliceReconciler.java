package org.medtrace.globallog;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.medtrace.merkle.LogLeaf;

/**
 * The reconciler of one slice: what makes the log complete, since the entities' hand-overs are
 * only the fast path. It compares the journal with the log for a bounded set of entities per pass,
 * whatever the number of entities:
 *
 * <ul>
 *   <li>every {@code interval}, and back to back (one pass per {@link #pollInterval}) during a
 *       <em>cycle</em>: the slice's entities among the next {@code pageSize} persistence ids of the
 *       journal (a cursor in token order that starts again at the first id after the last; those
 *       sequenced since the previous pass are active, and left until they go quiet), and the
 *       entities that just went quiet and those whose events were not all appended ({@link
 *       SliceSequencer#takeToCompare});
 *   <li>within a poll interval: the entities whose hand-over found no room in the writer's queue
 *       ({@link SliceIntake}).
 * </ul>
 *
 * <p>A cycle runs the cursor from the first persistence id to the last without waiting for the
 * interval; the writer asks for one whenever hand-overs may have been lost: at every start of its
 * stream and when a cluster member is removed. So an event whose hand-over was lost is in the log
 * at most one cycle (ceil(N / pageSize) poll intervals, N: the journal's persistence ids of all
 * slices) after the loss was noticed, or, when nothing noticed it (a message dropped by the
 * network between two nodes that stay members), when its entity writes its next event (its
 * sequencer fills the gap from the journal), or at most two intervals after its entity's last
 * event (when it went quiet).
 *
 * <p>Each entity compared costs one probe of the journal ({@link EntityJournal#holdsAsync}) for the
 * event after the log's head, and the plugin's read only when there is one.
 *
 * <p>Not thread-safe except {@link #claimPass}: passes run one at a time, in the writer's stream.
 */
final class SliceReconciler {

  private static final Duration LONGEST_POLL = Duration.ofSeconds(1);

  private final int slice;
  private final SliceSequencer sequencer;
  private final EntityJournal journal;
  private final int pageSize;
  private final long intervalMillis;
  private final SliceIntake intake;
  private final AtomicBoolean passQueued = new AtomicBoolean();
  private long cursor = EntityJournal.FIRST_TOKEN;
  private volatile boolean cycling;
  private volatile long lastPagedPassMillis = Long.MIN_VALUE / 2;

  SliceReconciler(SliceSequencer sequencer, EntityJournal journal, int pageSize, Duration interval, SliceIntake intake) {
    this.slice = sequencer.slice();
    this.sequencer = sequencer;
    this.journal = journal;
    this.pageSize = pageSize;
    this.intervalMillis = interval.toMillis();
    this.intake = intake;
  }

  /** How often the writer asks {@link #claimPass} whether a pass is due. */
  static Duration pollInterval(Duration interval) {
    return interval.compareTo(LONGEST_POLL) < 0 ? interval : LONGEST_POLL;
  }

  /**
   * Whether a pass is due at {@code nowMillis} and none is queued yet; if so, the caller MUST run
   * {@link #pass} (at most one pass waits in the writer's queue). Any thread.
   */
  boolean claimPass(long nowMillis) {
    boolean due =
        cycling || intake.cycleRequested() || intake.hasMissed() || nowMillis - lastPagedPassMillis >= intervalMillis;
    return due && passQueued.compareAndSet(false, true);
  }

  /** One pass, see the class comment; returns the number of leaves appended. */
  int pass(long nowMillis) {
    passQueued.set(false);
    if (intake.takeCycleRequest()) {
      cursor = EntityJournal.FIRST_TOKEN;
      cycling = true;
    }
    Set<EntityJournal.Entity> compared = new LinkedHashSet<>(intake.takeMissed());
    if (cycling || nowMillis - lastPagedPassMillis >= intervalMillis) {
      lastPagedPassMillis = nowMillis;
      EntityJournal.EntityPage page = journal.entityPage(cursor, pageSize);
      for (EntityJournal.Entity entity : page.entities()) {
        // An entity sequenced since the last pass is active: the log is behind its journal by the
        // hand-overs on their way, and any gap is filled at its next one; it is compared once it
        // goes quiet (takeToCompare).
        if (LogLeaf.sliceOf(entity.entityType(), entity.entityId()) == slice && !sequencer.sequencedSinceLastPass(entity)) {
          compared.add(entity);
        }
      }
      compared.addAll(sequencer.takeToCompare());
      cursor = page.continueAfter().orElse(EntityJournal.FIRST_TOKEN);
      if (page.continueAfter().isEmpty()) {
        cycling = false;
      }
    }
    return sequencer.reconcile(compared.stream().toList());
  }
}
