package org.medtrace.persistence.cassandra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultProtocolVersion;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.cassandra.KeyspaceAndTableStatements;
import org.apache.pekko.persistence.cassandra.PluginSettings;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.NoOffset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The launcher runs a real Cassandra 5.0, the schema script creates what
 * pekko-persistence-cassandra 1.1.0 needs (the same tables the plugin would create itself), and the
 * plugin persists, recovers and queries events through it.
 */
@ExtendWith(RealCassandra.class)
class CassandraLauncherTest {

  private static final String JOURNAL = "launcher_test_journal";
  private static final String SNAPSHOT = "launcher_test_snapshot";

  /** The keyspaces the plugin's own auto-create statements build, as the reference. */
  private static final String PLUGIN_JOURNAL = "launcher_test_plugin_journal";

  private static final String PLUGIN_SNAPSHOT = "launcher_test_plugin_snapshot";

  /** The tables of the journal keyspace the plugin itself creates. */
  private static final Set<String> PLUGIN_JOURNAL_TABLES =
      Set.of(
          "messages",
          "tag_views",
          "tag_write_progress",
          "tag_scanning",
          "metadata",
          "all_persistence_ids");

  /** medtrace's own tables, which live next to the plugin's in the journal keyspace. */
  private static final Set<String> MEDTRACE_TABLES =
      Set.of(
          "unit_index",
          "alert_publisher_offsets",
          "witness_checkpoints",
          "witness_forks",
          "log_leaves",
          "log_leaf_by_event",
          "log_superseded_leaves",
          "log_nodes",
          "log_slices",
          "log_checkpoints",
          "submission_certificates");

  private static final Set<String> JOURNAL_TABLES = union(PLUGIN_JOURNAL_TABLES, MEDTRACE_TABLES);

  private static final Set<String> SNAPSHOT_TABLES = Set.of("snapshots");

  private static final Duration PEKKO_TIMEOUT = Duration.ofSeconds(20);

  /** Ports of the extra nodes some tests start next to the shared one. */
  private static final int OTHER_NATIVE_PORT = 19142;

  private static final int OTHER_STORAGE_PORT = 17100;

  private static ActorTestKit testKit;

  @BeforeAll
  static void createSchemaAndActorSystem() {
    RealCassandra.createKeyspaces(JOURNAL, SNAPSHOT);
    Config testOnly =
        ConfigFactory.parseString(
            """
            # Single writer, single node: no clock skew to wait out before tagged events show.
            pekko.persistence.cassandra.events-by-tag.eventual-consistency-delay = 1s
            """);
    testKit =
        ActorTestKit.create(
            "CassandraLauncherTest",
            testOnly.withFallback(RealCassandra.pekkoConfig(JOURNAL, SNAPSHOT)));
  }

  @AfterAll
  static void shutDownActorSystem() {
    if (testKit != null) {
      testKit.shutdownTestKit();
    }
  }

  @Test
  void serverAnswersCqlAsCassandra50() {
    Row row = RealCassandra.session().execute("SELECT release_version FROM system.local").one();

    assertTrue(row.getString("release_version").startsWith("5.0"), row.getFormattedContents());
  }

  /**
   * On protocol v5 a lightweight transaction's write timeout breaks the connection it came on
   * (persistence's reference.conf says how): the journal's and the admin sessions speak v4.
   */
  @Test
  void everySessionSpeaksNativeProtocolV4() throws Exception {
    CqlSession pluginSession =
        CassandraSessionRegistry.get(testKit.system())
            .sessionFor("pekko.persistence.cassandra")
            .underlying()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);

