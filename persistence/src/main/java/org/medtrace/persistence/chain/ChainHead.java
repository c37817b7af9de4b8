package org.medtrace.persistence.chain;

/**
 * The end of an entity's chain: the sequence number and hash of its last event, or sequence number
 * 0 and the genesis value for an entity with no events. Entities keep it in their state (and so in
 * snapshots) to append the next event, and recovery MUST end on the same head as a full replay.
 *
 * @param hashHex lower-case hex of the last event's hash (kept as text so that the head compares by
 *     value and serializes plainly into snapshots)
 */
public record ChainHead(String entityType, String entityId, long sequenceNumber, String hashHex) {

  public static ChainHead genesis(String entityType, String entityId) {
    return new ChainHead(entityType, entityId, 0, HashChain.hex(HashChain.genesis(entityType, entityId)));
  }

  public byte[] hash() {
    return HashChain.fromHex(hashHex);
  }

  /** The head after {@code event}, which MUST be the event that follows this head. */
  public ChainHead advanceTo(ChainedEvent event) {
    return new ChainHead(entityType, entityId, event.sequenceNumber(), HashChain.hex(event.hash()));
  }
}
