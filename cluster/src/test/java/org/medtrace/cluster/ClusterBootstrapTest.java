package org.medtrace.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.Role;
import org.medtrace.ingest.kafka.RealKafka;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * With {@code medtrace.cluster.formation = cluster-bootstrap} the node does not join itself: Pekko
 * Management Cluster Bootstrap finds the contact points (here by configuration-based discovery, as
 * on one machine; k8s/ uses the Kubernetes API), and forms the cluster once enough of them answer.
 */
@ExtendWith({RealCassandra.class, RealKafka.class})
class ClusterBootstrapTest {

  @Test
  void aNodeFormsItsClusterThroughBootstrapAndServes() throws Exception {
    try (DevelopmentNode node = bootstrappingNode("bootstrap", 1)) {
      TestProbe<Void> probe = TestProbe.create(node.system());
      probe.awaitAssert(Duration.ofSeconds(60), Duration.ofMillis(500), () -> {
        assertEquals(MemberStatus.up(), Cluster.get(node.system()).selfMember().status());
        return null;
      });
      String regulator = node.tokens().token(Role.REGULATOR, "health-authority", "inspector-1");
      assertEquals(404, node.client().get("/api/v1/batches/4006381333931/NEVER-REGISTERED", regulator).status(),
          "sharding answers once the bootstrapped cluster is up");
    }
  }

  @Test
  void aNodeThatSeesTooFewContactPointsFormsNoClusterOfItsOwn() throws Exception {
    try (DevelopmentNode node = bootstrappingNode("bootstrap_alone", 2)) {
      // Well past bootstrap's stable margin (1 s) and several probe rounds: still not a member.
      Thread.sleep(Duration.ofSeconds(8).toMillis());
      assertEquals(MemberStatus.removed(), Cluster.get(node.system()).selfMember().status(),
          "a node waiting for 2 contact points must not form a cluster alone");
    }
  }

  /** A node whose only discovered contact point is itself, needing {@code requiredContactPoints} of them. */
  private static DevelopmentNode bootstrappingNode(String prefix, int requiredContactPoints) throws Exception {
    int managementPort;
    try (ServerSocket free = new ServerSocket(0)) {
      managementPort = free.getLocalPort();
    }
    Path issuer = Path.of(System.getProperty("medtrace.test.work-dir", "target/test-work")).toAbsolutePath().resolve(prefix + "-dev-issuer");
    return DevelopmentNode.start(
            prefix,
            issuer,
            ConfigFactory.parseString(
                """
                medtrace.cluster.formation = "cluster-bootstrap"
                pekko.management.http { hostname = "127.0.0.1", port = %d }
                pekko.discovery.config.services.medtrace.endpoints = [{ host = "127.0.0.1", port = %d }]
                pekko.management.cluster.bootstrap.contact-point-discovery {
                  service-name = "medtrace"
                  discovery-method = config
                  required-contact-point-nr = %d
                  stable-margin = 1s
                }
                medtrace.ingest.lab-results.enabled = off
                medtrace.ingest.sensor-readings.enabled = off
                medtrace.ingest.epcis-events.enabled = off
                """
                    .formatted(managementPort, managementPort, requiredContactPoints)));
  }
}
