package org.medtrace.actors.ledger;

/**
 * Marker for messages that cross the cluster inside it (commands, replies) and for entity state
 * snapshots, serialized with Jackson CBOR. Ledger events are never bound to it: they are protobuf
 * (see the persistence module).
 *
 * <p>Snapshots are a cache of what the journal proves: they can be deleted and rebuilt by replay,
 * so a change to a state class costs a replay, never a lost fact. That is why they need not be
 * protobuf.
 */
public interface CborSerializable {}
