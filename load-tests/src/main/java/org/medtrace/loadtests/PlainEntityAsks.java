package org.medtrace.loadtests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.medtrace.actors.ledger.Asks;

/**
 * Part (b): Pekko Persistence on the same Cassandra through pekko-persistence-cassandra, with
 * sharded {@link PlainEntity}s driven by asks, as medtrace's pipelines drive its entities.
 */
final class PlainEntityAsks {

  /** Entities started (recovered) at once before the measurement. */
  static final int STARTING_AT_ONCE = 200;

  private PlainEntityAsks() {}

  private static String entityId(long index) {
    return "plain-" + index;
  }

  static PartResult run(ActorSystem<?> system, BenchmarkSettings settings, LoadLoop.Window window) throws Exception {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(PlainEntity.TYPE_KEY, context -> PlainEntity.create(context.getEntityId())));
    byte[] payload = new byte[settings.payloadBytes()];
    int entities = settings.plainEntities();
    Duration askTimeout = Duration.ofSeconds(30);
    // Start (recover) every entity before the clock runs, as (c) does by registering its batches,
    // so that neither part measures entity start-up. A few hundred at a time: a thousand recoveries
    // at once on a busy machine time out and open the journal's circuit breaker.
    List<CompletableFuture<Long>> started = new ArrayList<>();
    for (int i = 0; i < entities; i++) {
      started.add(
          Asks.<PlainEntity.Append, Long>ask(
              sharding.entityRefFor(PlainEntity.TYPE_KEY, entityId(i)), replyTo -> new PlainEntity.Append(payload, replyTo), askTimeout));
      if (started.size() == STARTING_AT_ONCE || i == entities - 1) {
        CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        started.clear();
      }
    }
    AtomicLong next = new AtomicLong();
    return LoadLoop.run(
        "(b) plain Pekko Persistence entity",
        settings.plainConcurrency(),
        LoadSchedule.of(settings, System.nanoTime(), settings.duration()),
        settings.progressEvery(),
        window,
        // Asks.ask as medtrace's pipelines ask, so that (b) and (c) pay the same for a reply.
        () ->
            Asks.<PlainEntity.Append, Long>ask(
                sharding.entityRefFor(PlainEntity.TYPE_KEY, entityId(next.getAndIncrement() % entities)),
                replyTo -> new PlainEntity.Append(payload, replyTo),
                askTimeout));
  }
}
