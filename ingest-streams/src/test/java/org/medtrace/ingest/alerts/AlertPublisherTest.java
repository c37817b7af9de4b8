package org.medtrace.ingest.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.google.protobuf.InvalidProtocolBufferException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.batch.BatchId;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.actors.ledger.LedgerSettings;
import org.medtrace.actors.ledger.Role;
import org.medtrace.ingest.kafka.RealKafka;
import org.medtrace.ingest.v1.Alert;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * The alert publisher against a real Cassandra and a real Kafka, on a one-node sharded cluster
 * running the drug batch entity: a broken cold chain becomes exactly one alert on the topic, and
 * stopping and starting the publisher (also on a restarted node) loses no alert and repeats none.
 *
 * <p>Every test publishes to its own topic under its own publisher id, so each starts from the
 * beginning of the tag and also republishes other tests' alerts: assertions look at their own
 * batches' alerts, and at the absence of duplicates among all.
 */
@ExtendWith({RealCassandra.class, RealKafka.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AlertPublisherTest {

  private static final String JOURNAL_KEYSPACE = "alerts_it_journal";
  private static final String SNAPSHOT_KEYSPACE = "alerts_it_snapshot";
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(15);
  /** Tagged events become visible to queries after the eventual-consistency delay and a poll. */
  private static final Duration ALERT_VISIBLE_WITHIN = Duration.ofSeconds(60);

  private static final String QC = "5a".repeat(32);
  private static final ActingParty MANUFACTURER = party(Role.MANUFACTURER, "acme-pharma");
  private static final ActingParty CARRIER = party(Role.LOGISTICS, "cold-logistics");

  private ActorTestKit node;
  private int lots;

  @BeforeAll
  void startNode() {
    RealCassandra.createKeyspaces(JOURNAL_KEYSPACE, SNAPSHOT_KEYSPACE);
    node = startedNode();
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.shutdownTestKit();
    }
  }

  @Test
  void brokenColdChainBecomesExactlyOneAlertKeyedByTheBatch() throws Exception {
    String topic = newTopic();
    AlertPublisherSettings settings = settings(topic);
    AlertPublisher.Control publisher = AlertPublisher.run(node.system(), settings);

    String batch = batchWithBrokenColdChain();
    String alertId = "drug-batch/" + batch + "/6";
    awaitAlerts(topic, List.of(alertId));
    publisher.stop().toCompletableFuture().get();

    // Stopped and drained: what is on the topic now is all the publisher sent.
    List<ConsumerRecord<String, byte[]>> records =
        RealKafka.readAll(topic).stream().filter(r -> r.key().equals(batch)).toList();
    assertEquals(1, records.size(), () -> "records for " + batch + ": " + records);
    Alert alert = Alert.parseFrom(records.get(0).value());
    DrugBatch.State state = ask(batch, DrugBatch.Get::new);
    assertEquals(alertId, alert.getAlertId());
    assertEquals(DrugBatch.ENTITY_TYPE, alert.getEntityType());
    assertEquals(batch, alert.getEntityId());
    assertEquals(6, alert.getSequenceNumber());
    assertEquals("COLD_CHAIN_QUARANTINED", alert.getKind());
    assertEquals(state.head().hashHex(), alert.getEventHashHex());
    assertEquals(EventBody.EventCase.COLD_CHAIN_QUARANTINED, alert.getEvent().getEventCase());
    assertEquals(3, alert.getEvent().getColdChainQuarantined().getOffendingReadingsCount());
    assertEquals(alert.getEvent().getRecordedAt(), alert.getRecordedAt());
    assertTrue(alert.getSummary().contains(batch + " quarantined: 3 consecutive readings"), alert.getSummary());
    assertNoDuplicates(topic);
    assertEquals(alertId, storedLastAlertId(settings.publisherId()));
  }

  @Test
  void stoppingAndStartingAgainEvenOnARestartedNodeLosesNoAlertAndRepeatsNone() throws Exception {
    String topic = newTopic();
    AlertPublisherSettings settings = settings(topic);

    AlertPublisher.Control first = AlertPublisher.run(node.system(), settings);
    String beforeStop = batchWithBrokenColdChain();
    awaitAlerts(topic, List.of(alertId(beforeStop)));
    first.stop().toCompletableFuture().get();

    // Written while no publisher runs: the next one must pick it up from the stored offset.
    String whileStopped = batchWithBrokenColdChain();
    AlertPublisher.Control second = AlertPublisher.run(node.system(), settings);
    awaitAlerts(topic, List.of(alertId(beforeStop), alertId(whileStopped)));
    second.stop().toCompletableFuture().get();

    // A new node (a new actor system) resumes from the offset stored in Cassandra.
    String whileNodeDown = batchWithBrokenColdChain();
    node.shutdownTestKit();
    node = startedNode();
    AlertPublisher.Control third = AlertPublisher.run(node.system(), settings);
    String afterRestart = batchWithBrokenColdChain();
    List<String> expected =
        List.of(alertId(beforeStop), alertId(whileStopped), alertId(whileNodeDown), alertId(afterRestart));
    awaitAlerts(topic, expected);
    third.stop().toCompletableFuture().get();

    assertNoDuplicates(topic);
    assertEquals(alertId(afterRestart), storedLastAlertId(settings.publisherId()));
  }

  @Test
  void failureToPublishRestartsTheStreamUntilKafkaTakesTheAlert() throws Exception {
    // Not created yet, and the broker does not create topics on first use: every send fails.
    String topic = "alerts-it-late-" + UUID.randomUUID();
    AlertPublisherSettings settings =
        AlertPublisherSettings.from(
                ConfigFactory.parseString("medtrace.alerts.producer.kafka-clients.max.block.ms = 1000")
                    .withFallback(node.system().settings().config()))
            .withTopic(topic)
            .withPublisherId("it-" + UUID.randomUUID());
    String batch = batchWithBrokenColdChain();

    AlertPublisher.Control publisher =
        LoggingTestKit.warn("Restarting stream due to failure")
            .expect(node.system(), () -> AlertPublisher.run(node.system(), settings));
    RealKafka.createTopics(List.of(topic), 3);

    awaitAlerts(topic, List.of(alertId(batch)));
    publisher.stop().toCompletableFuture().get();
    assertNoDuplicates(topic);
  }

  @Test
  void daemonRunsThePublisherInTheCluster() {
    String topic = newTopic();
    AlertPublisher.init(node.system(), settings(topic));

    String batch = batchWithBrokenColdChain();

    awaitAlerts(topic, List.of(alertId(batch)));
  }

  // ---- the node ----

  /** A one-node cluster with the drug batch entity, on the test Cassandra, publishing to the test Kafka. */
  private static ActorTestKit startedNode() {
    Config config =
        ConfigFactory.parseString(
                """
                pekko.actor.provider = cluster
                pekko.remote.artery.canonical.port = 0
                pekko.coordinated-shutdown.exit-jvm = off
                # A test may start a second node (a restart) in this JVM.
                pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                # One writer on one node: no clock skew between writers to wait out.
                pekko.persistence.cassandra.events-by-tag.eventual-consistency-delay = 1s
                # How long LoggingTestKit waits for an expected log line (a restart after a failure).
                pekko.actor.testkit.typed.filter-leeway = 60s
                """)
            .withValue(
                "medtrace.kafka.bootstrap-servers",
                ConfigValueFactory.fromAnyRef(RealKafka.bootstrapServers()))
            .withFallback(RealCassandra.pekkoConfig(JOURNAL_KEYSPACE, SNAPSHOT_KEYSPACE))
            .withFallback(ConfigFactory.load())
            .resolve();
    ActorTestKit testKit = ActorTestKit.create("AlertPublisherTest", config);
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(new Join(cluster.selfMember().address()));
    DrugBatch.init(testKit.system(), LedgerSettings.defaults(), DrugBatch.Rules.defaults());
    testKit
        .createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(20),
            () -> {
              assertEquals(MemberStatus.up(), cluster.selfMember().status());
              return null;
            });
    return testKit;
  }

  private AlertPublisherSettings settings(String topic) {
    return AlertPublisherSettings.from(node.system().settings().config())
        .withTopic(topic)
        .withPublisherId("it-" + UUID.randomUUID());
  }

  private static String newTopic() {
    String topic = "alerts-it-" + UUID.randomUUID();
    RealKafka.createTopics(List.of(topic), 3);
    return topic;
  }

  // ---- the ledger ----

  /** Registration, shipment and three readings above 8 °C: the third quarantines the batch (event 6). */
  private String batchWithBrokenColdChain() {
    String id = new BatchId("09506000134352", "AL" + (++lots) + "-" + UUID.randomUUID().toString().substring(0, 8)).entityId();
    accepted(ask(id, r -> new DrugBatch.Register("Influenza vaccine", LocalDate.now().plusYears(1), 50, QC, DrugBatch.TemperatureRange.COLD_CHAIN, List.of(), MANUFACTURER, "", r)));
    accepted(ask(id, r -> new DrugBatch.Ship("SH-" + lots, "acme-pharma", "st-mary", "cold-logistics", MANUFACTURER, "", r)));
    for (double celsius : new double[] {9.5, 10.0, 11.2}) {
      accepted(ask(id, r -> new DrugBatch.RecordTemperature("sensor-1", Instant.now(), celsius, CARRIER, "", r)));
    }
    assertEquals(DrugBatch.Status.QUARANTINED, ask(id, DrugBatch.Get::new).status());
    return id;
  }

  private static String alertId(String batch) {
    return AlertEvents.alertId(DrugBatch.ENTITY_TYPE, batch, 6);
  }

  private <R> R ask(String entityId, Function<ActorRef<R>, DrugBatch.Command> command) {
    return ClusterSharding.get(node.system())
        .entityRefFor(DrugBatch.TYPE_KEY, entityId)
        .<R>ask(command::apply, ASK_TIMEOUT)
        .toCompletableFuture()
        .join();
  }

  private static void accepted(CommandResult result) {
    assertInstanceOf(CommandResult.Accepted.class, result, result::toString);
  }

  private static ActingParty party(Role role, String organisation) {
    return new ActingParty(organisation, role.wireName() + "@" + organisation, role);
  }

  // ---- the topic and the offset table ----

  /** Waits until each of these alert ids is on the topic. */
  private void awaitAlerts(String topic, List<String> alertIds) {
    node.createTestProbe()
        .awaitAssert(
            ALERT_VISIBLE_WITHIN,
            Duration.ofSeconds(1),
            () -> {
              List<String> published = alertIds(topic);
              assertTrue(published.containsAll(alertIds), () -> "expected " + alertIds + " among " + published);
              return null;
            });
  }

  private static void assertNoDuplicates(String topic) {
    Map<String, Long> counts =
        alertIds(topic).stream().collect(Collectors.groupingBy(id -> id, Collectors.counting()));
    Map<String, Long> repeated =
        counts.entrySet().stream()
            .filter(entry -> entry.getValue() > 1)
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    assertEquals(Map.of(), repeated, "alerts published more than once");
  }

  private static List<String> alertIds(String topic) {
    return RealKafka.readAll(topic).stream().map(AlertPublisherTest::parse).map(Alert::getAlertId).toList();
  }

  private static Alert parse(ConsumerRecord<String, byte[]> record) {
    try {
      Alert alert = Alert.parseFrom(record.value());
      assertEquals(alert.getEntityId(), record.key(), "record key");
      return alert;
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("not an Alert at offset " + record.offset() + " of " + record.topic(), e);
    }
  }

  private static String storedLastAlertId(String publisherId) {
    Row row =
        RealCassandra.session()
            .execute(
                SimpleStatement.newInstance(
                    "SELECT last_alert_id FROM " + JOURNAL_KEYSPACE + ".alert_publisher_offsets WHERE publisher_id = ?",
                    publisherId))
            .one();
    return row == null ? null : row.getString("last_alert_id");
  }
}