    assertEquals(DefaultProtocolVersion.V4, pluginSession.getContext().getProtocolVersion());
    assertEquals(DefaultProtocolVersion.V4, RealCassandra.session().getContext().getProtocolVersion());
  }

  @Test
  void schemaScriptCreatesEveryTableThePluginNeeds() {
    assertEquals(JOURNAL_TABLES, tablesOf(JOURNAL));
    assertEquals(SNAPSHOT_TABLES, tablesOf(SNAPSHOT));
  }

  @Test
  void applyingTheSchemaAgainKeepsTablesAndData() {
    String persistenceId = "schema-twice-" + UUID.randomUUID();
    CqlSession session = RealCassandra.session();
    session.execute(
        SimpleStatement.newInstance(
            "INSERT INTO " + JOURNAL + ".all_persistence_ids (persistence_id) VALUES (?)",
            persistenceId));

    RealCassandra.createKeyspaces(JOURNAL, SNAPSHOT);

    assertEquals(JOURNAL_TABLES, tablesOf(JOURNAL));
    assertEquals(SNAPSHOT_TABLES, tablesOf(SNAPSHOT));
    Row kept =
        session
            .execute(
                SimpleStatement.newInstance(
                    "SELECT persistence_id FROM "
                        + JOURNAL
                        + ".all_persistence_ids WHERE persistence_id = ?",
                    persistenceId))
            .one();
    assertEquals(persistenceId, kept == null ? null : kept.getString("persistence_id"));
  }

  /**
   * The script is copied from the plugin's source; this guards the copy. The plugin's own
   * auto-create statements (the ones behind {@code tables-autocreate}) build a second pair of
   * keyspaces, and every column and table option must come out the same.
   */
  @Test
  void schemaMatchesWhatThePluginItselfWouldCreate() {
    Config pluginConfig =
        RealCassandra.pekkoConfig(PLUGIN_JOURNAL, PLUGIN_SNAPSHOT)
            .withFallback(ConfigFactory.defaultReference())
            .getConfig("pekko.persistence.cassandra");
    // Internal API of the plugin, used here only as the oracle: it is what its docs print.
    KeyspaceAndTableStatements plugin =
        new KeyspaceAndTableStatements(
            testKit.system(),
            "pekko.persistence.cassandra",
            PluginSettings.apply(Adapter.toClassic(testKit.system()), pluginConfig));
    CqlSession session = RealCassandra.session();
    execute(session, plugin.createJournalKeyspaceStatement());
    plugin.getCreateJournalTablesStatements().forEach(statement -> execute(session, statement));
    execute(session, plugin.createSnapshotKeyspaceStatement());
    plugin.getCreateSnapshotTablesStatements().forEach(statement -> execute(session, statement));
    assertTrue(session.checkSchemaAgreement());

    Map<String, String> expectedJournalColumns = columnsOf(PLUGIN_JOURNAL);
    // The one deliberate difference (see the script): one row per sequence number.
    assertEquals("clustering 1 asc timeuuid", expectedJournalColumns.get("messages.timestamp"));
    expectedJournalColumns.put("messages.timestamp", "regular -1 none timeuuid");
    assertEquals(expectedJournalColumns, withoutMedtraceTables(columnsOf(JOURNAL)));
    IllegalStateException pluginsOwnKey =
        assertThrows(
            IllegalStateException.class,
            () -> CassandraSchema.requireOneRowPerSequenceNumber(session, PLUGIN_JOURNAL));
    assertTrue(pluginsOwnKey.getMessage().contains("timestamp in its primary key"), pluginsOwnKey.getMessage());
    assertEquals(columnsOf(PLUGIN_SNAPSHOT), columnsOf(SNAPSHOT));
    assertEquals(tableOptionsOf(PLUGIN_JOURNAL), withoutMedtraceTables(tableOptionsOf(JOURNAL)));
    assertEquals(tableOptionsOf(PLUGIN_SNAPSHOT), tableOptionsOf(SNAPSHOT));
    assertEquals(replicationOf(PLUGIN_JOURNAL), replicationOf(JOURNAL));
    assertEquals(replicationOf(PLUGIN_SNAPSHOT), replicationOf(SNAPSHOT));
  }

  @Test
  void entityRecoversItsEventsAndQueriesReturnThemInOrder() throws Exception {
    PersistenceId persistenceId = PersistenceId.ofUniqueId("launcher-test-" + UUID.randomUUID());
    String tag = "launcher-test-" + UUID.randomUUID();
    List<String> events = List.of("batch-7 received", "batch-7 stored at 4C", "batch-7 dispensed");

    ActorRef<EventLog.Command> first = testKit.spawn(EventLog.create(persistenceId, tag));
    TestProbe<Done> persisted = testKit.createTestProbe();
    for (String event : events) {
      first.tell(new EventLog.Append(event, persisted.getRef()));
      persisted.expectMessage(PEKKO_TIMEOUT, Done.getInstance());
    }
    testKit.stop(first, PEKKO_TIMEOUT);

    // A new incarnation recovers from the snapshot (after event 2) plus event 3.
    ActorRef<EventLog.Command> second = testKit.spawn(EventLog.create(persistenceId, tag));
    TestProbe<List<String>> recovered = testKit.createTestProbe();
    second.tell(new EventLog.Read(recovered.getRef()));
    assertEquals(events, recovered.receiveMessage(PEKKO_TIMEOUT));
    testKit.stop(second, PEKKO_TIMEOUT);

    Row snapshot =
        RealCassandra.session()
            .execute(
                SimpleStatement.newInstance(
                    "SELECT sequence_nr FROM " + SNAPSHOT + ".snapshots WHERE persistence_id = ?",
                    persistenceId.id()))
            .one();
    assertEquals(EventLog.SNAPSHOT_AT, snapshot == null ? null : snapshot.getLong("sequence_nr"));

    CassandraReadJournal queries =
        PersistenceQuery.get(Adapter.toClassic(testKit.system()))
            .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    List<EventEnvelope> byPersistenceId =
        queries
            .currentEventsByPersistenceId(persistenceId.id(), 0, Long.MAX_VALUE)
            .runWith(Sink.seq(), testKit.system())
            .toCompletableFuture()
            .get(PEKKO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertEquals(events, byPersistenceId.stream().map(EventEnvelope::event).toList());
    assertEquals(
        List.of(1L, 2L, 3L), byPersistenceId.stream().map(EventEnvelope::sequenceNr).toList());

    // Tag writes follow the journal write asynchronously: poll until all three are visible.
    TestProbe<Object> poller = testKit.createTestProbe();
    poller.awaitAssert(
        PEKKO_TIMEOUT,
        Duration.ofMillis(300),
        () -> {
          List<EventEnvelope> byTag =
              queries
                  .currentEventsByTag(tag, NoOffset.getInstance())
                  .runWith(Sink.seq(), testKit.system())
                  .toCompletableFuture()
                  .get(PEKKO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
          assertEquals(events, byTag.stream().map(EventEnvelope::event).toList());
          return null;
        });
  }

  /**
   * A journal write that failed at QUORUM may still sit on one replica and reach the others later
   * (hints, repair), after the entity rewrote that sequence number. Simulated here by writing
   * such a row with an earlier write time once the entity holds the sequence number: it must
   * neither become a second row nor replace the event the entity built on.
   */
  @Test
  void aFailedWriteThatResurfacesCannotForkTheJournal() throws Exception {
    PersistenceId persistenceId = PersistenceId.ofUniqueId("launcher-rewrite-" + UUID.randomUUID());
    List<String> events = List.of("received", "stored at 4C", "dispensed");
    ActorRef<EventLog.Command> writer = testKit.spawn(EventLog.create(persistenceId, "rewrite-test"));
    TestProbe<Done> persisted = testKit.createTestProbe();
    for (String event : events) {
      writer.tell(new EventLog.Append(event, persisted.getRef()));
      persisted.expectMessage(PEKKO_TIMEOUT, Done.getInstance());
    }
    testKit.stop(writer, PEKKO_TIMEOUT);

    CqlSession session = RealCassandra.session();
    String atSequence2 =
        " FROM " + JOURNAL + ".messages WHERE persistence_id = ? AND partition_nr = 0 AND sequence_nr = 2";
    Row stored =
        session
            .execute(SimpleStatement.newInstance("SELECT writetime(event) AS written, ser_id, ser_manifest" + atSequence2, persistenceId.id()))
            .one();
    long earlier = stored.getLong("written") - 5_000_000L;
    session.execute(
        SimpleStatement.newInstance(
            "INSERT INTO " + JOURNAL + ".messages (persistence_id, partition_nr, sequence_nr, timestamp,"
                + " timebucket, writer_uuid, ser_id, ser_manifest, event_manifest, event, tags)"
                + " VALUES (?, 0, 2, now(), '0', 'failed-writer', ?, ?, '', textAsBlob('stored at 30C'), {})"
                + " USING TIMESTAMP " + earlier,
            persistenceId.id(),
            stored.getInt("ser_id"),
            stored.getString("ser_manifest")));

    List<Row> rows = session.execute(SimpleStatement.newInstance("SELECT writer_uuid" + atSequence2, persistenceId.id())).all();
    assertEquals(1, rows.size(), "rows at sequence number 2");
    assertFalse("failed-writer".equals(rows.get(0).getString("writer_uuid")), "the earlier write won");
    // What a recovering entity replays after its snapshot, and what the read journal serves.
    List<EventEnvelope> replayed =
        PersistenceQuery.get(Adapter.toClassic(testKit.system()))
            .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier())
            .currentEventsByPersistenceId(persistenceId.id(), 0, Long.MAX_VALUE)
            .runWith(Sink.seq(), testKit.system())
            .toCompletableFuture()
            .get(PEKKO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertEquals(events, replayed.stream().map(EventEnvelope::event).toList());
  }

  @Test
  void failedStartQuotesTheEndOfCassandrasOutput() throws Exception {
    Path node = RealCassandra.workDirectory().resolve("cassandra-broken");
    RealCassandra.deleteRecursively(node);
    Path brokenClasspath = Files.createDirectories(node).resolve("broken.classpath");
    Files.writeString(brokenClasspath, node.resolve("no-such-cassandra.jar").toString());
    CassandraLauncher launcher =
        new CassandraLauncher(
            CassandraLauncher.Settings.defaults(node, brokenClasspath)
                .withNativePort(OTHER_NATIVE_PORT)
                .withStoragePort(OTHER_STORAGE_PORT));

    CassandraLauncher.StartupException failure =
        assertThrows(CassandraLauncher.StartupException.class, launcher::start);

    assertTrue(failure.getMessage().contains("exited with code"), failure.getMessage());
    assertTrue(
        failure.getMessage().contains("org.apache.cassandra.service.CassandraDaemon"),
        failure.getMessage());
    assertFalse(launcher.isRunning());
    assertFalse(Files.exists(node.resolve("cassandra.pid")));
  }

  /**
   * Development mode restarts its Cassandra on the same directory on every run; this proves the data
   * survives. It starts a second node on other ports (about 25 s).
   */
  @Test
  void restartOnTheSameNodeDirectoryKeepsTheData() throws Exception {
    Path node = RealCassandra.workDirectory().resolve("cassandra-restart");
    CassandraLauncher.stopLeftover(node);
    RealCassandra.deleteRecursively(node);
    CassandraLauncher.Settings settings =
        CassandraLauncher.Settings.defaults(node, RealCassandra.classpathFile())
            .withNativePort(OTHER_NATIVE_PORT)
            .withStoragePort(OTHER_STORAGE_PORT)
            .withClusterName("medtrace-restart-test");
    try (CassandraLauncher launcher = new CassandraLauncher(settings)) {
      launcher.start();
      try (CqlSession session = CassandraSchema.openAdminSession(List.of(settings.contactPoint()))) {
        CassandraSchema.create(session, "restart_journal", "restart_snapshot", 1);
        session.execute(
            "INSERT INTO restart_journal.all_persistence_ids (persistence_id) VALUES ('kept')");
      }
      launcher.stop();
      launcher.stop();
      assertFalse(launcher.isRunning());

      launcher.start();
      try (CqlSession session = CassandraSchema.openAdminSession(List.of(settings.contactPoint()))) {
        Row kept =
            session
                .execute("SELECT persistence_id FROM restart_journal.all_persistence_ids")
                .one();
        assertEquals("kept", kept == null ? null : kept.getString("persistence_id"));
      }
    }
  }

  @Test
  void renderedScriptIsCompleteCqlForTheGivenKeyspaces() {
    String cql = CassandraSchema.render("ledger", "ledger_snapshot", 3);

    assertFalse(cql.contains("${"), cql);
    assertFalse(cql.contains("--"), cql);
    assertEquals(9 + MEDTRACE_TABLES.size(), CassandraSchema.statements("ledger", "ledger_snapshot", 3).size());
    assertTrue(cql.contains("CREATE TABLE IF NOT EXISTS ledger.alert_publisher_offsets ("), cql);
    assertTrue(cql.contains("CREATE TABLE IF NOT EXISTS ledger.messages ("), cql);
    assertTrue(cql.contains("CREATE TABLE IF NOT EXISTS ledger_snapshot.snapshots ("), cql);
    assertTrue(cql.contains("'replication_factor' : 3"), cql);
    assertTrue(cql.strip().endsWith(";"), cql);
  }

  @Test
  void schemaRefusesKeyspaceNamesThatWouldInjectCql() {
    assertThrows(
        IllegalArgumentException.class,
        () -> CassandraSchema.render("ledger; DROP KEYSPACE system", "ledger_snapshot", 1));
    assertThrows(
        IllegalArgumentException.class, () -> CassandraSchema.render("ledger", "ledger_s", 0));
  }

  @Test
  void splitterKeepsSemicolonsAndDashesInsideStringLiterals() {
    List<String> statements =
        CassandraSchema.split(
            """
            -- a comment; with a semicolon
            INSERT INTO t (a) VALUES ('x;y -- not a comment'); // trailing comment
            INSERT INTO t (a) VALUES ('it''s');
            """);

    assertEquals(
        List.of(
            "INSERT INTO t (a) VALUES ('x;y -- not a comment')",
            "INSERT INTO t (a) VALUES ('it''s')"),
        statements);
  }

  private static void execute(CqlSession session, String statement) {
    session.execute(SimpleStatement.newInstance(statement).setTimeout(Duration.ofSeconds(30)));
  }

  private static Set<String> tablesOf(String keyspace) {
    return RealCassandra.session()
        .execute(
            SimpleStatement.newInstance(
                "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", keyspace))
        .all()
        .stream()
        .map(row -> row.getString("table_name"))
        .collect(Collectors.toSet());
  }

  /** table.column -> kind, position, clustering order and type. */
  /** {@code byTable} (keys "table" or "table.column") without medtrace's own tables, which the plugin knows nothing of. */
  private static Map<String, String> withoutMedtraceTables(Map<String, String> byTable) {
    Map<String, String> pluginOnly = new TreeMap<>(byTable);
    pluginOnly.keySet().removeIf(key -> MEDTRACE_TABLES.contains(key.split("\\.", 2)[0]));
    return pluginOnly;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }

  private static Map<String, String> columnsOf(String keyspace) {
    return RealCassandra.session()
        .execute(
            SimpleStatement.newInstance(
                "SELECT table_name, column_name, kind, position, clustering_order, type"
                    + " FROM system_schema.columns WHERE keyspace_name = ?",
                keyspace))
        .all()
        .stream()
        .collect(
            Collectors.toMap(
                row -> row.getString("table_name") + "." + row.getString("column_name"),
                row ->
                    row.getString("kind")
                        + " "
                        + row.getInt("position")
                        + " "
                        + row.getString("clustering_order")
                        + " "
                        + row.getString("type"),
                (a, b) -> a,
                TreeMap::new));
  }

  /** table -> the options the plugin's statements set (gc grace, compaction, time to live). */
  private static Map<String, String> tableOptionsOf(String keyspace) {
    return RealCassandra.session()
        .execute(
            SimpleStatement.newInstance(
                "SELECT table_name, gc_grace_seconds, compaction, default_time_to_live"
                    + " FROM system_schema.tables WHERE keyspace_name = ?",
                keyspace))
        .all()
        .stream()
        .collect(
            Collectors.toMap(
                row -> row.getString("table_name"),
                row ->
                    "gc_grace_seconds="
                        + row.getInt("gc_grace_seconds")
                        + " default_time_to_live="
                        + row.getInt("default_time_to_live")
                        + " compaction="
                        + new TreeMap<>(row.getMap("compaction", String.class, String.class)),
                (a, b) -> a,
                TreeMap::new));
  }

  private static Map<String, String> replicationOf(String keyspace) {
    Row row =
        RealCassandra.session()
            .execute(
                SimpleStatement.newInstance(
                    "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?",
                    keyspace))
            .one();
    return new TreeMap<>(row.getMap("replication", String.class, String.class));
  }

  /**
   * The smallest entity that touches every table: events are plain strings (Pekko's built-in
   * string serializer), every event is tagged, and a snapshot (the state is a string too) is taken
   * after the second event.
   */
  static final class EventLog
      extends EventSourcedBehaviorWithEnforcedReplies<EventLog.Command, String, String> {

    static final long SNAPSHOT_AT = 2L;

    sealed interface Command {}

    record Append(String event, ActorRef<Done> replyTo) implements Command {}

    record Read(ActorRef<List<String>> replyTo) implements Command {}

    private final String tag;

    static Behavior<Command> create(PersistenceId persistenceId, String tag) {
      return new EventLog(persistenceId, tag);
    }

    private EventLog(PersistenceId persistenceId, String tag) {
      super(persistenceId);
      this.tag = tag;
    }

    @Override
    public String emptyState() {
      return "";
    }

    @Override
    public CommandHandlerWithReply<Command, String, String> commandHandler() {
      return newCommandHandlerWithReplyBuilder()
          .forAnyState()
          .onCommand(
              Append.class,
              (state, append) ->
                  Effect()
                      .persist(append.event())
                      .thenReply(append.replyTo(), updated -> Done.getInstance()))
          .onCommand(
              Read.class, (state, read) -> Effect().reply(read.replyTo(), state.lines().toList()))
          .build();
    }

    @Override
    public EventHandler<String, String> eventHandler() {
      return newEventHandlerBuilder()
          .forAnyState()
          .onEvent(String.class, (state, event) -> state.isEmpty() ? event : state + "\n" + event)
          .build();
    }

    @Override
    public Set<String> tagsFor(String event) {
      return Set.of(tag);
    }

    @Override
    public boolean shouldSnapshot(String state, String event, long sequenceNr) {
      return sequenceNr == SNAPSHOT_AT;
    }
  }
}
