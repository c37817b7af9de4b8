package org.medtrace.globallog;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.medtrace.merkle.LogLeaf;

/**
 * The global log's Cassandra tables (persistence/.../schema.cql, "The global verifiable log"), as
 * synchronous calls: the slice writer runs them on the blocking dispatcher, one slice at a time.
 *
 * <p>Every read and write is at LOCAL_QUORUM (LOCAL_SERIAL for the conditional leaf writes), as the
 * journal's: a leaf the log announced is on a majority of replicas.
 */
public final class LogTables {

  /** Leaf and node rows are partitioned by index / this, so that no partition grows without bound. */
  public static final long BUCKET_SIZE = 65_536;

  /**
   * At most this many leaves go into one conditional batch: one Paxos round, whose proposal and
   * commit carry the batch (a leaf row is 100–200 bytes). A batch of one partition is one mutation,
   * which Cassandra's batch-size warning and failure thresholds leave alone (they apply to batches
   * over several partitions); 256 instead of 32 took the Paxos writes per stored event from 0.11
   * to 0.03 in the full-path benchmark.
   */
  static final int LEAVES_PER_BATCH = 256;

  /**
   * At most this many tree nodes go into one unlogged batch of one partition (a node row is about
   * 60 bytes): one mutation, like a leaf batch.
   */
  static final int NODES_PER_BATCH = 256;

  /**
   * At most this many position rows go into one batch: a batch of one partition is applied as one
   * update, however many rows, but one update should stay small (an entity with thousands of
   * events since the positions were last written, after an outage, is written in several).
   */
  static final int POSITIONS_PER_BATCH = 256;

  /** Writes one slice writer has in flight at most, see {@link #executeAll}. */
  static final int WRITES_IN_FLIGHT = 32;

  /** Checkpoint rows read per page when walking a slice's checkpoints (each row is a note of a few hundred bytes). */
  static final int CHECKPOINT_PAGE_SIZE = 64;

  /** A stored leaf: what the log holds at one index. */
  public record StoredLeaf(int slice, long leafIndex, LogLeaf leaf, Instant sequencedAt) {}

  /** A slice's progress row. */
  public record SliceProgress(long sequencedSize, long integratedSize) {}

  /**
   * A leaf that no longer stands for its event: the log had taken it from a journal write that was
   * never committed (a write that failed at QUORUM, read from the one replica that kept it), and the
   * committed event, the one the entity's chain continues from, was appended later as {@code
   * replacedBy}, where the event's position now points. The leaf stays in the tree (the log is
   * append-only); this record is how auditors tell it apart.
   */
  public record SupersededLeaf(int slice, long leafIndex, LogLeaf leaf, long replacedBy, Instant supersededAt) {}

  /** A stored checkpoint: the note as the log signed it, and with its cosignatures. */
  public record StoredCheckpoint(int slice, long treeSize, String note, String cosignedNote, Instant publishedAt) {}

  private final CqlSession session;
  private final PreparedStatement insertLeaf;
  private final PreparedStatement selectLeavesFrom;
  private final PreparedStatement insertLookup;
  private final PreparedStatement selectLookup;
  private final PreparedStatement selectEntityHead;
  private final PreparedStatement selectEntityPositions;
  private final PreparedStatement insertSuperseded;
  private final PreparedStatement selectSuperseded;
  private final PreparedStatement selectNode;
  private final PreparedStatement insertNode;
  private final PreparedStatement selectProgress;
  private final PreparedStatement updateSequenced;
  private final PreparedStatement updateIntegrated;
  private final PreparedStatement insertCheckpoint;
  private final PreparedStatement updateCosigned;
  private final PreparedStatement selectLatestCheckpoint;
  private final PreparedStatement selectCheckpoint;
  private final PreparedStatement selectCheckpointsNewestFirst;

