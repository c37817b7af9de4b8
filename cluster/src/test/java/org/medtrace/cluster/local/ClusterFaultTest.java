package org.medtrace.cluster.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.medtrace.cluster.local.LoadClient.FailureKind;
import org.medtrace.forked.PerJvmServer;
import org.medtrace.persistence.cassandra.CassandraSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Faults under load on one local three-node cluster (three Cassandra nodes with replication factor
 * 3 and QUORUM, one Kafka, three medtrace node JVMs formed by Cluster Bootstrap), started through
 * {@link LocalCluster} as {@code bin/medtrace-cluster up} starts it and shared by the scenarios. Each
 * scenario writes to entities of its own with a {@link LoadClient}, injects its fault, lets the
 * load run on, heals the cluster, then judges the journal at QUORUM with {@link JournalAudit} and
 * prints its figures. Each leaves the cluster healthy for the next.
 *
 * <p>The processes listen on the addresses of {@value #ADDRESSES_PROPERTY} (default 127.0.0.1,
 * 127.0.0.2, 127.0.0.3; node N and Cassandra node N on the N-th), on ports no other fixture uses.
 */
@Tag("fault")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultTest {

  static final String ADDRESSES_PROPERTY = "medtrace.test.fault-cluster-addresses";
  static final String LOAD_INTERVAL_PROPERTY = "medtrace.test.fault-load-interval-ms";

  private static final Logger log = LoggerFactory.getLogger(ClusterFaultTest.class);

  /** Not those of the single-node fixtures (19042/17000, 19092), bin/medtrace dev or bin/medtrace-cluster. */
  private static final int CQL_PORT = 29142;
  private static final int STORAGE_PORT = 27100;
  private static final int KAFKA_CLIENT_PORT = 29192;
  private static final int KAFKA_CONTROLLER_PORT = 29193;
  /** Advertised remoting port: {@link RemotingPartition}'s relay listens there and forwards to {@link #REMOTE_BIND_PORT}. */
  private static final int REMOTE_PORT = 25530;
  private static final int REMOTE_BIND_PORT = 25630;
  private static final int MANAGEMENT_PORT = 28558;
  private static final int HTTP_PORT = 28080;

  private static final int ENTITIES_PER_TYPE = 8;
  /**
   * One worker per entity: an entity whose node died must not hold up the commands to the others
   * (its worker waits for its answer, as a real client waits for its own request).
   */
  private static final int WORKERS = 3 * ENTITIES_PER_TYPE;
  /**
   * Between the starts of two commands of one worker. Paced, the load keeps every entity busy while
   * leaving the two cores room to restart a JVM: as fast as answered, a restarted Cassandra node
   * took minutes to start (seconds with no load).
   */
  private static final Duration COMMAND_INTERVAL = Duration.ofMillis(Long.getLong(LOAD_INTERVAL_PROPERTY, 2000));
  private static final Duration WARM_UP = Duration.ofSeconds(10);
  /** The load runs this long without a failed request before a scenario counts it as recovered. */
  private static final Duration STEADY = Duration.ofSeconds(8);
  private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration DRAIN = Duration.ofSeconds(90);
  private static final Duration OUTAGE = Duration.ofSeconds(35);

  private LocalCluster cluster;
  private CqlSession session;
  private JournalAudit audit;
  private RemotingPartition partition;
  private final String runId = Long.toString(System.currentTimeMillis() % 1_000_000, 36).toUpperCase(Locale.ROOT);

  @BeforeAll
  void startCluster() throws Exception {
    List<String> addresses = List.of(System.getProperty(ADDRESSES_PROPERTY, "127.0.0.1,127.0.0.2,127.0.0.3").split(","));
    // The audit's driver warns about every node the scenarios take down.
    LocalCluster.quietenDriverWarnings();
    Path dataDirectory = Path.of(System.getProperty("medtrace.test.work-dir", "target/test-work"), "fault-cluster").toAbsolutePath();
    Config config = clusterConfig(addresses, dataDirectory);
    cluster = new LocalCluster(config, nodeClasspath());
    partition = new RemotingPartition(cluster.layout().nodes());
    // A cluster left running by an aborted run holds the ports: stopped through its PID files first.
    cluster.stopAll();
    PerJvmServer.deleteRecursively(dataDirectory);
    // An aborted run must not leave the node JVMs behind (the launchers stop Cassandra and Kafka).
    Runtime.getRuntime().addShutdownHook(new Thread(cluster::stopAll, "stop-fault-cluster"));
    try {
      cluster.start(line -> log.info("{}", line));
    } catch (Exception e) {
      cluster.stopAll();
      throw e;
    }
    session =
        CassandraSchema.openAdminSession(
            addresses.stream().map(address -> InetSocketAddress.createUnresolved(address, CQL_PORT)).toList());
    audit = new JournalAudit(session, config.getString("medtrace.cassandra.journal-keyspace"));
  }

  @AfterAll
  void stopCluster() {
    if (session != null) {
      session.close();
    }
    if (cluster != null) {
      cluster.stopAll();
    }
    if (partition != null) {
      partition.close();
    }
  }

  @Test
  @Order(1)
  void killingAMedtraceNodeMovesItsShardsAndLosesNothing() throws Exception {
    LocalClusterLayout.Node victim = cluster.layout().nodes().get(0);
    try (LoadClient load = warmLoad("K")) {
      long faultAt = System.nanoTime();
      kill(cluster.pid(victim.name()));
      awaitSteady(load, faultAt);
      load.stop(DRAIN);
      ScenarioFigures figures = judge("kill -9 medtrace " + victim.name() + " under load", load, faultAt);

      assertNothingLostOrDoubled(figures);
      assertTrue(figures.acknowledgedAfterFault() > 0, "the load continued after the kill");
      assertEquals(0, figures.failures(FailureKind.OTHER), "only retryable failures (503, timeout, connection)");
    } finally {
      cluster.startNode(victim);
      cluster.awaitReady(victim);
    }
  }

  @Test
  @Order(2)
  void killingACassandraNodeKeepsQuorumWritesAndItCatchesUp() throws Exception {
    try (LoadClient load = warmLoad("C")) {
      long faultAt = System.nanoTime();
      kill(cluster.pid("cassandra-3"));
      awaitSteady(load, faultAt);
      long restartAt = System.nanoTime();
      cluster.startCassandra(3);
      log.info("cassandra-3 restarted in {} s", (System.nanoTime() - restartAt) / 1_000_000_000);
      awaitSteady(load, restartAt);
      load.stop(DRAIN);
      ScenarioFigures figures = judge("kill -9 Cassandra node 3 under load, then restart it", load, faultAt);

      assertNothingLostOrDoubled(figures);
      assertTrue(figures.acknowledgedAfterFault() > 0, "QUORUM writes kept succeeding");
      assertEquals(0, figures.failures(FailureKind.OTHER));
      // With all three replicas back, a read at ALL needs the restarted node too: it has caught up.
      JournalAudit.Result atAll = auditAtAll(load);
      log.info("read at ALL after the restart: {} events, lost {}, doubled {}, chains verified {}",
          atAll.eventsFound(), atAll.lost(), atAll.doubled(), atAll.chainsVerified());
      assertEquals(figures.journal().eventsFound(), atAll.eventsFound());
      assertEquals(0, atAll.lost());
    } finally {
      restartDeadCassandraNodes();
    }
  }

  @Test
  @Order(3)
  void twoCassandraNodesDownAnswer503AndServiceResumesByItself() throws Exception {
    try (LoadClient load = warmLoad("Q")) {
      long faultAt = System.nanoTime();
      kill(cluster.pid("cassandra-2"));
      kill(cluster.pid("cassandra-3"));
      // Longer than the API's ask timeout (15 s) and the Retry-After (5 s) together, so that every
      // worker has had an answer for a command sent during the outage.
      Thread.sleep(OUTAGE.toMillis());
      long outageEnd = System.nanoTime();
      long acknowledgedDuringOutage =
          load.acknowledgments().stream().filter(ack -> ack.atNanos() > faultAt + 5_000_000_000L && ack.atNanos() < outageEnd).count();
      List<LoadClient.Failure> outageFailures =
          load.failures().stream().filter(failure -> failure.atNanos() >= faultAt && failure.atNanos() < outageEnd).toList();
      long restartAt = System.nanoTime();
      cluster.startCassandra(2);
      long cassandraBack = System.nanoTime();
      awaitSteady(load, cassandraBack);
      long resumedAfter = load.acknowledgments().stream().mapToLong(LoadClient.Acknowledgment::atNanos)
          .filter(at -> at >= cassandraBack).min().orElse(Long.MAX_VALUE) - cassandraBack;
      cluster.startCassandra(3);
      load.stop(DRAIN);
      ScenarioFigures figures = judge("two of three Cassandra nodes down under load, then back", load, faultAt);
      double medianFailureSeconds = outageFailures.stream().mapToLong(LoadClient.Failure::tookNanos).sorted()
          .skip(outageFailures.size() / 2).findFirst().orElse(0) / 1e9;
      System.out.printf(Locale.ROOT,
          "during the outage (%d s): %d failed requests (%d of them 503), median answer %.2f s, %d commands acknowledged from 5 s into it;"
              + " Cassandra node 2 took %.1f s to restart, the first command was acknowledged %.1f s after it answered%n",
          OUTAGE.toSeconds(),
          outageFailures.size(),
          outageFailures.stream().filter(failure -> failure.kind() == FailureKind.UNAVAILABLE_503).count(),
          medianFailureSeconds,
          acknowledgedDuringOutage,
          (cassandraBack - restartAt) / 1e9,
          resumedAfter / 1e9);

      assertNothingLostOrDoubled(figures);
      assertTrue(outageFailures.stream().anyMatch(failure -> failure.kind() == FailureKind.UNAVAILABLE_503), "503s during the outage");
      assertTrue(outageFailures.stream().allMatch(failure -> failure.kind() != FailureKind.OTHER), "only retryable failures during the outage");
      assertTrue(outageFailures.stream().filter(failure -> failure.kind() == FailureKind.UNAVAILABLE_503)
          .allMatch(failure -> !failure.detail().endsWith("(none)")), "every 503 carries Retry-After");
      assertEquals(0, acknowledgedDuringOutage, "nothing acknowledged without a quorum of replicas");
      assertTrue(resumedAfter < RECOVERY_TIMEOUT.toNanos(), "the service resumed by itself");
      assertEquals(0, figures.failures(FailureKind.OTHER));
    } finally {
      restartDeadCassandraNodes();
    }
  }

  @Test
  @Order(4)
  void rollingRestartOfTheMedtraceNodesLosesNothing() throws Exception {
    try (LoadClient load = warmLoad("R")) {
      long faultAt = System.nanoTime();
      List<LocalClusterLayout.Node> nodes = cluster.layout().nodes();
      // Nodes 3, 2, 1: each waits for the one before it to be ready again (a real rolling upgrade).
      for (LocalClusterLayout.Node node : IntStream.range(0, nodes.size()).mapToObj(i -> nodes.get(nodes.size() - 1 - i)).toList()) {
        long stopAt = System.nanoTime();
        cluster.stopNode(node);
        cluster.startNode(node);
        cluster.awaitReady(node);
        log.info("{} restarted and ready in {} s", node.name(), (System.nanoTime() - stopAt) / 1_000_000_000);
      }
      awaitSteady(load, faultAt);
      load.stop(DRAIN);
      ScenarioFigures figures = judge("rolling restart of the three medtrace nodes under load", load, faultAt);

      assertNothingLostOrDoubled(figures);
      assertEquals(0, figures.failures(FailureKind.OTHER), "no failures beyond retryable ones");
      assertEquals(0, figures.commandsGivenUp(), "every command acknowledged in the end");
    }
  }

  /**
   * A network partition of one medtrace node without root rights: {@link RemotingPartition} cuts
   * node 3's remoting connections both ways and refuses new ones, while node 3 keeps running and
   * keeps its HTTP API. Past the split-brain resolver's stable-after, the two others (the majority)
   * down it and go on serving; node 3, seeing itself in the minority, downs itself and its JVM exits
   * (coordinated shutdown) while the partition still holds. Its entities moved to the majority
   * meanwhile: whatever node 3 still had in its mailboxes must not fork a chain or store a command
   * twice (the audit reads two rows at one sequence number as a fork).
   */
  @Test
  @Order(5)
  void aPartitionedMedtraceNodeDownsItselfAndTheMajorityServesWithoutForks() throws Exception {
    LocalClusterLayout.Node minority = cluster.layout().nodes().get(2);
    LocalClusterLayout.Node majority = cluster.layout().nodes().get(0);
    long pid = cluster.pid(minority.name());
    try (LoadClient load = warmLoad("P")) {
      long faultAt = System.nanoTime();
      partition.isolate(minority.host());
      boolean downed = awaitNotMember(majority, minority, RECOVERY_TIMEOUT);
      long downedAfter = System.nanoTime() - faultAt;
      boolean exited = ProcessHandle.of(pid).map(process -> {
        try {
          process.onExit().get(RECOVERY_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
          return true;
        } catch (Exception e) {
          return false;
        }
      }).orElse(true);
      long exitedAfter = System.nanoTime() - faultAt;
      // The majority served alone: commands acknowledged after node 3 was gone.
      long exitedAt = faultAt + exitedAfter;
      awaitSteady(load, exitedAt);
      long acknowledgedByTheMajority = load.acknowledgedSince(exitedAt);
      partition.heal();
      load.stop(DRAIN);
      ScenarioFigures figures = judge("remoting of medtrace " + minority.name() + " cut off (both ways) past the split-brain resolver's decision", load, faultAt);
      System.out.printf(Locale.ROOT,
          "%s: left the majority's membership %.1f s after the cut; %s; %d commands acknowledged by nodes 1 and 2 after that%n",
          minority.name(), downedAfter / 1e9,
          exited ? String.format(Locale.ROOT, "downed itself and exited %.1f s after the cut, still partitioned", exitedAfter / 1e9)
              : "was still running " + RECOVERY_TIMEOUT.toSeconds() + " s later",
          acknowledgedByTheMajority);

      assertTrue(downed, "the majority downed and removed the partitioned node");
      assertTrue(exited, "the partitioned node downed itself and stopped");
      assertTrue(acknowledgedByTheMajority > 0, "the majority kept serving");
      assertNothingLostOrDoubled(figures);
      assertEquals(0, figures.failures(FailureKind.OTHER));
    } finally {
      partition.heal();
      if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        kill(pid);
      }
      cluster.startNode(minority);
      cluster.awaitReady(minority);
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** Whether {@code observer}'s view of the cluster loses {@code node} (downed and removed) within {@code timeout}. */
  private static boolean awaitNotMember(LocalClusterLayout.Node observer, LocalClusterLayout.Node node, Duration timeout)
      throws InterruptedException {
    String address = "@" + node.host() + ":" + node.remotePort();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() - deadline < 0) {
      java.util.Optional<String> members = NodeProcess.get(observer.managementUrl() + "/cluster/members");
      if (members.isPresent() && !members.get().contains(address)) {
        return true;
      }
      Thread.sleep(1000);
    }
    return false;
  }

  /**
   * Starts a load on entities of the scenario's own and returns once it flows: {@link #WARM_UP} has
   * passed and every one of its entities has had a command acknowledged, so the fault meets a steady
   * load on entities that exist (a cluster just started answered none of the first scenario's
   * commands in 10 s once).
   */
  private LoadClient warmLoad(String scenario) throws InterruptedException {
    LoadClient load = new LoadClient(cluster.layout().nodes(), cluster.tokenIssuer(), scenario + runId, WORKERS, ENTITIES_PER_TYPE, COMMAND_INTERVAL);
    load.start();
    long started = System.nanoTime();
    Thread.sleep(WARM_UP.toMillis());
    while (entitiesAcknowledged(load) < load.entities().size()) {
      if (System.nanoTime() - started > RECOVERY_TIMEOUT.toNanos()) {
        load.close();
        throw new AssertionError("only " + entitiesAcknowledged(load) + " of the load's " + load.entities().size()
            + " entities had a command acknowledged within " + RECOVERY_TIMEOUT.toSeconds() + " s of its start");
      }
      Thread.sleep(500);
    }
    log.info("{}: load flowing after {} s", scenario, (System.nanoTime() - started) / 1_000_000_000);
    return load;
  }

  private static long entitiesAcknowledged(LoadClient load) {
    return load.acknowledgments().stream().map(LoadClient.Acknowledgment::entity).distinct().count();
  }

  private ScenarioFigures judge(String scenario, LoadClient load, long faultAt) {
    JournalAudit.Result journal = audit.audit(load.entities(), load.acknowledgments(), ConsistencyLevel.QUORUM);
    ScenarioFigures figures = ScenarioFigures.of(scenario, load, journal, faultAt);
    System.out.println(figures.render());
    return figures;
  }

  private static void assertNothingLostOrDoubled(ScenarioFigures figures) {
    assertEquals(0, figures.journal().lost(), "acknowledged but not in the journal: " + figures.journal().problems());
    assertEquals(0, figures.journal().doubled(), "doubled: " + figures.journal().problems());
    assertEquals(0, figures.journal().chainsBroken(), "broken chains: " + figures.journal().problems());
    assertEquals(figures.journal().entities(), figures.journal().chainsVerified());
  }

  /**
   * Waits until the load has run {@link #STEADY} without a failed request after {@code since}, with
   * acknowledgments in that time; fails after {@link #RECOVERY_TIMEOUT}.
   */
  private static void awaitSteady(LoadClient load, long since) throws InterruptedException {
    long deadline = System.nanoTime() + RECOVERY_TIMEOUT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      long now = System.nanoTime();
      long windowStart = now - STEADY.toNanos();
      boolean failedLately =
          load.failures().stream().anyMatch(failure -> failure.atNanos() + failure.tookNanos() >= windowStart);
      if (windowStart >= since && !failedLately && load.acknowledgedSince(windowStart) > 0) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("the load did not run without failures for " + STEADY.toSeconds() + " s within "
        + RECOVERY_TIMEOUT.toSeconds() + " s");
  }

  /**
   * Reads at ALL. The restarted node is busy replaying its commit log and taking hints: a read it
   * does not answer in time is asked again, a few times (a timeout is no answer, not a wrong one).
   */
  private JournalAudit.Result auditAtAll(LoadClient load) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        return audit.audit(load.entities(), load.acknowledgments(), ConsistencyLevel.ALL);
      } catch (com.datastax.oss.driver.api.core.DriverTimeoutException
          | com.datastax.oss.driver.api.core.servererrors.ReadTimeoutException
          | com.datastax.oss.driver.api.core.servererrors.UnavailableException notYet) {
        if (attempt == 6) {
          throw notYet;
        }
        log.info("read at ALL not answered yet ({}); again in 10 s", notYet.getMessage());
        Thread.sleep(10_000);
      }
    }
  }

  /** Leaves the cluster healthy for the next scenario when one failed half-way. */
  private void restartDeadCassandraNodes() throws IOException, InterruptedException {
    for (int number = 1; number <= cluster.layout().cassandraAddresses().size(); number++) {
      if (!ProcessHandle.of(cluster.pid("cassandra-" + number)).map(ProcessHandle::isAlive).orElse(false)) {
        cluster.startCassandra(number);
      }
    }
  }

  private static void kill(long pid) {
    log.info("kill -9 {}", pid);
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
  }

  private static Config clusterConfig(List<String> addresses, Path dataDirectory) {
    String nodes =
        IntStream.range(0, addresses.size())
            .mapToObj(i -> "{ host = \"%s\", remote-port = %d, remote-bind-port = %d, management-port = %d, http-port = %d }"
                .formatted(addresses.get(i), REMOTE_PORT, REMOTE_BIND_PORT, MANAGEMENT_PORT, HTTP_PORT))
            .collect(Collectors.joining("\n"));
    String quoted = addresses.stream().map(address -> '"' + address + '"').collect(Collectors.joining(", "));
    return ConfigFactory.parseString(
            """
            medtrace.local-cluster {
              data-dir = "%s"
              cassandra {
                addresses = [%s]
                cql-port = %d
                storage-port = %d
                cluster-name = "medtrace-faults"
                classpath-file = "%s"
              }
              kafka {
                address = "%s"
                client-port = %d
                controller-port = %d
                classpath-file = "%s"
              }
              nodes = [
              %s
              ]
            }
            """
                .formatted(
                    dataDirectory,
                    quoted,
                    CQL_PORT,
                    STORAGE_PORT,
                    System.getProperty("medtrace.cassandra.classpath-file"),
                    addresses.get(0),
                    KAFKA_CLIENT_PORT,
                    KAFKA_CONTROLLER_PORT,
                    System.getProperty("medtrace.kafka.classpath-file"),
                    nodes))
        .withFallback(ConfigFactory.load("local-cluster"))
        .resolve();
  }

  /** The node's own classpath, as bin/medtrace-cluster runs it: this module's classes and runtime dependencies. */
  private static String nodeClasspath() throws IOException {
    Path target = Path.of("target").toAbsolutePath();
    return target.resolve("classes") + File.pathSeparator + Files.readString(target.resolve("node.classpath")).trim();
  }

}
