package org.medtrace.actors.ledger;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The source message ids an entity stored most recently, per sending organisation (two senders'
 * ids may collide: an HL7 control id is unique only within its sending application), each with the sequence number of the last
 * event it produced. A redelivered message (Kafka after a restart, a client retrying with the same
 * idempotency key) finds its id here and is answered without a second event.
 *
 * <p>The window is bounded so that state stays small; it only has to outlast redelivery, which
 * reaches back over the messages in flight when a consumer stopped, not over an entity's history.
 * It is part of the state, so it survives restarts through snapshots and replay.
 *
 * @param lastSequenceBySource insertion-ordered, oldest first
 */
public record RecentSources(Map<String, Long> lastSequenceBySource) implements CborSerializable {

  public static final RecentSources NONE = new RecentSources(Map.of());

  public RecentSources {
    // Every applied event makes a new window, so it is copied once, in recording(), not again
    // here: a LinkedHashMap (from recording() or from deserialization) is taken as it is, read-only.
    lastSequenceBySource =
        Collections.unmodifiableMap(
            lastSequenceBySource instanceof LinkedHashMap<String, Long> ordered
                ? ordered
                : new LinkedHashMap<>(lastSequenceBySource));
  }

  /** The last sequence number stored for {@code organisation}'s {@code sourceMessageId}, if it is in the window. */
  public Optional<Long> stored(String organisation, String sourceMessageId) {
    if (sourceMessageId == null || sourceMessageId.isEmpty()) {
      return Optional.empty();
    }
    return Optional.ofNullable(lastSequenceBySource.get(key(organisation, sourceMessageId)));
  }

  /** This window with {@code organisation}'s {@code sourceMessageId} stored at {@code sequenceNumber}, trimmed to {@code window} ids. */
  public RecentSources recording(String organisation, String sourceMessageId, long sequenceNumber, int window) {
    if (sourceMessageId.isEmpty()) {
      return this;
    }
    String key = key(organisation, sourceMessageId);
    LinkedHashMap<String, Long> next = new LinkedHashMap<>(lastSequenceBySource);
    next.remove(key);
    next.put(key, sequenceNumber);
    var oldest = next.keySet().iterator();
    while (next.size() > window) {
      oldest.next();
      oldest.remove();
    }
    return new RecentSources(next);
  }

  private static String key(String organisation, String sourceMessageId) {
    return organisation + '\n' + sourceMessageId;
  }
}