  public LogTables(CqlSession session, String keyspace) {
    this.session = session;
    insertLeaf =
        prepare(
            "INSERT INTO " + keyspace + ".log_leaves (slice, bucket, leaf_index, entity_type, entity_id, sequence_nr, event_hash, sequenced_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS");
    selectLeavesFrom =
        prepare(
            "SELECT leaf_index, entity_type, entity_id, sequence_nr, event_hash, sequenced_at FROM " + keyspace
                + ".log_leaves WHERE slice = ? AND bucket = ? AND leaf_index >= ? LIMIT ?");
    insertLookup =
        prepare(
            "INSERT INTO " + keyspace + ".log_leaf_by_event (entity_type, entity_id, sequence_nr, slice, leaf_index) VALUES (?, ?, ?, ?, ?)");
    selectLookup =
        prepare(
            "SELECT slice, leaf_index FROM " + keyspace + ".log_leaf_by_event WHERE entity_type = ? AND entity_id = ? AND sequence_nr = ?");
    selectEntityHead =
        prepare(
            "SELECT sequence_nr, slice, leaf_index FROM " + keyspace
                + ".log_leaf_by_event WHERE entity_type = ? AND entity_id = ? ORDER BY sequence_nr DESC LIMIT 1");
    selectEntityPositions =
        prepare(
            "SELECT sequence_nr, slice, leaf_index FROM " + keyspace + ".log_leaf_by_event WHERE entity_type = ? AND entity_id = ?");
    insertSuperseded =
        prepare(
            "INSERT INTO " + keyspace + ".log_superseded_leaves (slice, leaf_index, entity_type, entity_id, sequence_nr, event_hash,"
                + " replaced_by, superseded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    selectSuperseded =
        prepare(
            "SELECT leaf_index, entity_type, entity_id, sequence_nr, event_hash, replaced_by, superseded_at FROM " + keyspace
                + ".log_superseded_leaves WHERE slice = ?");
    selectNode =
        prepare("SELECT hash FROM " + keyspace + ".log_nodes WHERE slice = ? AND level = ? AND bucket = ? AND node_index = ?");
    insertNode =
        prepare("INSERT INTO " + keyspace + ".log_nodes (slice, level, bucket, node_index, hash) VALUES (?, ?, ?, ?, ?)");
    selectProgress =
        prepare("SELECT sequenced_size, integrated_size FROM " + keyspace + ".log_slices WHERE slice = ?");
    updateSequenced = prepare("UPDATE " + keyspace + ".log_slices SET sequenced_size = ? WHERE slice = ?");
    updateIntegrated = prepare("UPDATE " + keyspace + ".log_slices SET integrated_size = ? WHERE slice = ?");
    insertCheckpoint =
        prepare(
            "INSERT INTO " + keyspace + ".log_checkpoints (slice, tree_size, note, cosigned_note, published_at) VALUES (?, ?, ?, ?, ?)"
                + " IF NOT EXISTS");
    updateCosigned =
        prepare("UPDATE " + keyspace + ".log_checkpoints SET cosigned_note = ? WHERE slice = ? AND tree_size = ?");
    selectLatestCheckpoint =
        prepare(
            "SELECT tree_size, note, cosigned_note, published_at FROM " + keyspace + ".log_checkpoints WHERE slice = ? LIMIT 1");
    selectCheckpoint =
        prepare(
            "SELECT tree_size, note, cosigned_note, published_at FROM " + keyspace
                + ".log_checkpoints WHERE slice = ? AND tree_size = ?");
    selectCheckpointsNewestFirst =
        prepare(
            "SELECT tree_size, note, cosigned_note, published_at FROM " + keyspace + ".log_checkpoints WHERE slice = ? LIMIT ?");
  }

  private PreparedStatement prepare(String cql) {
    return session.prepare(cql);
  }

  private static <S extends Statement<S>> S quorum(S statement) {
    return statement.setConsistencyLevel(DefaultConsistencyLevel.LOCAL_QUORUM);
  }

  // ---- leaves ----

  /**
   * Claims indexes {@code [firstIndex, firstIndex + leaves.size())} of {@code slice} for {@code
   * leaves}, in order. Each row is written only if its index is free (a conditional batch per
   * partition); when it returns normally, every leaf is durably sequenced.
   *
   * @throws ConcurrentWriterException if another writer holds one of the indexes: this writer's
   *     view of the slice is stale, and it MUST recover before writing again
   */
  public void claimLeaves(int slice, long firstIndex, List<LogLeaf> leaves, Instant now) {
    int i = 0;
    while (i < leaves.size()) {
      long index = firstIndex + i;
      long bucket = bucket(index);
      BatchStatement batch = BatchStatement.newInstance(BatchType.LOGGED);
      int inChunk = 0;
      while (i < leaves.size() && inChunk < LEAVES_PER_BATCH && bucket(firstIndex + i) == bucket) {
        LogLeaf leaf = leaves.get(i);
        batch =
            batch.add(
                insertLeaf.bind(
                    slice, bucket, firstIndex + i, leaf.entityType(), leaf.entityId(), leaf.sequenceNumber(),
                    ByteBuffer.wrap(leaf.eventHash()), now));
        i++;
        inChunk++;
      }
      boolean applied =
          session.execute(quorum(batch).setSerialConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL)).wasApplied();
      if (!applied) {
        throw new ConcurrentWriterException(
            "leaf index " + index + " of slice " + slice + " (or one of the " + inChunk + " after it) is already taken");
      }
    }
  }

