package org.medtrace.globallog;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.medtrace.actors.ledger.CommitFeed;
import org.medtrace.merkle.LogFormat;
import org.medtrace.merkle.LogLeaf;
import org.medtrace.persistence.chain.ChainedEvent;

/**
 * A node's entities' {@link CommitFeed}: each command's stored events go, as one message, to the
 * writer of their entity's slice, wherever sharding runs it. The events are not read back from the
 * journal and nothing more is written on the command's path: a journal tag for the log would cost
 * two more Cassandra writes per event, and the persist waits for them.
 */
final class SliceFeed implements CommitFeed {

  private final List<EntityRef<SliceWriter.Command>> writers;

  /** The slice writers' sharding MUST be initialised on {@code system} first. */
  SliceFeed(ActorSystem<?> system) {
    ClusterSharding sharding = ClusterSharding.get(system);
    List<EntityRef<SliceWriter.Command>> refs = new ArrayList<>(LogFormat.SLICE_COUNT);
    for (int slice = 0; slice < LogFormat.SLICE_COUNT; slice++) {
      refs.add(sharding.entityRefFor(SliceWriter.TYPE_KEY, Integer.toString(slice)));
    }
    this.writers = List.copyOf(refs);
  }

  @Override
  public void committed(List<ChainedEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    ChainedEvent first = events.get(0);
    String entityType = first.body().getEntityType();
    String entityId = first.body().getEntityId();
    List<byte[]> hashes = events.stream().map(ChainedEvent::hash).toList();
    writers
        .get(LogLeaf.sliceOf(entityType, entityId))
        .tell(
            new SliceWriter.Committed(
                entityType, entityId, first.sequenceNumber(), first.envelope().getPrevHash().toByteArray(), hashes));
  }

  /** Tells every slice's writer to run (see {@link SliceWriter.KeepAlive}). */
  void keepAlive(String sender) {
    writers.forEach(writer -> writer.tell(new SliceWriter.KeepAlive(sender)));
  }
}
