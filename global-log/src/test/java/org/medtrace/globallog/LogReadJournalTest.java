package org.medtrace.globallog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * The log's own read journal ({@code medtrace.global-log.read-journal}): the node's settings with
 * the log's back-track, and the slice tags read through it deliver every event by themselves (the
 * reconciler runs once, at start, before any event is written).
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogReadJournalTest {

  private LedgerNode node;
  private LogTables tables;

  @BeforeAll
  void start() {
    // The reconciler's first pass runs at start, before any event; the next in an hour.
    node = LedgerNode.start("logjournaltest", ConfigFactory.parseMap(Map.of("medtrace.global-log.reconcile-interval", "1h")));
    GlobalLog log = GlobalLog.init(node.testKit.system(), GlobalLogSettings.from(node.testKit.system().settings().config()), Clock.systemUTC());
    tables = log.tables();
  }

  @AfterAll
  void stop() {
    node.close();
  }

  @Test
  void theLogReadsThroughItsOwnPluginWithTheNodesKeyspaceAndItsOwnBackTrack() {
    Config config = node.testKit.system().settings().config();
    EntityJournal journal = new EntityJournal(node.testKit.system(), Duration.ofSeconds(30));
    assertEquals(EntityJournal.LOG_PLUGIN + ".query", journal.readJournalPluginId());
    Config own = config.getConfig(EntityJournal.LOG_PLUGIN);
    assertEquals(node.journalKeyspace, own.getString("journal.keyspace"));
    assertEquals(config.getString("pekko.persistence.cassandra.events-by-tag.first-time-bucket"), own.getString("events-by-tag.first-time-bucket"));
    assertEquals("off", own.getString("events-by-tag.back-track.interval"));
    // The plugin-wide setting, which the alert publisher's queries use, is left as it was.
    assertEquals(Duration.ofSeconds(1), config.getDuration("pekko.persistence.cassandra.events-by-tag.back-track.interval"));
  }

  @Test
  void theSliceTagsAloneBringEveryEventIntoTheLogExactlyOnce() {
    Map<String, Integer> events = node.anchorOnPatients("pk-tagged", 16, 3);
    node.awaitAssert(Duration.ofSeconds(30), () -> LedgerNode.assertInTheLogOnce(tables, events));
  }

  @Test
  void aConfigurationLoadedWithTheNodesSettingsGetsTheLogsOwnReadJournal() {
    Config loaded = ConfigFactory.load(ConfigFactory.parseString("pekko.persistence.cassandra.journal.keyspace = loaded_journal"));
    assertEquals(EntityJournal.LOG_PLUGIN + ".query", EntityJournal.readJournalPluginId(loaded));
    assertEquals("loaded_journal", loaded.getString(EntityJournal.LOG_PLUGIN + ".journal.keyspace"));
  }

  @Test
  void settingsLayeredOverAnAlreadyLoadedConfigurationFallBackToThePluginsReadJournal() {
    // The log's copy was resolved inside ConfigFactory.load(), before this keyspace was layered on.
    Config layered =
        ConfigFactory.parseString("pekko.persistence.cassandra.journal.keyspace = layered_journal")
            .withFallback(ConfigFactory.load())
            .resolve();
    assertEquals(CassandraReadJournal.Identifier(), EntityJournal.readJournalPluginId(layered));
  }
}