  /**
   * Up to {@code limit} consecutive leaves of {@code slice} from {@code fromIndex}, stopping at the
   * first index without a row.
   */
  public List<StoredLeaf> leavesFrom(int slice, long fromIndex, int limit) {
    List<StoredLeaf> leaves = new ArrayList<>();
    long next = fromIndex;
    while (leaves.size() < limit) {
      int before = leaves.size();
      long bucket = bucket(next);
      for (Row row : session.execute(quorum(selectLeavesFrom.bind(slice, bucket, next, limit - leaves.size())))) {
        long index = row.getLong("leaf_index");
        if (index != next) {
          return leaves;
        }
        leaves.add(storedLeaf(slice, row));
        next++;
      }
      // Continue into the next bucket only when this one ended exactly at its boundary.
      if (leaves.size() == before || bucket(next) == bucket) {
        return leaves;
      }
    }
    return leaves;
  }

  private static StoredLeaf storedLeaf(int slice, Row row) {
    return new StoredLeaf(
        slice,
        row.getLong("leaf_index"),
        new LogLeaf(
            row.getString("entity_type"),
            row.getString("entity_id"),
            row.getLong("sequence_nr"),
            bytes(row.getByteBuffer("event_hash"))),
        row.getInstant("sequenced_at"));
  }

  /**
   * Writes the (entity, sequence number) → leaf index rows of leaves already claimed, {@code
   * byEntity} giving each entity's sequence numbers and their leaf indexes: one unlogged batch per
   * entity (one partition) of up to {@link #POSITIONS_PER_BATCH} rows, so that an entity's events
   * cost one partition write, however many.
   */
  public void recordPositions(int slice, Map<EntityJournal.Entity, ? extends SortedMap<Long, Long>> byEntity) {
    List<Statement<?>> writes = new ArrayList<>(byEntity.size());
    byEntity.forEach(
        (entity, leafIndexes) -> {
          List<BoundStatement> rows = new ArrayList<>(leafIndexes.size());
          leafIndexes.forEach(
              (sequenceNumber, leafIndex) ->
                  rows.add(insertLookup.bind(entity.entityType(), entity.entityId(), sequenceNumber, slice, leafIndex)));
          for (int from = 0; from < rows.size(); from += POSITIONS_PER_BATCH) {
            List<BoundStatement> chunk = rows.subList(from, Math.min(rows.size(), from + POSITIONS_PER_BATCH));
            writes.add(chunk.size() == 1 ? quorum(chunk.get(0)) : quorum(BatchStatement.newInstance(BatchType.UNLOGGED).addAll(chunk)));
          }
        });
    executeAll(writes);
  }

