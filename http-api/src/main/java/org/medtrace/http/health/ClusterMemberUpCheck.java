package org.medtrace.http.health;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.MemberStatus;

/**
 * Readiness (Pekko Management health check): this node is an {@code Up} member of the cluster, so
 * sharding can place entities here and reach the others. A joining, leaving or removed node is not
 * ready.
 */
public final class ClusterMemberUpCheck implements Supplier<CompletionStage<Boolean>> {

  private final Cluster cluster;

  public ClusterMemberUpCheck(ActorSystem system) {
    this.cluster = Cluster.get(system);
  }

  @Override
  public CompletionStage<Boolean> get() {
    return CompletableFuture.completedFuture(cluster.selfMember().status() == MemberStatus.up());
  }
}
