package org.medtrace.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medtrace.identity.NetworkCa;

/**
 * Mutual TLS on remoting with the network CA: nodes holding node certificates of the CA form a
 * cluster; a node whose certificate comes from another CA, is revoked, or is an organisation's and
 * not a node's, cannot join.
 */
class NetworkTlsClusterTest {

  private static final String HOST = System.getProperty("medtrace.test.loopback-address", "127.0.0.1");

  @TempDir Path dir;
  private final List<ActorSystem<Void>> systems = new ArrayList<>();

  @AfterEach
  void stop() {
    systems.forEach(ActorSystem::terminate);
  }

  @Test
  void nodesWithCertificatesOfTheNetworkCaFormAClusterAndOthersCannotJoin() throws Exception {
    Path caDir = dir.resolve("ca");
    NetworkCa ca = NetworkCa.init(caDir, "test network CA", Duration.ofDays(30), Clock.systemUTC());
    NetworkCa other = NetworkCa.init(dir.resolve("other-ca"), "test network CA", Duration.ofDays(30), Clock.systemUTC());
    NetworkCa.Issued first = ca.issueNode("st-mary", HOST, Duration.ofDays(1));
    NetworkCa.Issued second = ca.issueNode("acme-pharma", HOST, Duration.ofDays(1));
    NetworkCa.Issued revoked = ca.issueNode("rogue-ops", HOST, Duration.ofDays(1));
    ca.revoke(revoked.certificate().serialHex());
    NetworkCa.Issued organisationOnly = ca.issue("acme-pharma", "manufacturer", Duration.ofDays(1));
    NetworkCa.Issued foreign = other.issueNode("st-mary", HOST, Duration.ofDays(1));

    ActorSystem<Void> seed = node(first, caDir);
    Address seedAddress = Cluster.get(seed).selfMember().address();
    Cluster.get(seed).manager().tell(new Join(seedAddress));
    // The outsiders try first; the member that joins after them shows their attempts were processed.
    List<ActorSystem<Void>> outsiders = List.of(node(foreign, caDir), node(revoked, caDir), node(organisationOnly, caDir));
    outsiders.forEach(outsider -> Cluster.get(outsider).manager().tell(new Join(seedAddress)));
    ActorSystem<Void> member = node(second, caDir);
    Cluster.get(member).manager().tell(new Join(seedAddress));

    TestProbe<Void> probe = TestProbe.create(seed);
    probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(300), () -> {
      assertEquals(MemberStatus.up(), Cluster.get(member).selfMember().status());
      assertEquals(2, Cluster.get(seed).state().members().size());
      return null;
    });
    // Several join retries (every few seconds) of each outsider later, the cluster still has only
    // the two nodes of the network: a refused handshake never becomes a membership.
    Thread.sleep(Duration.ofSeconds(8).toMillis());
    assertEquals(2, Cluster.get(seed).state().members().size(), Cluster.get(seed).state().toString());
    for (ActorSystem<Void> outsider : outsiders) {
      assertNotEquals(MemberStatus.up(), Cluster.get(outsider).selfMember().status(), outsider.name());
    }
  }

  @Test
  void aNodeWithoutItsKeyDoesNotStart() {
    Path caDir = dir.resolve("ca");
    NetworkCa ca = NetworkCa.init(caDir, "test network CA", Duration.ofDays(30), Clock.systemUTC());
    NetworkCa.Issued issued = ca.issueNode("st-mary", HOST, Duration.ofDays(1));
    Exception refused =
        assertThrows(Exception.class, () -> node(new NetworkCa.Issued(issued.certificate(), issued.privateKey(), issued.certificateFile(), dir.resolve("missing.pem")), caDir));
    assertTrue(String.valueOf(rootCause(refused).getMessage()).contains("missing.pem"), refused.toString());
  }

  private ActorSystem<Void> node(NetworkCa.Issued certificate, Path trustDir) throws Exception {
    Config config =
        ConfigFactory.parseString(
                """
                pekko.actor.provider = cluster
                pekko.remote.artery.transport = tls-tcp
                pekko.remote.artery.canonical.hostname = "%s"
                pekko.remote.artery.canonical.port = 0
                pekko.remote.artery.ssl.ssl-engine-provider = "org.medtrace.cluster.tls.NetworkTlsEngineProvider"
                pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                pekko.coordinated-shutdown.exit-jvm = off
                pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                medtrace.remoting.tls {
                  key-file = "%s"
                  cert-file = "%s"
                  trust-dir = "%s"
                  reload-interval = 1m
                }
                """
                    .formatted(HOST, certificate.privateKeyFile(), certificate.certificateFile(), trustDir))
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    assertTrue(Files.exists(certificate.certificateFile()));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "medtrace", config);
    systems.add(system);
    return system;
  }

  private static Throwable rootCause(Throwable e) {
    while (e.getCause() != null && e.getCause() != e) {
      e = e.getCause();
    }
    return e;
  }
}
