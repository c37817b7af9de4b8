package org.medtrace.globallog;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.medtrace.globallog.EntityJournal.ChainedLeaf;
import org.medtrace.merkle.LogLeaf;
import org.medtrace.persistence.chain.HashChain;
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
 *   <li>Every committed event MUST have exactly one current position, whose leaf carries its hash.
 *       The committed event of a sequence number is the one the entity's chain continues from: a
 *       journal write that failed at QUORUM may remain on one replica, and a read in the short
 *       time before the entity rewrites that sequence number may return it. The log then holds a
 *       leaf of a write that was never committed (an <em>orphan</em>). It shows when the next
 *       event's prev_hash is not that leaf's hash; then the committed event, read again from the
 *       journal and checked to be the one the next event links to, is appended as a new leaf, the
 *       position moves to it, and the orphan leaf, which stays in the tree, is recorded as
 *       superseded ({@code log_superseded_leaves}, a warning), see {@link #extend}. An orphan whose
 *       entity writes no further event is not detected.
 * </ul>
 *
 * <p>Not thread-safe: one caller at a time (the slice writer's stream).
 */
public final class SliceSequencer {

  private static final Logger log = LoggerFactory.getLogger(SliceSequencer.class);

  /** Entity heads remembered, so that a busy entity costs no lookup per event. */
  static final int CACHED_ENTITY_HEADS = 100_000;

  /**
   * Entities remembered for the reconciler ({@link #takeToCompare}) per generation; beyond this the
   * oldest are dropped (the reconciler's cursor still finds what they miss, only later).
   */
  static final int RECENT_ENTITIES = 10_000;

  /** Entities whose journals a reconcile pass reads at once. */
  static final int RECONCILE_READS_IN_FLIGHT = 16;

  /**
   * At most this many sequenced leaves wait for their positions to be written ({@link
   * #indexPositions}, before each checkpoint); a step that takes more writes them itself.
   */
  static final int UNINDEXED_LEAVES = 16_384;

  /** Leaves read per query while a recovering sequencer rolls forward. */
  private static final int ROLL_FORWARD_PAGE = 1000;

  private final int slice;
  private final LogTables tables;
  private final EntityJournal journal;
  private final Clock clock;
  private long size;
  private final Map<EntityJournal.Entity, Head> heads =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<EntityJournal.Entity, Head> eldest) {
          return size() > CACHED_ENTITY_HEADS;
        }
      };

  /**
   * The positions not written yet ({@link #indexPositions}): of each entity, sequence number → leaf
   * index. The recorded sequenced size stays below them, so a recovering sequencer rolls forward
   * over their leaves and writes them.
   */
  private final Map<EntityJournal.Entity, TreeMap<Long, Long>> unindexed = new LinkedHashMap<>();
  private int unindexedLeaves;

  /** The leaves appended since {@link #takeAppended} was last called, in index order up to {@link #size}. */
  private final List<LogLeaf> appended = new ArrayList<>();

  /** Entities sequenced since the reconciler last asked, and in the generation before. */
  private Set<EntityJournal.Entity> sequencedNow = new LinkedHashSet<>();
  private Set<EntityJournal.Entity> sequencedBefore = new LinkedHashSet<>();
  /** Entities whose events were not all appended (a link that did not hold yet). */
  private final Set<EntityJournal.Entity> compareAgain = new LinkedHashSet<>();

  private SliceSequencer(int slice, LogTables tables, EntityJournal journal, Clock clock, long size) {
    this.slice = slice;
    this.tables = tables;
    this.journal = journal;
    this.clock = clock;
    this.size = size;
  }

  /**
   * The sequencer of {@code slice}, recovered: from the recorded sequenced size it rolls forward
   * over leaf rows stored beyond it (the leaves a writer sequenced after it last wrote positions,
   * {@link #indexPositions}), writing their position rows (and the record of any orphan leaf such
   * a leaf replaces, see {@link #recordSupersededBy}), and records the size it found.
   */
  public static SliceSequencer recover(int slice, LogTables tables, EntityJournal journal, Clock clock) {
    SliceSequencer sequencer = new SliceSequencer(slice, tables, journal, clock, tables.progress(slice).sequencedSize());
    sequencer.rollForward();
    return sequencer;
  }

  private void rollForward() {
    long recorded = size;
    long indexed = size;
    while (true) {
      List<LogTables.StoredLeaf> found = tables.leavesFrom(slice, size, ROLL_FORWARD_PAGE);
      if (found.isEmpty()) {
        break;
      }
      for (LogTables.StoredLeaf leaf : found) {
        recordSupersededBy(leaf, indexed);
        unindexed(leaf.leaf(), leaf.leafIndex());
      }
      size += found.size();
      if (unindexedLeaves >= UNINDEXED_LEAVES) {
        indexPositions();
        indexed = size;
      }
    }
    if (size != recorded) {
      log.info("Slice {}: rolled forward over leaves {}..{} stored after the recorded size", slice, recorded, size - 1);
      indexPositions();
    }
  }

  /**
   * While rolling forward: if {@code leaf}'s event already has a position at another leaf with
   * another hash, {@code leaf} is the replacement of that orphan leaf, whose record the crashed
   * writer may not have written. A position row at or beyond the {@code indexed} size is ignored:
   * it was written for a leaf of this roll-forward, which comes to it in leaf order (a replacement
   * always after its orphan).
   */
  private void recordSupersededBy(LogTables.StoredLeaf leaf, long indexed) {
    LogLeaf event = leaf.leaf();
    EntityJournal.Entity entity = new EntityJournal.Entity(event.entityType(), event.entityId());
    unindexedPosition(entity, event.sequenceNumber())
        .or(() -> tables.position(event.entityType(), event.entityId(), event.sequenceNumber()).filter(row -> row.leafIndex() < indexed))
        .filter(current -> current.leafIndex() != leaf.leafIndex())
        .ifPresent(
            current -> {
              LogLeaf orphan = tables.leafAt(current);
              if (!Arrays.equals(orphan.eventHash(), event.eventHash())) {
                recordSuperseded(new Orphan(current, orphan), leaf.leafIndex(), clock.instant());
              }
            });
  }

  public int slice() {
    return slice;
  }

  /** The number of leaves sequenced. */
  public long size() {
    return size;
  }

  /**
   * Writes the positions of the leaves sequenced since it last did, then records the sequenced
   * size. Called before each checkpoint is signed, so that every leaf of a checkpoint can be found
   * by its event (an inclusion proof needs a checkpoint anyway), and when more than {@link
   * #UNINDEXED_LEAVES} wait. Written a checkpoint interval at a time, a busy entity's positions
   * cost one partition write per interval instead of one per step.
   */
  public void indexPositions() {
    if (unindexed.isEmpty()) {
      return;
    }
    tables.recordPositions(slice, unindexed);
    tables.recordSequencedSize(slice, size);
    unindexed.clear();
    unindexedLeaves = 0;
  }

  /**
   * The leaves appended since the last call, the last of them at index {@link #size} - 1: what
   * the integrator adds to the tree next, without reading back the rows just written.
   */
  public List<LogLeaf> takeAppended() {
    List<LogLeaf> taken = List.copyOf(appended);
    appended.clear();
    return taken;
  }

  private void unindexed(LogLeaf leaf, long leafIndex) {
    unindexed
        .computeIfAbsent(new EntityJournal.Entity(leaf.entityType(), leaf.entityId()), entity -> new TreeMap<>())
        .put(leaf.sequenceNumber(), leafIndex);
    unindexedLeaves++;
  }

  /** Where the leaf of the entity's event is: among the positions not written yet, or in the table. */
  private Optional<LogTables.Position> position(EntityJournal.Entity entity, long sequenceNumber) {
    return unindexedPosition(entity, sequenceNumber).or(() -> tables.position(entity.entityType(), entity.entityId(), sequenceNumber));
  }

  private Optional<LogTables.Position> unindexedPosition(EntityJournal.Entity entity, long sequenceNumber) {
    return Optional.ofNullable(unindexed.get(entity))
        .map(leafIndexes -> leafIndexes.get(sequenceNumber))
        .map(leafIndex -> new LogTables.Position(slice, leafIndex));
  }

  /**
   * Appends the events the log does not hold yet, see the class comment. {@code observed} may hold
   * events the log has (they are skipped), and events of several entities in any interleaving.
   *
   * @return the number of leaves appended (replacements of orphan leaves included)
   */
  public int sequence(List<ChainedLeaf> observed) {
    Map<EntityJournal.Entity, List<ChainedLeaf>> byEntity = new LinkedHashMap<>();
    for (ChainedLeaf chained : observed) {
      LogLeaf leaf = chained.leaf();
      if (leaf.slice() != slice) {
        throw new IllegalArgumentException(leaf + " belongs to slice " + leaf.slice() + ", not " + slice);
      }
      byEntity.computeIfAbsent(new EntityJournal.Entity(leaf.entityType(), leaf.entityId()), e -> new ArrayList<>()).add(chained);
    }
    List<Append> toAppend = new ArrayList<>();
    byEntity.forEach(
        (entity, leaves) -> {
          Head head = head(entity);
          leaves.sort(Comparator.comparingLong(ChainedLeaf::sequenceNumber));
          for (ChainedLeaf leaf : leaves) {
            if (leaf.sequenceNumber() <= head.sequenceNumber()) {
              continue;
            }
            List<ChainedLeaf> next = new ArrayList<>();
            if (leaf.sequenceNumber() > head.sequenceNumber() + 1) {
              next.addAll(journal.chainedEvents(entity.entityType(), entity.entityId(), head.sequenceNumber() + 1, leaf.sequenceNumber() - 1));
            }
            boolean predecessorsFound = next.size() == leaf.sequenceNumber() - 1 - head.sequenceNumber();
            if (predecessorsFound) {
              next.add(leaf);
            }
            Head reached = extend(entity, head, next, toAppend);
            if (!predecessorsFound || reached.sequenceNumber() != leaf.sequenceNumber()) {
              // The journal does not show the predecessors yet, or a link did not hold: the
              // reconciler comes back for the entity.
              remember(compareAgain, entity);
              break;
            }
            head = reached;
          }
        });
    append(toAppend);
    byEntity.keySet().forEach(entity -> remember(sequencedNow, entity));
    return toAppend.size();
  }

  /**
   * Compares the journal with the log for {@code entities} (those of other slices are ignored) and
   * appends every event the log lacks. This is what makes the log complete: the entities' hand-overs
   * are only the fast path.
   *
   * @return the number of leaves appended (replacements of orphan leaves included)
   */
  public int reconcile(List<EntityJournal.Entity> entities) {
    // One append for the whole pass, as for a batch of hand-overs: its leaves are claimed 32 to a conditional
    // batch, where an append per entity cost a conditional write (and a size update) per entity.
    List<Append> toAppend = new ArrayList<>();
    List<EntityJournal.Entity> ofSlice =
        entities.stream().filter(entity -> LogLeaf.sliceOf(entity.entityType(), entity.entityId()) == slice).toList();
    for (int from = 0; from < ofSlice.size(); from += RECONCILE_READS_IN_FLIGHT) {
      reconcile(ofSlice.subList(from, Math.min(ofSlice.size(), from + RECONCILE_READS_IN_FLIGHT)), toAppend);
    }
    append(toAppend);
    return toAppend.size();
  }

  /**
   * Compares a few entities: their journal reads in flight together (one at a time, a pass of a few
   * hundred entities took seconds under load, and held up the slice's checkpoint behind it).
   */
  private void reconcile(List<EntityJournal.Entity> entities, List<Append> toAppend) {
    List<Head> heads = entities.stream().map(this::head).toList();
    // Most entities compared lack nothing: one probe for the event after the log's head each, and
    // the plugin's read (a dozen queries) only for those whose journal has it.
    List<CompletableFuture<List<ChainedLeaf>>> reads = new ArrayList<>();
    for (int i = 0; i < entities.size(); i++) {
      EntityJournal.Entity entity = entities.get(i);
      long from = heads.get(i).sequenceNumber() + 1;
      reads.add(
          journal
              .holdsAsync(entity.entityType(), entity.entityId(), from)
              .thenCompose(
                  held ->
                      held
                          ? journal.chainedEventsAsync(entity.entityType(), entity.entityId(), from, Long.MAX_VALUE)
                          : CompletableFuture.completedFuture(List.of())));
    }
    for (int i = 0; i < entities.size(); i++) {
      EntityJournal.Entity entity = entities.get(i);
      Head head = heads.get(i);
      List<ChainedLeaf> missing = journal.await(reads.get(i));
      if (!missing.isEmpty()) {
        log.info(
            "Slice {}: reconciler found {} {} #{}..#{} missing from the log",
            slice, entity.entityType(), entity.entityId(), head.sequenceNumber() + 1, head.sequenceNumber() + missing.size());
        if (extend(entity, head, missing, toAppend).sequenceNumber() < head.sequenceNumber() + missing.size()) {
          // Refused (said at ERROR): the next pass compares the entity again.
          remember(compareAgain, entity);
        }
      }
    }
  }

  /**
   * Adds to {@code toAppend} the events {@code next} (consecutive, from {@code head + 1}) as long
   * as each is built on the leaf before it, and returns the head reached.
   *
   * <p>Each event's prev_hash MUST be the hash of the leaf the log holds (or is about to append) for
   * its predecessor. When the predecessor is in the log with another hash, that leaf is an orphan:
   * the log took it from a journal write that failed at QUORUM and was never committed (read from
   * the one replica that kept it before the entity rewrote that sequence number), since the entity
   * built on another event. Then the committed events are read again from the journal, back from
   * the predecessor as far as the log's leaves differ, each checked to be the very event the next
   * one links to, and appended before the event as replacements ({@link Append#supersedes}); if
   * the journal shows another event (it has not settled yet), nothing more of the entity is
   * appended now and the reconciler tries again. Read from one journal query, a predecessor about
   * to be appended that does not link is dropped the same way.
   */
  private Head extend(EntityJournal.Entity entity, Head head, List<ChainedLeaf> next, List<Append> toAppend) {
    for (ChainedLeaf event : next) {
      if (head.sequenceNumber() > 0) {
        boolean pending = head.position() == null;
        LogLeaf predecessor = pending ? head.leaf() : head.leaf() != null ? head.leaf() : tables.leafAt(head.position());
        if (!event.follows(predecessor)) {
          if (pending) {
            log.warn(
                "Slice {}: {} #{} does not follow the #{} read with it; the reconciler comes back for it",
                slice, entity, event.sequenceNumber(), head.sequenceNumber());
            toAppend.remove(toAppend.size() - 1);
            return new Head(head.sequenceNumber() - 1, null, null);
          }
          Optional<List<Append>> replacements = replaceOrphans(entity, head.sequenceNumber(), head.position(), predecessor, event);
          if (replacements.isEmpty()) {
            return head;
          }
          toAppend.addAll(replacements.get());
        }
      }
      toAppend.add(new Append(event.leaf(), Optional.empty()));
      head = new Head(event.sequenceNumber(), null, event.leaf());
    }
    return head;
  }

  /**
   * The committed events that replace the orphan leaf {@code logged} of #{@code sequenceNumber} (at
   * {@code position}), and of its predecessors as far as they are orphans too, in sequence order;
   * empty if the journal (read at the read journal's consistency, QUORUM in a cluster) does not show
   * the events {@code successor} is built on.
   */
  private Optional<List<Append>> replaceOrphans(
      EntityJournal.Entity entity, long sequenceNumber, LogTables.Position position, LogLeaf logged, ChainedLeaf successor) {
    List<Append> replacements = new ArrayList<>();
    ChainedLeaf linked = successor;
    long number = sequenceNumber;
    LogTables.Position orphanPosition = position;
    LogLeaf orphan = logged;
    while (true) {
      List<ChainedLeaf> read = journal.chainedEvents(entity.entityType(), entity.entityId(), number, number);
      if (read.isEmpty() || !linked.follows(read.get(0).leaf())) {
        log.error(
            "Slice {}: {} #{} is built on a #{} of hash {}, but the log's leaf {} has {} and the journal shows {};"
                + " nothing more of the entity is appended until the journal shows the event it is built on",
            slice, entity, linked.sequenceNumber(), number, HashChain.hex(linked.previousHash()), orphanPosition.leafIndex(),
            HashChain.hex(orphan.eventHash()), read.isEmpty() ? "no event" : HashChain.hex(read.get(0).leaf().eventHash()));
        return Optional.empty();
      }
      ChainedLeaf committed = read.get(0);
      replacements.add(0, new Append(committed.leaf(), Optional.of(new Orphan(orphanPosition, orphan))));
      if (number == 1) {
        return Optional.of(replacements);
      }
      long previousNumber = number - 1;
      LogTables.Position previousPosition =
          position(entity, previousNumber)
              .orElseThrow(() -> new IllegalStateException(entity + " #" + previousNumber + " has no position, but a later event has"));
      LogLeaf previous = tables.leafAt(previousPosition);
      if (committed.follows(previous)) {
        return Optional.of(replacements);
      }
      linked = committed;
      number--;
      orphanPosition = previousPosition;
      orphan = previous;
    }
  }

  /**
   * What the reconciler's regular pass compares besides its page of the cursor, and forgets here:
   * the entities whose events were not all appended (a link that did not hold yet), and the
   * entities sequenced in the generation before this one but not since, the ones that just went
   * quiet. An entity whose last hand-over was lost without notice (a message dropped between two
   * nodes) is among those one or two passes after its last event. An entity still active is not
   * compared: its hand-overs arrive, and any gap is filled from the journal at its next one.
   */
  public List<EntityJournal.Entity> takeToCompare() {
    List<EntityJournal.Entity> toCompare = new ArrayList<>(compareAgain);
    compareAgain.clear();
    for (EntityJournal.Entity entity : sequencedBefore) {
      if (!sequencedNow.contains(entity)) {
        toCompare.add(entity);
      }
    }
    sequencedBefore = sequencedNow;
    sequencedNow = new LinkedHashSet<>();
    return toCompare;
  }

  /** Whether the entity was sequenced since the reconciler last asked ({@link #takeToCompare}). */
  public boolean sequencedSinceLastPass(EntityJournal.Entity entity) {
    return sequencedNow.contains(entity);
  }

  /** Adds {@code entity} as the newest of {@code entities}, dropping the oldest beyond {@link #RECENT_ENTITIES}. */
  private static void remember(Set<EntityJournal.Entity> entities, EntityJournal.Entity entity) {
    entities.remove(entity);
    entities.add(entity);
    if (entities.size() > RECENT_ENTITIES) {
      Iterator<EntityJournal.Entity> oldest = entities.iterator();
      oldest.next();
      oldest.remove();
    }
  }

  private Head head(EntityJournal.Entity entity) {
    Head cached = heads.get(entity);
    if (cached != null) {
      return cached;
    }
    TreeMap<Long, Long> pending = unindexed.get(entity);
    if (pending != null) {
      Map.Entry<Long, Long> last = pending.lastEntry();
      return new Head(last.getKey(), new LogTables.Position(slice, last.getValue()), null);
    }
    // The leaf itself is read only if a successor's link must be checked against it.
    return tables
        .lastPosition(entity.entityType(), entity.entityId())
        .map(last -> new Head(last.sequenceNumber(), last.position(), null))
        .orElse(Head.NONE);
  }

  /**
   * Claims the leaves, then records the orphan leaves they supersede; their positions (which move
   * an orphan's event to its replacement) and the size wait for {@link #indexPositions}. A crash
   * after the claim leaves leaf rows beyond the recorded size, from which {@link #recover} does the
   * rest.
   */
  private void append(List<Append> appends) {
    if (appends.isEmpty()) {
      return;
    }
    List<LogLeaf> leaves = appends.stream().map(Append::leaf).toList();
    long first = size;
    Instant now = clock.instant();
    try {
      tables.claimLeaves(slice, first, leaves, now);
    } catch (RuntimeException e) {
      // What this writer believed about the slice may be stale (or partly written): forget it.
      heads.clear();
      throw e;
    }
    size = first + leaves.size();
    for (int i = 0; i < appends.size(); i++) {
      long index = first + i;
      appends.get(i).supersedes().ifPresent(orphan -> recordSuperseded(orphan, index, now));
    }
    appended.addAll(leaves);
    for (int i = 0; i < leaves.size(); i++) {
      LogLeaf leaf = leaves.get(i);
      unindexed(leaf, first + i);
      heads.put(new EntityJournal.Entity(leaf.entityType(), leaf.entityId()), new Head(leaf.sequenceNumber(), new LogTables.Position(slice, first + i), leaf));
    }
    if (unindexedLeaves >= UNINDEXED_LEAVES) {
      indexPositions();
    }
  }

  private void recordSuperseded(Orphan orphan, long replacedBy, Instant now) {
    tables.recordSuperseded(new LogTables.SupersededLeaf(slice, orphan.position().leafIndex(), orphan.leaf(), replacedBy, now));
    log.warn(
        "Slice {}: leaf {} ({} {} #{}, hash {}) is superseded by leaf {}: it was a journal write that was never committed;"
            + " the committed event is at leaf {} (log_superseded_leaves)",
        slice, orphan.position().leafIndex(), orphan.leaf().entityType(), orphan.leaf().entityId(), orphan.leaf().sequenceNumber(),
        HashChain.hex(orphan.leaf().eventHash()), replacedBy, replacedBy);
  }

  /**
   * How far the log holds an entity: the head's sequence number (0: nothing), its position ({@code
   * null} while it is about to be appended) and its leaf ({@code null} until read).
   */
  private record Head(long sequenceNumber, LogTables.Position position, LogLeaf leaf) {
    static final Head NONE = new Head(0, null, null);
  }

  /** A leaf the log holds that no longer stands for its event. */
  private record Orphan(LogTables.Position position, LogLeaf leaf) {}

  /** A leaf to append and, for a committed event that replaces an orphan leaf, that leaf. */
  private record Append(LogLeaf leaf, Optional<Orphan> supersedes) {}
}
