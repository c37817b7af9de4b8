package org.medtrace.globallog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.actors.ledger.CommitFeed;
import org.medtrace.actors.ledger.LedgerSettings;
import org.medtrace.actors.ledger.Role;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.merkle.LogLeaf;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * A one-node cluster on the real Cassandra with the patient entity (whose records are the simplest
 * events to write, see {@link #withPatients}), for the global log's tests. The test class MUST use {@code
 * @ExtendWith(RealCassandra.class)} and a keyspace prefix of its own.
 */
final class LedgerNode implements AutoCloseable {

  static final ActingParty CLINICIAN = new ActingParty("st-mary", "dr-house", Role.CLINICIAN);

  final ActorTestKit testKit;
  final String journalKeyspace;

  private LedgerNode(ActorTestKit testKit, String journalKeyspace) {
    this.testKit = testKit;
    this.journalKeyspace = journalKeyspace;
  }

  static LedgerNode start(String prefix, Config overrides) {
    String journal = prefix + "_journal";
    String snapshot = prefix + "_snapshot";
    RealCassandra.createKeyspaces(journal, snapshot);
    Config config =
        overrides
            .withFallback(
                ConfigFactory.parseMap(Map.of("pekko.remote.artery.canonical.hostname", RealCassandra.ADDRESS)))
            .withFallback(
                ConfigFactory.parseString(
                    """
                    pekko.actor.provider = cluster
                    pekko.remote.artery.canonical.port = 0
                    pekko.coordinated-shutdown.exit-jvm = off
                    pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                    pekko.loglevel = INFO
                    pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                    pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                    pekko.persistence.cassandra.events-by-tag.eventual-consistency-delay = 1s
                    """))
            .withFallback(RealCassandra.pekkoConfig(journal, snapshot));
    // Loaded (not layered over ConfigFactory.load()), so that reference.conf's substitutions, such
    // as the log's copy of the Cassandra plugin settings, see these settings.
    config = ConfigFactory.load(config);
    ActorTestKit testKit = ActorTestKit.create(prefix, config);
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(new Join(cluster.selfMember().address()));
    testKit
        .createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(20),
            () -> {
              assertEquals(MemberStatus.up(), cluster.selfMember().status());
              return null;
            });
    return new LedgerNode(testKit, journal);
  }

  /**
   * Starts the patient entity, which hands what it stores to {@code feed}: the log's ({@link
   * GlobalLog#commitFeed}), or {@link CommitFeed#NONE} for tests without running writers.
   */
  LedgerNode withPatients(CommitFeed feed) {
    PatientRecord.init(testKit.system(), new LedgerSettings(Clock.systemUTC(), Optional.empty(), 100, 1000).withCommitFeed(feed));
    return this;
  }

  /** Anchors one record on {@code patient}'s chain (one event) and returns its sequence number. */
  long anchor(String patient, String recordId) {
    CommandResult result =
        ClusterSharding.get(testKit.system())
            .entityRefFor(PatientRecord.TYPE_KEY, patient)
            .<CommandResult>ask(
                replyTo ->
                    new PatientRecord.AnchorRecord(
                        recordId, "lab-result", "7e".repeat(32), "https://ehr.example/" + recordId, "ehr", "dr-house",
                        Map.of(), CLINICIAN, "", replyTo),
                Duration.ofSeconds(15))
            .toCompletableFuture()
            .join();
    return assertInstanceOf(CommandResult.Accepted.class, result, () -> "anchoring " + recordId + ": " + result).sequenceNumber();
  }

  /**
   * Anchors {@code 1 + p % spread} records on each of {@code patients} patients named {@code
   * prefix-p}; returns each patient's number of events, in order.
   */
  Map<String, Integer> anchorOnPatients(String prefix, int patients, int spread) {
    Map<String, Integer> events = new LinkedHashMap<>();
    for (int p = 0; p < patients; p++) {
      String patient = prefix + "-" + p;
      for (int r = 1; r <= 1 + p % spread; r++) {
        anchor(patient, "r-" + r);
      }
      events.put(patient, 1 + p % spread);
    }
    return events;
  }

  /**
   * Asserts that the log holds each patient's events, in its slice, each at a leaf of its own;
   * returns their positions.
   */
  static Set<LogTables.Position> assertInTheLogOnce(LogTables tables, Map<String, Integer> events) {
    Set<LogTables.Position> positions = new HashSet<>();
    events.forEach(
        (patient, count) -> {
          List<LogTables.Position> held = tables.positions(PatientRecord.ENTITY_TYPE, patient);
          assertEquals(count, held.size(), patient);
          int slice = LogLeaf.sliceOf(PatientRecord.ENTITY_TYPE, patient);
          held.forEach(position -> assertEquals(slice, position.slice()));
          positions.addAll(held);
        });
    assertEquals(events.values().stream().mapToInt(Integer::intValue).sum(), positions.size(), "two events share a leaf");
    return positions;
  }

  void awaitAssert(Duration max, Runnable assertion) {
    testKit
        .createTestProbe()
        .awaitAssert(
            max,
            Duration.ofMillis(300),
            () -> {
              assertion.run();
              return null;
            });
  }

  @Override
  public void close() {
    testKit.shutdownTestKit();
  }
}
