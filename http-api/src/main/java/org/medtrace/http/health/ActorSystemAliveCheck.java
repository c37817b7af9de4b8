package org.medtrace.http.health;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.CoordinatedShutdown;

/**
 * Liveness (Pekko Management health check): the actor system runs and has not begun shutting
 * down. A node that fails it should be restarted; readiness, not liveness, covers a slow journal,
 * so that a Cassandra hiccup does not restart every node.
 */
public final class ActorSystemAliveCheck implements Supplier<CompletionStage<Boolean>> {

  private final ActorSystem system;

  public ActorSystemAliveCheck(ActorSystem system) {
    this.system = system;
  }

  @Override
  public CompletionStage<Boolean> get() {
    return CompletableFuture.completedFuture(
        !system.whenTerminated().isCompleted() && CoordinatedShutdown.get(system).getShutdownReason().isEmpty());
  }
}