  /**
   * Executes {@code statements}, at most {@link #WRITES_IN_FLIGHT} at a time, and waits for all. Bounded because every slice writer does this at once, next to the entities' journal
   * writes on the same connections: a large append (a reconciliation cycle after a restart, a
   * large batch) sent all at once exhausted the driver's requests per connection, and then the
   * entities' persists failed with "no connection was available".
   */
  private void executeAll(List<? extends Statement<?>> statements) {
    for (int from = 0; from < statements.size(); from += WRITES_IN_FLIGHT) {
      List<CompletableFuture<?>> writes = new ArrayList<>(WRITES_IN_FLIGHT);
      for (Statement<?> statement : statements.subList(from, Math.min(statements.size(), from + WRITES_IN_FLIGHT))) {
        writes.add(session.executeAsync(statement).toCompletableFuture());
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
    }
  }

  /** Where the leaf of an event is, if the log holds it. */
  public Optional<Position> position(String entityType, String entityId, long sequenceNumber) {
    Row row = session.execute(quorum(selectLookup.bind(entityType, entityId, sequenceNumber))).one();
    return Optional.ofNullable(row).map(r -> new Position(r.getInt("slice"), r.getLong("leaf_index")));
  }

  /** The positions of the entity's events that the log holds, by sequence number from 1, up to the first missing one. */
  public List<Position> positions(String entityType, String entityId) {
    List<Position> positions = new ArrayList<>();
    for (Row row : session.execute(quorum(selectEntityPositions.bind(entityType, entityId)))) {
      if (row.getLong("sequence_nr") != positions.size() + 1) {
        break;
      }
      positions.add(new Position(row.getInt("slice"), row.getLong("leaf_index")));
    }
    return positions;
  }

  /** The highest sequence number of the entity that the log holds (0 for none). */
  public long entityHead(String entityType, String entityId) {
    return lastPosition(entityType, entityId).map(EventPosition::sequenceNumber).orElse(0L);
  }

  /** The position of the entity's highest sequence number that the log holds, if any. */
  public Optional<EventPosition> lastPosition(String entityType, String entityId) {
    Row row = session.execute(quorum(selectEntityHead.bind(entityType, entityId))).one();
    return Optional.ofNullable(row)
        .map(r -> new EventPosition(r.getLong("sequence_nr"), new Position(r.getInt("slice"), r.getLong("leaf_index"))));
  }

  /** The leaf at {@code position} (which MUST be sequenced). */
  public LogLeaf leafAt(Position position) {
    List<StoredLeaf> leaves = leavesFrom(position.slice(), position.leafIndex(), 1);
    if (leaves.isEmpty()) {
      throw new IllegalStateException("no leaf row at index " + position.leafIndex() + " of slice " + position.slice());
    }
    return leaves.get(0).leaf();
  }

  /** A sequence number of an entity and where its leaf is. */
  public record EventPosition(long sequenceNumber, Position position) {}

  // ---- superseded leaves ----

  /**
   * Records that {@code superseded.leafIndex()} no longer stands for its event. Idempotent per
   * (slice, leaf index): a recovering writer that records it again writes the same replacing index.
   */
  public void recordSuperseded(SupersededLeaf superseded) {
    LogLeaf leaf = superseded.leaf();
    session.execute(
        quorum(
            insertSuperseded.bind(
                superseded.slice(), superseded.leafIndex(), leaf.entityType(), leaf.entityId(), leaf.sequenceNumber(),
                ByteBuffer.wrap(leaf.eventHash()), superseded.replacedBy(), superseded.supersededAt())));
  }

  /** The superseded leaves of {@code slice}, by leaf index. */
  public List<SupersededLeaf> superseded(int slice) {
    List<SupersededLeaf> superseded = new ArrayList<>();
    for (Row row : session.execute(quorum(selectSuperseded.bind(slice)))) {
      superseded.add(
          new SupersededLeaf(
              slice,
              row.getLong("leaf_index"),
              new LogLeaf(
                  row.getString("entity_type"), row.getString("entity_id"), row.getLong("sequence_nr"), bytes(row.getByteBuffer("event_hash"))),
              row.getLong("replaced_by"),
              row.getInstant("superseded_at")));
    }
    return superseded;
  }

  /** Where a leaf is. */
  public record Position(int slice, long leafIndex) {}

  // ---- tree nodes ----

  public Optional<byte[]> node(int slice, int level, long index) {
    Row row = session.execute(quorum(selectNode.bind(slice, level, bucket(index), index))).one();
    return Optional.ofNullable(row).map(r -> bytes(r.getByteBuffer("hash")));
  }

  /**
   * Writes tree nodes: an unlogged batch per partition (slice, level, bucket) of up to {@link
   * #NODES_PER_BATCH} rows, sent together (at most {@link #WRITES_IN_FLIGHT} at a time) and awaited. Unlogged is enough: a node's
   * hash depends only on the leaves, and a write that fails is repeated with the same hash (the
   * integrated size, written after, tells readers which nodes exist).
   */
  public void writeNodes(int slice, List<org.medtrace.merkle.NodeStore.Node> nodes) {
    Map<List<Long>, List<BoundStatement>> byPartition = new LinkedHashMap<>();
    for (org.medtrace.merkle.NodeStore.Node node : nodes) {
      long bucket = bucket(node.index());
      byPartition
          .computeIfAbsent(List.of((long) node.level(), bucket), partition -> new ArrayList<>())
          .add(insertNode.bind(slice, node.level(), bucket, node.index(), ByteBuffer.wrap(node.hash())));
    }
    List<Statement<?>> writes = new ArrayList<>();
    for (List<BoundStatement> partition : byPartition.values()) {
      for (int from = 0; from < partition.size(); from += NODES_PER_BATCH) {
        writes.add(
            quorum(
                BatchStatement.newInstance(BatchType.UNLOGGED)
                    .addAll(partition.subList(from, Math.min(partition.size(), from + NODES_PER_BATCH)))));
      }
    }
    executeAll(writes);
  }

  // ---- progress ----

  public SliceProgress progress(int slice) {
    Row row = session.execute(quorum(selectProgress.bind(slice))).one();
    if (row == null) {
      return new SliceProgress(0, 0);
    }
    return new SliceProgress(
        row.isNull("sequenced_size") ? 0 : row.getLong("sequenced_size"),
        row.isNull("integrated_size") ? 0 : row.getLong("integrated_size"));
  }

  public void recordSequencedSize(int slice, long size) {
    session.execute(quorum(updateSequenced.bind(size, slice)));
  }

  public void recordIntegratedSize(int slice, long size) {
    session.execute(quorum(updateIntegrated.bind(size, slice)));
  }

  // ---- checkpoints ----

  /**
   * Stores a newly signed checkpoint, only if the slice has none of that size.
   *
   * @return false if a checkpoint of this size was stored before (then nothing is written)
   */
  public boolean insertCheckpoint(int slice, long treeSize, String note, Instant publishedAt) {
    return session
        .execute(
            quorum(insertCheckpoint.bind(slice, treeSize, note, note, publishedAt))
                .setSerialConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL))
        .wasApplied();
  }

