package org.medtrace.cluster;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.medtrace.globallog.GlobalLogSettings;
import org.medtrace.globallog.LogKey;
import org.medtrace.http.auth.TokenCommand;
import org.medtrace.identity.CaCommand;
import org.medtrace.ingest.SendToIngest;
import org.medtrace.ingest.alerts.PrintAlerts;
import org.medtrace.ingest.kafka.KafkaLauncher;
import org.medtrace.ingest.kafka.KafkaSettings;
import org.medtrace.persistence.cassandra.CassandraLauncher;
import org.medtrace.persistence.cassandra.CassandraSchema;
import org.medtrace.persistence.chain.VerificationResult;
import org.medtrace.persistence.journal.JournalChainVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a medtrace node, or runs one of the operator commands. See {@code bin/medtrace}.
 *
 * <ul>
 *   <li>{@code dev}: development mode ({@code development.conf}): starts the node's own Cassandra
 *       and Kafka, creates the schema and the topics, then the node.
 *   <li>{@code node}: a node with production settings ({@code application.conf} and {@code
 *       MEDTRACE_*} variables).
 *   <li>{@code schema}: prints the CQL of the keyspaces and tables.
 *   <li>{@code apply-schema}: creates the keyspaces and tables on the configured Cassandra (idempotent).
 *   <li>{@code token --role R --org O --user U}: prints a token of the development issuer.
 *   <li>{@code send KIND ...}: sends lab results, sensor readings or EPCIS documents to the ingest
 *       topics ({@link SendToIngest}).
 *   <li>{@code alerts [--wait-for ALERT-ID]}: prints the alerts topic ({@link PrintAlerts}).
 *   <li>{@code verify TYPE ID}: verifies one entity's chain in the journal; exit code 0 when intact.
 *   <li>{@code ca init|issue|issue-node|certify|policy|revoke|list ...}: the network certificate authority ({@link CaCommand}).
 * </ul>
 */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws Exception {
    String command = args.length == 0 ? "node" : args[0];
    switch (command) {
      case "dev" -> runNode(ConfigFactory.load("development"));
      case "node" -> runNode(ConfigFactory.load());
      case "schema" -> printSchema(ConfigFactory.load());
      case "apply-schema" -> createSchema(NodeSettings.from(ConfigFactory.load()).cassandra());
      case "send" -> SendToIngest.main(java.util.Arrays.copyOfRange(args, 1, args.length));
      case "alerts" -> PrintAlerts.main(java.util.Arrays.copyOfRange(args, 1, args.length));
      case "token" -> {
        try {
          System.out.println(TokenCommand.run(ConfigFactory.load("development"), List.of(args).subList(1, args.length)));
        } catch (IllegalArgumentException e) {
          System.err.println(e.getMessage());
          System.exit(64);
        }
      }
      case "ca" ->
          System.exit(CaCommand.run(List.of(args).subList(1, args.length), java.time.Clock.systemUTC(), System.out, System.err));
      case "log-vkey" -> System.exit(printLogVerifierKey(ConfigFactory.load()));
      case "verify" -> {
        if (args.length != 3) {
          usage();
        }
        System.exit(verify(ConfigFactory.load(), args[1], args[2]));
      }
      default -> usage();
    }
  }

  /**
   * Starts the embedded Cassandra and Kafka where configured, creates the schema and topics where
   * configured, then the node.
   */
  static MedtraceNode.Running runNode(Config configured) throws Exception {
    Config config = DevelopmentSelfWitnessing.configure(configured);
    NodeSettings settings = NodeSettings.from(config);
    Optional<CassandraLauncher> cassandra = startEmbeddedCassandra(settings);
    Optional<KafkaLauncher> kafka = startEmbeddedKafka(config);
    Config nodeConfig = withContactPoints(config, settings.cassandra().contactPoints());
    if (settings.cassandra().createSchema()) {
      createSchema(settings.cassandra());
    }
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "medtrace", nodeConfig);
    // The node's own servers go down after the node, which may still be writing until then.
    system.getWhenTerminated().thenRun(() -> {
      kafka.ifPresent(KafkaLauncher::stop);
      cassandra.ifPresent(CassandraLauncher::stop);
    });
    MedtraceNode.Running running = MedtraceNode.init(system, settings);
    ServerBinding http = running.httpBinding().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    log.info(
        "medtrace node {} is up: API on http://{}:{}/api/v1, journal {} on {}",
        system.address(),
        http.localAddress().getHostString(),
        http.localAddress().getPort(),
        settings.cassandra().journalKeyspace(),
        settings.cassandra().contactPoints());
    return running;
  }

  /** Starts the development Kafka when {@code medtrace.kafka.embedded} is on, and creates the node's topics. */
  private static Optional<KafkaLauncher> startEmbeddedKafka(Config config) throws Exception {
    KafkaSettings kafka = KafkaSettings.from(config);
    if (kafka.embedded().isEmpty()) {
      return Optional.empty();
    }
    KafkaSettings.EmbeddedKafka embedded = kafka.embedded().get();
    KafkaLauncher launcher = new KafkaLauncher(embedded.launcherSettings());
    log.info("Starting the development Kafka in {}", embedded.dataDir().toAbsolutePath());
    launcher.start();
    KafkaLauncher.createTopics(kafka.bootstrapServers(), NodeTopics.all(config), embedded.topicPartitions());
    return Optional.of(launcher);
  }

  private static Optional<CassandraLauncher> startEmbeddedCassandra(NodeSettings settings) throws Exception {
    if (settings.cassandra().embedded().isEmpty()) {
      return Optional.empty();
    }
    NodeSettings.EmbeddedCassandra embedded = settings.cassandra().embedded().get();
    CassandraLauncher launcher =
        new CassandraLauncher(
            CassandraLauncher.Settings.defaults(embedded.dataDir().toAbsolutePath(), embedded.classpathFile().toAbsolutePath())
                .withAddress(embedded.address())
                .withNativePort(embedded.cqlPort())
                .withStoragePort(embedded.storagePort()));
    log.info("Starting the development Cassandra in {}", embedded.dataDir().toAbsolutePath());
    launcher.start();
    return Optional.of(launcher);
  }

  private static void createSchema(NodeSettings.CassandraSettings cassandra) {
    try (CqlSession session = session(cassandra)) {
      CassandraSchema.create(
          session, cassandra.journalKeyspace(), cassandra.snapshotKeyspace(), cassandra.replicationFactor());
    }
    log.info(
        "Schema ready: keyspaces {} and {}, replication factor {}",
        cassandra.journalKeyspace(),
        cassandra.snapshotKeyspace(),
        cassandra.replicationFactor());
  }

  private static CqlSession session(NodeSettings.CassandraSettings cassandra) {
    return CassandraSchema.openAdminSession(
        cassandra.contactPoints().stream()
            .map(contactPoint -> {
              int colon = contactPoint.lastIndexOf(':');
              return InetSocketAddress.createUnresolved(
                  contactPoint.substring(0, colon), Integer.parseInt(contactPoint.substring(colon + 1)));
            })
            .toList());
  }

  /** The driver wants its contact points as a list; deployments give them as one variable. */
  private static Config withContactPoints(Config config, List<String> contactPoints) {
    return config.withValue("datastax-java-driver.basic.contact-points", ConfigValueFactory.fromIterable(contactPoints));
  }

  private static void printSchema(Config config) {
    NodeSettings.CassandraSettings cassandra = NodeSettings.from(config).cassandra();
    System.out.println(
        CassandraSchema.render(cassandra.journalKeyspace(), cassandra.snapshotKeyspace(), cassandra.replicationFactor()));
  }

  /**
   * Prints the verifier key (C2SP vkey) of the configured log key: what the CA certifies ({@code ca
   * certify --role log --vkey}) and what witnesses list in their trusted logs.
   */
  private static int printLogVerifierKey(Config config) {
    try {
      Optional<String> vkey = logVerifierKey(config);
      if (vkey.isEmpty()) {
        System.err.println(
            "no log key is configured: set MEDTRACE_LOG_KEY_FILE and MEDTRACE_LOG_PUBLIC_KEY_FILE (and MEDTRACE_LOG_NAME)");
        return 1;
      }
      System.out.println(vkey.get());
      return 0;
    } catch (RuntimeException e) {
      System.err.println("cannot read the log key: " + e.getMessage());
      return 1;
    }
  }

  /** The configured log key's verifier key, if a log key is configured. */
  static Optional<String> logVerifierKey(Config config) {
    return LogKey.load(GlobalLogSettings.from(config).signing()).map(signer -> signer.verifierKey().vkey());
  }

  private static int verify(Config config, String entityType, String entityId) {
    NodeSettings settings = NodeSettings.from(config);
    Config local =
        withContactPoints(config, settings.cassandra().contactPoints())
            .withValue("pekko.actor.provider", ConfigValueFactory.fromAnyRef("local"))
            .withValue("pekko.coordinated-shutdown.exit-jvm", ConfigValueFactory.fromAnyRef("off"));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "medtrace-verify", local);
    try {
      VerificationResult result =
          JournalChainVerifier.onCassandra(system, settings.trustedKeys())
              .verify(entityType, entityId)
              .toCompletableFuture()
              .get(Duration.ofMinutes(10).toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
      if (result instanceof VerificationResult.Intact intact) {
        if (intact.length() == 0) {
          System.out.printf("%s %s: no events recorded%n", entityType, entityId);
          return 2;
        }
        System.out.printf("%s %s: intact, %d events, head %s%n", entityType, entityId, intact.length(), intact.headHashHex());
        return 0;
      }
      VerificationResult.Broken broken = (VerificationResult.Broken) result;
      System.out.printf(
          "%s %s: BROKEN at #%d: %s (%s); events 1..%d verify%n",
          entityType, entityId, broken.sequenceNumber(), broken.reason(), broken.detail(), broken.intactLength());
      return 1;
    } catch (Exception e) {
      System.err.println("verification could not run: " + e);
      return 3;
    } finally {
      system.terminate();
    }
  }

  private static void usage() {
    System.err.println(
        "usage: bin/medtrace dev | node | schema | apply-schema | token --role R --org O --user U"
            + " | send [--sign SERIAL [--ca-dir DIR]] lab-result|epcis|temperatures|usage ... | alerts [--wait-for ALERT-ID]"
            + " | ca init|issue|issue-node|certify|policy|revoke|list ... | log-vkey"
            + " | verify <drug-batch|medical-device|patient-record|log-witness> <entity id>");
    System.exit(64);
  }
}
