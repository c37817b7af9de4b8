package org.medtrace.globallog;

import java.util.LinkedHashSet;
import java.util.Set;
import org.medtrace.merkle.LogLeaf;

/**
 * The reconciler of one slice: what makes the log complete, since the tag stream is only the fast
 * path. Each pass is bounded, whatever the number of entities: it compares the journal with the log
 * for
 *
 * <ul>
 *   <li>the entities the tag stream brought since the previous pass (at most {@link
 *       SliceSequencer#RECENT_ENTITIES}): a late tag write is most likely of an entity that was
 *       just active, and it is found at the next pass;
 *   <li>the slice's entities among the next {@code pageSize} persistence ids of the journal, a
 *       cursor in token order that starts again at the first id after the last: every entity is
 *       compared once per cycle of {@code ceil(persistence ids / pageSize)} passes.
 * </ul>
 *
 * <p>So an event the tag stream missed is in the log at most {@code ceil(N / pageSize)} reconcile
 * intervals after it was written (N: the journal's persistence ids, all slices; plus the pass
 * itself), and one interval after it when the tag stream showed its entity in the interval before.
 * The cursor lives in memory: a restarted writer starts its cycle again, which only delays.
 *
 * <p>Not thread-safe: one caller at a time (the slice writer's stream).
 */
final class SliceReconciler {

  private final int slice;
  private final SliceSequencer sequencer;
  private final EntityJournal journal;
  private final int pageSize;
  private long cursor = EntityJournal.FIRST_TOKEN;

  SliceReconciler(SliceSequencer sequencer, EntityJournal journal, int pageSize) {
    this.slice = sequencer.slice();
    this.sequencer = sequencer;
    this.journal = journal;
    this.pageSize = pageSize;
  }

  /** One pass, see the class comment; returns the number of leaves appended. */
  int pass() {
    Set<EntityJournal.Entity> compared = new LinkedHashSet<>(sequencer.takeRecentlySequenced());
    EntityJournal.EntityPage page = journal.entityPage(cursor, pageSize);
    for (EntityJournal.Entity entity : page.entities()) {
      if (LogLeaf.sliceOf(entity.entityType(), entity.entityId()) == slice) {
        compared.add(entity);
      }
    }
    cursor = page.continueAfter().orElse(EntityJournal.FIRST_TOKEN);
    return sequencer.reconcile(compared.stream().toList());
  }
}