  public void recordCosignedNote(int slice, long treeSize, String cosignedNote) {
    session.execute(quorum(updateCosigned.bind(cosignedNote, slice, treeSize)));
  }

  public Optional<StoredCheckpoint> latestCheckpoint(int slice) {
    return Optional.ofNullable(session.execute(quorum(selectLatestCheckpoint.bind(slice))).one()).map(row -> checkpoint(slice, row));
  }

  public Optional<StoredCheckpoint> checkpoint(int slice, long treeSize) {
    return Optional.ofNullable(session.execute(quorum(selectCheckpoint.bind(slice, treeSize))).one()).map(row -> checkpoint(slice, row));
  }

  /**
   * The slice's checkpoints, newest first, at most {@code limit}; read a page at a time as the
   * stream is consumed, so a caller that stops early (e.g. {@code findFirst}) reads no further.
   */
  public Stream<StoredCheckpoint> checkpointsNewestFirst(int slice, int limit) {
    Iterable<Row> rows = session.execute(quorum(selectCheckpointsNewestFirst.bind(slice, limit)).setPageSize(CHECKPOINT_PAGE_SIZE));
    return StreamSupport.stream(rows.spliterator(), false).map(row -> checkpoint(slice, row));
  }

  private static StoredCheckpoint checkpoint(int slice, Row row) {
    return new StoredCheckpoint(
        slice, row.getLong("tree_size"), row.getString("note"), row.getString("cosigned_note"), row.getInstant("published_at"));
  }

  static long bucket(long index) {
    return index / BUCKET_SIZE;
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
