package org.medtrace.loadtests;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;

/**
 * Part (b): Pekko Persistence on the same Cassandra through pekko-persistence-cassandra, with
 * sharded {@link PlainEntity}s driven by asks, as medtrace's pipelines drive its entities.
 */
final class PlainEntityAsks {

  private PlainEntityAsks() {}

  static PartResult run(ActorSystem<?> system, BenchmarkSettings settings) throws InterruptedException {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(PlainEntity.TYPE_KEY, context -> PlainEntity.create(context.getEntityId())));
    byte[] payload = new byte[settings.payloadBytes()];
    int entities = settings.plainEntities();
    Duration askTimeout = Duration.ofSeconds(30);
    AtomicLong next = new AtomicLong();
    return ClosedLoop.run(
        "(b) plain Pekko Persistence entity",
        settings.plainConcurrency(),
        settings.warmUp(),
        settings.duration(),
        settings.progressEvery(),
        () ->
            sharding
                .entityRefFor(PlainEntity.TYPE_KEY, "plain-" + (next.getAndIncrement() % entities))
                .<Long>ask(replyTo -> new PlainEntity.Append(payload, replyTo), askTimeout));
  }
}
