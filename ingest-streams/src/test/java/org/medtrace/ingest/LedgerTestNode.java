package org.medtrace.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.device.MedicalDevice;
import org.medtrace.actors.ledger.LedgerSettings;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.persistence.cassandra.RealCassandra;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.TrustedKeys;
import org.medtrace.persistence.chain.VerificationResult;
import org.medtrace.persistence.journal.JournalChainVerifier;

/**
 * A one-node cluster with the three sharded entities on the real test Cassandra, as the node in
 * {@code cluster/} runs them, and ways to read back what the journal holds. Each test class uses
 * its own keyspaces.
 */
public final class LedgerTestNode implements AutoCloseable {

  public static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final ActorTestKit testKit;

  private LedgerTestNode(ActorTestKit testKit) {
    this.testKit = testKit;
  }

  /** Starts the node; {@code extra} is layered over the node's configuration (e.g. medtrace.ingest keys). */
  public static LedgerTestNode start(String name, String keyspacePrefix, Config extra) {
    String journal = keyspacePrefix + "_journal";
    String snapshot = keyspacePrefix + "_snapshot";
    RealCassandra.createKeyspaces(journal, snapshot);
    Config config =
        extra
            .withFallback(
                ConfigFactory.parseString(
                    """
                    pekko.actor.provider = cluster
                    pekko.remote.artery.canonical.hostname = "127.0.0.1"
                    pekko.remote.artery.canonical.port = 0
                    pekko.coordinated-shutdown.exit-jvm = off
                    pekko.loglevel = WARNING
                    """))
            .withFallback(RealCassandra.pekkoConfig(journal, snapshot))
            .withFallback(ConfigFactory.load())
            .resolve();
    ActorTestKit testKit = ActorTestKit.create(name, config);
    ActorSystem<?> system = testKit.system();
    Cluster cluster = Cluster.get(system);
    cluster.manager().tell(new Join(cluster.selfMember().address()));
    LedgerSettings ledger = LedgerSettings.defaults();
    DrugBatch.init(system, ledger, DrugBatch.Rules.defaults());
    MedicalDevice.init(system, ledger, MedicalDevice.Rules.defaults());
    PatientRecord.init(system, ledger);
    testKit
        .createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(20),
            () -> {
              assertEquals(MemberStatus.up(), cluster.selfMember().status());
              return null;
            });
    return new LedgerTestNode(testKit);
  }

  public ActorSystem<?> system() {
    return testKit.system();
  }

  public ActorTestKit testKit() {
    return testKit;
  }

  public <C, R> R ask(EntityTypeKey<C> type, String entityId, Function<ActorRef<R>, C> command) {
    return ClusterSharding.get(system())
        .entityRefFor(type, entityId)
        .<R>ask(command::apply, TIMEOUT)
        .toCompletableFuture()
        .join();
  }

  /** Every event the journal holds for the entity, in sequence order. */
  public List<EventBody> events(String entityType, String entityId) {
    CassandraReadJournal journal =
        PersistenceQuery.get(system()).getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    return journal
        .currentEventsByPersistenceId(JournalChainVerifier.persistenceId(entityType, entityId), 0L, Long.MAX_VALUE)
        .map(envelope -> ((ChainedEvent) envelope.event()).body())
        .runWith(Sink.seq(), system())
        .toCompletableFuture()
        .join();
  }

  public VerificationResult verify(String entityType, String entityId) {
    return JournalChainVerifier.onCassandra(system(), TrustedKeys.none())
        .verify(entityType, entityId)
        .toCompletableFuture()
        .join();
  }

  @Override
  public void close() {
    testKit.shutdownTestKit();
  }
}
