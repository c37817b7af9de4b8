package org.medtrace.actors.ledger;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import scala.Option;
import scala.collection.immutable.HashMap;
import scala.collection.immutable.Vector;

/**
 * The source message ids an entity stored most recently, per sending organisation (two senders'
 * ids may collide: an HL7 control id is unique only within its sending application), each with the
 * sequence number of the last event it produced. A redelivered message (Kafka after a restart, a
 * client retrying with the same idempotency key) finds its id here and is answered without a
 * second event.
 *
 * <p>The window is bounded so that state stays small; it only has to outlast redelivery, which
 * reaches back over the messages in flight when a consumer stopped, not over an entity's history.
 * It is part of the state, so it survives restarts through snapshots and replay.
 *
 * <p>Every applied event makes a new window, so recording MUST NOT copy the window: it is kept in
 * persistent collections (Scala's immutable hash map and vector, which share structure with the
 * previous window), so that recording costs O(log n) instead of O(window) per event, which at the
 * default window of 1000 was a copy of 1000 entries per stored event. The recordings are a {@link
 * Vector}, not a {@code Queue}: an immutable queue finds its head by walking its back list to the
 * end until something is dequeued, and the head is looked at on every event of an entity whose
 * window is not yet full (a profile of the full ingest path had 4 % of the node's CPU there). Its
 * serialized form is unchanged: the ids oldest first, each with its sequence number.
 */
public final class RecentSources implements CborSerializable {

  public static final RecentSources NONE =
      new RecentSources(scala.collection.immutable.HashMap$.MODULE$.empty(), scala.collection.immutable.Vector$.MODULE$.empty());

  /** Each id's last sequence number; the ids in the window, no more. */
  private final HashMap<String, Long> lastSequenceByKey;

  /**
   * Every recording in order, oldest first. An id recorded again is queued again; its older entry
   * is stale (its sequence number no longer matches the map) and is skipped when it reaches the head.
   */
  private final Vector<Recorded> recordings;

  private record Recorded(String key, long sequenceNumber) {}

  private RecentSources(HashMap<String, Long> lastSequenceByKey, Vector<Recorded> recordings) {
    this.lastSequenceByKey = lastSequenceByKey;
    this.recordings = recordings;
  }

  /** A window from its serialized form: ids (organisation, newline, source id) oldest first. */
  @JsonCreator
  public static RecentSources of(@JsonProperty("lastSequenceBySource") Map<String, Long> lastSequenceBySource) {
    RecentSources window = NONE;
    for (Map.Entry<String, Long> entry : lastSequenceBySource.entrySet()) {
      window = window.record(entry.getKey(), entry.getValue(), Integer.MAX_VALUE);
    }
    return window;
  }

  /** The ids in the window, oldest first, each with its last sequence number (read-only; O(window)). */
  @JsonProperty("lastSequenceBySource")
  public Map<String, Long> lastSequenceBySource() {
    LinkedHashMap<String, Long> ordered = new LinkedHashMap<>();
    scala.collection.Iterator<Recorded> all = recordings.iterator();
    while (all.hasNext()) {
      Recorded recorded = all.next();
      if (isCurrent(recorded)) {
        ordered.put(recorded.key(), recorded.sequenceNumber());
      }
    }
    return Collections.unmodifiableMap(ordered);
  }

  /** The last sequence number stored for {@code organisation}'s {@code sourceMessageId}, if it is in the window. */
  public Optional<Long> stored(String organisation, String sourceMessageId) {
    if (sourceMessageId == null || sourceMessageId.isEmpty()) {
      return Optional.empty();
    }
    Option<Long> found = lastSequenceByKey.get(key(organisation, sourceMessageId));
    return found.isDefined() ? Optional.of(found.get()) : Optional.empty();
  }

  /** This window with {@code organisation}'s {@code sourceMessageId} stored at {@code sequenceNumber}, trimmed to {@code window} ids. */
  public RecentSources recording(String organisation, String sourceMessageId, long sequenceNumber, int window) {
    if (sourceMessageId.isEmpty()) {
      return this;
    }
    return record(key(organisation, sourceMessageId), sequenceNumber, window);
  }

  private RecentSources record(String key, long sequenceNumber, int window) {
    HashMap<String, Long> map = lastSequenceByKey.updated(key, sequenceNumber);
    Vector<Recorded> queue = appended(recordings, new Recorded(key, sequenceNumber));
    // Drop the oldest ids beyond the window, and the stale entries in front of them.
    while (map.size() > window || !isCurrent(map, queue.head())) {
      Recorded oldest = queue.head();
      queue = queue.tail();
      if (isCurrent(map, oldest)) {
        map = map.removed(oldest.key());
      }
    }
    return new RecentSources(map, queue);
  }

  /** {@code recordings} with {@code recorded} at the end (javac cannot tell Vector's appended overloads apart). */
  @SuppressWarnings("unchecked")
  private static Vector<Recorded> appended(Vector<Recorded> recordings, Recorded recorded) {
    return (Vector<Recorded>) ((scala.collection.SeqOps<Recorded, ?, ?>) recordings).appended(recorded);
  }

  private boolean isCurrent(Recorded recorded) {
    return isCurrent(lastSequenceByKey, recorded);
  }

  private static boolean isCurrent(HashMap<String, Long> map, Recorded recorded) {
    Option<Long> last = map.get(recorded.key());
    return last.isDefined() && last.get() == recorded.sequenceNumber();
  }

  private static String key(String organisation, String sourceMessageId) {
    return organisation + '\n' + sourceMessageId;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RecentSources that && lastSequenceBySource().equals(that.lastSequenceBySource());
  }

  @Override
  public int hashCode() {
    return lastSequenceBySource().hashCode();
  }

  @Override
  public String toString() {
    return "RecentSources" + lastSequenceBySource();
  }
}
