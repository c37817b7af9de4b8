package org.medtrace.cluster;

import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.JoinSeedNodes;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.device.MedicalDevice;
import org.medtrace.actors.patient.PatientRecord;

/**
 * The composition root: what a node runs, given its actor system and settings. {@code Main} calls
 * it, and so do the tests, so that they run the node as it is deployed.
 */
public final class MedtraceNode {

  private MedtraceNode() {}

  /** Joins the cluster and starts sharding for the three entity types. */
  public static void init(ActorSystem<?> system, NodeSettings settings) {
    joinCluster(system, settings.seedNodes());
    DrugBatch.init(system, settings.ledger(), settings.batchRules());
    MedicalDevice.init(system, settings.ledger(), settings.deviceRules());
    PatientRecord.init(system, settings.ledger());
  }

  private static void joinCluster(ActorSystem<?> system, List<String> seedNodes) {
    Cluster cluster = Cluster.get(system);
    if (seedNodes.isEmpty()) {
      cluster.manager().tell(new org.apache.pekko.cluster.typed.Join(cluster.selfMember().address()));
    } else {
      List<Address> addresses = seedNodes.stream().map(AddressFromURIString::parse).toList();
      cluster.manager().tell(new JoinSeedNodes(addresses));
    }
  }
}
