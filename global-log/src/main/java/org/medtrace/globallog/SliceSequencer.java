package org.medtrace.globallog;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import org.medtrace.merkle.LogLeaf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 1 of the log: sequencing. Gives each committed event of the slice's entities its leaf index,
 * durably, exactly once and in each entity's order.
 *
 * <p>Guarantees (with one sequencer per slice, see {@link SliceWriter}):
 *
 * <ul>
 *   <li>A returned or recorded leaf index MUST mean durably sequenced: the leaf row is stored (at
 *       LOCAL_QUORUM) before the index is used anywhere.
 *   <li>An event MUST NOT get two leaves: before appending, the sequencer compares the event with
 *       how far the log holds its entity, and skips what the log has.
 *   <li>The events of one entity MUST be appended in sequence order without gaps: an event whose
 *       predecessors the log lacks brings them in from the journal first; if the journal cannot
 *       supply them yet, the event waits (the reconciler brings it later).
 *   <li>Leaves are never removed, rewritten or reordered: each index is claimed with a conditional
 *       write, so a second writer of the slice fails ({@link ConcurrentWriterException}) instead of
 *       overwriting.
 * </ul>
 *
 * <p>Not thread-safe: one caller at a time (the slice writer's stream).
 */
public final class SliceSequencer {

  private static final Logger log = LoggerFactory.getLogger(SliceSequencer.class);

  /** Entity heads remembered, so that a busy entity costs no lookup per event. */
  static final int CACHED_ENTITY_HEADS = 100_000;

  /**
   * Entities sequenced since the reconciler last asked ({@link #takeRecentlySequenced}) that are
   * remembered for it; beyond this the oldest are dropped (the reconciler's cursor still finds
   * what they miss, only later).
   */
  static final int RECENT_ENTITIES = 10_000;

  /** Leaves read per query while a recovering sequencer rolls forward. */
  private static final int ROLL_FORWARD_PAGE = 1000;

  private final int slice;
  private final LogTables tables;
  private final EntityJournal journal;
  private final Clock clock;
  private long size;
  private final Map<EntityJournal.Entity, Long> heads =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<EntityJournal.Entity, Long> eldest) {
          return size() > CACHED_ENTITY_HEADS;
        }
      };

  private final Set<EntityJournal.Entity> recentlySequenced = new LinkedHashSet<>();

  private SliceSequencer(int slice, LogTables tables, EntityJournal journal, Clock clock, long size) {
    this.slice = slice;
    this.tables = tables;
    this.journal = journal;
    this.clock = clock;
    this.size = size;
  }

  /**
   * The sequencer of {@code slice}, recovered: from the recorded sequenced size it rolls forward
   * over leaf rows stored beyond it (a writer that stopped after claiming leaves but before
   * recording the size), rewriting their position rows, and records the size it found.
   */
  public static SliceSequencer recover(int slice, LogTables tables, EntityJournal journal, Clock clock) {
    long recorded = tables.progress(slice).sequencedSize();
    long size = recorded;
    while (true) {
      List<LogTables.StoredLeaf> found = tables.leavesFrom(slice, size, ROLL_FORWARD_PAGE);
      if (found.isEmpty()) {
        break;
      }
      tables.recordPositions(slice, size, found.stream().map(LogTables.StoredLeaf::leaf).toList());
      size += found.size();
    }
    if (size != recorded) {
      log.info("Slice {}: rolled forward over leaves {}..{} stored after the recorded size", slice, recorded, size - 1);
      tables.recordSequencedSize(slice, size);
    }
    return new SliceSequencer(slice, tables, journal, clock, size);
  }

  public int slice() {
    return slice;
  }

  /** The number of leaves sequenced. */
  public long size() {
    return size;
  }

  /**
   * Appends the events the log does not hold yet, see the class comment. {@code observed} may hold
   * events the log has (they are skipped), and events of several entities in any interleaving.
   *
   * @return the number of leaves appended
   */
  public int sequence(List<LogLeaf> observed) {
    Map<EntityJournal.Entity, List<LogLeaf>> byEntity = new LinkedHashMap<>();
    for (LogLeaf leaf : observed) {
      if (leaf.slice() != slice) {
        throw new IllegalArgumentException(leaf + " belongs to slice " + leaf.slice() + ", not " + slice);
      }
      byEntity.computeIfAbsent(new EntityJournal.Entity(leaf.entityType(), leaf.entityId()), e -> new ArrayList<>()).add(leaf);
    }
    List<LogLeaf> toAppend = new ArrayList<>();
    Map<EntityJournal.Entity, Long> newHeads = new LinkedHashMap<>();
    byEntity.forEach(
        (entity, leaves) -> {
          long head = head(entity);
          leaves.sort(Comparator.comparingLong(LogLeaf::sequenceNumber));
          for (LogLeaf leaf : leaves) {
            if (leaf.sequenceNumber() <= head) {
              continue;
            }
            if (leaf.sequenceNumber() > head + 1) {
              List<LogLeaf> missing = journal.events(entity.entityType(), entity.entityId(), head + 1, leaf.sequenceNumber() - 1);
              toAppend.addAll(missing);
              head += missing.size();
              if (leaf.sequenceNumber() > head + 1) {
                // The journal does not show the predecessors yet; the reconciler comes back for it.
                break;
              }
            }
            toAppend.add(leaf);
            head = leaf.sequenceNumber();
          }
          newHeads.put(entity, head);
        });
    append(toAppend);
    heads.putAll(newHeads);
    newHeads.keySet().forEach(this::rememberRecent);
    return toAppend.size();
  }

  /**
   * Compares the journal with the log for {@code entities} (those of other slices are ignored) and
   * appends every event the log lacks. This is what makes the log complete: the tag stream is only
   * the fast path.
   *
   * @return the number of leaves appended
   */
  public int reconcile(List<EntityJournal.Entity> entities) {
    int appended = 0;
    for (EntityJournal.Entity entity : entities) {
      if (LogLeaf.sliceOf(entity.entityType(), entity.entityId()) != slice) {
        continue;
      }
      long head = head(entity);
      List<LogLeaf> missing = journal.events(entity.entityType(), entity.entityId(), head + 1, Long.MAX_VALUE);
      if (!missing.isEmpty()) {
        log.info(
            "Slice {}: reconciler found {} {} #{}..#{} missing from the log",
            slice, entity.entityType(), entity.entityId(), head + 1, head + missing.size());
        append(missing);
        heads.put(entity, head + missing.size());
        appended += missing.size();
      }
    }
    return appended;
  }

  /**
   * The entities whose events the tag stream brought since the last call (at most {@link
   * #RECENT_ENTITIES}, the most recent), and forgets them: an entity the tag stream just showed is
   * where a late event is most likely missing (a tag write delayed past the stream's offset).
   */
  public List<EntityJournal.Entity> takeRecentlySequenced() {
    List<EntityJournal.Entity> recent = new ArrayList<>(recentlySequenced);
    recentlySequenced.clear();
    return recent;
  }

  private void rememberRecent(EntityJournal.Entity entity) {
    recentlySequenced.remove(entity);
    recentlySequenced.add(entity);
    if (recentlySequenced.size() > RECENT_ENTITIES) {
      Iterator<EntityJournal.Entity> oldest = recentlySequenced.iterator();
      oldest.next();
      oldest.remove();
    }
  }

  private long head(EntityJournal.Entity entity) {
    Long cached = heads.get(entity);
    return cached != null ? cached : tables.entityHead(entity.entityType(), entity.entityId());
  }

  private void append(List<LogLeaf> leaves) {
    if (leaves.isEmpty()) {
      return;
    }
    long first = size;
    try {
      tables.claimLeaves(slice, first, leaves, clock.instant());
    } catch (RuntimeException e) {
      // What this writer believed about the slice may be stale (or partly written): forget it.
      heads.clear();
      throw e;
    }
    size = first + leaves.size();
    tables.recordPositions(slice, first, leaves);
    tables.recordSequencedSize(slice, size);
  }
}
