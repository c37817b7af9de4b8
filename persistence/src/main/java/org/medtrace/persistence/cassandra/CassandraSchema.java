package org.medtrace.persistence.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.OptionsMap;
import com.datastax.oss.driver.api.core.config.TypedDriverOption;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keyspaces and tables pekko-persistence-cassandra needs, from the CQL script {@value
 * #SCRIPT_RESOURCE}.
 *
 * <p>Pekko's keyspace and table auto-creation is off in every configuration of medtrace: Cassandra
 * does not handle concurrent schema changes well, and several nodes creating the same tables at
 * once end in column id mismatches. Instead, development and tests create the schema with {@link
 * #create}, one client at a time, and operators get the same statements from {@link #render} to
 * run once with {@code cqlsh}.
 *
 * <p>Every statement in the script MUST be {@code CREATE KEYSPACE IF NOT EXISTS} or {@code CREATE
 * TABLE IF NOT EXISTS}; loading the script fails otherwise. Applying it to an existing schema is
 * therefore harmless and changes nothing, not even a table that differs from the script.
 */
public final class CassandraSchema {

  /**
   * The native protocol version of every session medtrace opens, as {@code
   * datastax-java-driver.advanced.protocol.version} in the persistence module's reference.conf
   * (why not v5: there).
   */
  public static final String PROTOCOL_VERSION = "V4";

  /** Classpath location of the CQL script. */
  public static final String SCRIPT_RESOURCE = "medtrace/cassandra/schema.cql";

  /** A DDL statement waits for schema agreement inside Cassandra; the driver's 2 s is too short. */
  static final Duration DDL_TIMEOUT = Duration.ofSeconds(30);

  /** How long {@link #create} waits for all nodes to agree on the schema after the last change. */
  static final Duration SCHEMA_AGREEMENT_TIMEOUT = Duration.ofSeconds(60);

  private static final Logger log = LoggerFactory.getLogger(CassandraSchema.class);

  /** Cassandra's rule for unquoted keyspace names (at most 48 characters). */
  private static final Pattern KEYSPACE_NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9_]{0,47}");

  private static final Pattern IDEMPOTENT_CREATE =
      Pattern.compile(
          "CREATE\\s+(KEYSPACE|TABLE)\\s+IF\\s+NOT\\s+EXISTS\\s.*",
          Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

  private CassandraSchema() {}

  /**
   * Creates the journal and snapshot keyspaces (SimpleStrategy) and all the plugin's tables where
   * missing, then waits until every node agrees on the schema.
   *
   * <p>Takes about 1 s per statement on a session with the driver's schema metadata enabled (its
   * default: every DDL waits for the metadata refresh debouncer), under 0.1 s with {@code
   * advanced.metadata.schema.enabled = false}, as the test fixture's session has it.
   *
   * @throws IllegalStateException if the nodes do not agree within {@link
   *     #SCHEMA_AGREEMENT_TIMEOUT}
   */
  public static void create(
      CqlSession session, String journalKeyspace, String snapshotKeyspace, int replicationFactor) {
    long startedAt = System.nanoTime();
    List<String> statements = statements(journalKeyspace, snapshotKeyspace, replicationFactor);
    for (String statement : statements) {
      ResultSet result =
          session.execute(SimpleStatement.newInstance(statement).setTimeout(DDL_TIMEOUT));
      if (!result.getExecutionInfo().isSchemaInAgreement()) {
        // The next statement may depend on this one (a table needs its keyspace) on any node.
        awaitSchemaAgreement(session);
      }
    }
    awaitSchemaAgreement(session);
    requireOneRowPerSequenceNumber(session, journalKeyspace);
    log.info(
        "Schema of keyspaces {} and {} in place ({} statements, {} ms)",
        journalKeyspace,
        snapshotKeyspace,
        statements.size(),
        (System.nanoTime() - startedAt) / 1_000_000);
  }

  /**
   * The script's statements for these keyspaces, as text an operator can feed to {@code cqlsh}:
   * each statement ends with {@code ;}, statements are separated by a blank line.
   */
  public static String render(
      String journalKeyspace, String snapshotKeyspace, int replicationFactor) {
    return String.join(";\n\n", statements(journalKeyspace, snapshotKeyspace, replicationFactor))
        + ";\n";
  }

  /** The script's statements for these keyspaces, without comments and trailing {@code ;}. */
  public static List<String> statements(
      String journalKeyspace, String snapshotKeyspace, int replicationFactor) {
    requireKeyspaceName(journalKeyspace, "journalKeyspace");
    requireKeyspaceName(snapshotKeyspace, "snapshotKeyspace");
    if (replicationFactor < 1) {
      throw new IllegalArgumentException(
          "replicationFactor must be at least 1, was " + replicationFactor);
    }
    Map<String, String> values =
        Map.of(
            "${journal_keyspace}", journalKeyspace,
            "${snapshot_keyspace}", snapshotKeyspace,
            "${replication_factor}", Integer.toString(replicationFactor));
    List<String> statements = new ArrayList<>();
    for (String statement : split(loadScript())) {
      String rendered = statement;
      for (Map.Entry<String, String> value : values.entrySet()) {
        rendered = rendered.replace(value.getKey(), value.getValue());
      }
      if (rendered.contains("${")) {
        throw new IllegalStateException(
            SCRIPT_RESOURCE + " has an unknown placeholder in: " + statement);
      }
      if (!IDEMPOTENT_CREATE.matcher(rendered).matches()) {
        throw new IllegalStateException(
            SCRIPT_RESOURCE
                + " must hold only CREATE KEYSPACE/TABLE IF NOT EXISTS statements, found: "
                + rendered);
      }
      statements.add(rendered);
    }
    return List.copyOf(statements);
  }

  /**
   * Splits a CQL script into statements at {@code ;}, dropping {@code --} and {@code //} line
   * comments. A {@code ;} or comment marker inside a single-quoted string literal is kept as text.
   */
  static List<String> split(String script) {
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean inString = false;
    int i = 0;
    while (i < script.length()) {
      char c = script.charAt(i);
      if (inString) {
        current.append(c);
        // '' inside a literal is an escaped quote: it toggles twice, which leaves us inside.
        if (c == '\'') {
          inString = false;
        }
        i++;
      } else if (c == '\'') {
        current.append(c);
        inString = true;
        i++;
      } else if (script.startsWith("--", i) || script.startsWith("//", i)) {
        int endOfLine = script.indexOf('\n', i);
        i = endOfLine < 0 ? script.length() : endOfLine;
      } else if (c == ';') {
        addIfNotBlank(statements, current);
        current.setLength(0);
        i++;
      } else {
        current.append(c);
        i++;
      }
    }
    if (inString) {
      throw new IllegalArgumentException("Unterminated string literal in CQL script");
    }
    addIfNotBlank(statements, current);
    return statements;
  }

  private static void addIfNotBlank(List<String> statements, StringBuilder statement) {
    String text = statement.toString().strip();
    if (!text.isEmpty()) {
      statements.add(text);
    }
  }

  private static String loadScript() {
    ClassLoader loader = CassandraSchema.class.getClassLoader();
    try (InputStream in = loader.getResourceAsStream(SCRIPT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(SCRIPT_RESOURCE + " is not on the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read " + SCRIPT_RESOURCE, e);
    }
  }

  /**
   * Fails if the journal's {@code messages} table has {@code timestamp} in its primary key, as the
   * plugin's own table (and medtrace's before it changed) has: there a journal write that failed
   * but resurfaces later becomes a second row at its sequence number (see the script). {@code
   * CREATE TABLE IF NOT EXISTS} leaves such a table as it is, so it is checked here rather than
   * silently kept.
   *
   * @throws IllegalStateException naming the table and what to do
   */
  public static void requireOneRowPerSequenceNumber(CqlSession session, String journalKeyspace) {
    requireKeyspaceName(journalKeyspace, "journalKeyspace");
    String kind =
        session
            .execute(
                SimpleStatement.newInstance(
                    "SELECT kind FROM system_schema.columns"
                        + " WHERE keyspace_name = ? AND table_name = 'messages' AND column_name = 'timestamp'",
                    journalKeyspace))
            .all()
            .stream()
            .map(row -> row.getString("kind"))
            .findFirst()
            .orElse("regular");
    if (!"regular".equals(kind)) {
      throw new IllegalStateException(
          journalKeyspace
              + ".messages has timestamp in its primary key (created by an earlier version): a failed"
              + " write that resurfaces would fork a chain. Recreate the table from `bin/medtrace"
              + " schema` (copying its rows over), or, for development data, delete the data directory.");
    }
  }

  private static void awaitSchemaAgreement(CqlSession session) {
    long deadline = System.nanoTime() + SCHEMA_AGREEMENT_TIMEOUT.toNanos();
    while (!session.checkSchemaAgreement()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "Cassandra nodes did not agree on the schema within " + SCHEMA_AGREEMENT_TIMEOUT);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while waiting for schema agreement", e);
      }
    }
  }

  private static void requireKeyspaceName(String name, String what) {
    if (name == null || !KEYSPACE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what
              + " must be a letter followed by at most 47 letters, digits or underscores, was "
              + name);
    }
  }

  /**
   * A session for schema work (and tests), independent of any {@code application.conf}: with the
   * driver's schema metadata off, since a DDL statement otherwise waits about 1 s for the metadata
   * refresh debouncer, and with timeouts for a machine that runs server and client on a few cores.
   */
  public static CqlSession openAdminSession(List<InetSocketAddress> contactPoints) {
    OptionsMap options = OptionsMap.driverDefaults();
    options.put(TypedDriverOption.PROTOCOL_VERSION, PROTOCOL_VERSION);
    options.put(TypedDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30));
    options.put(TypedDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10));
    options.put(TypedDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(30));
    options.put(TypedDriverOption.RECONNECT_ON_INIT, true);
    options.put(TypedDriverOption.METADATA_SCHEMA_ENABLED, false);
    return CqlSession.builder()
        .withConfigLoader(DriverConfigLoader.fromMap(options))
        .addContactPoints(contactPoints)
        .withLocalDatacenter(CassandraLauncher.LOCAL_DATACENTER)
        .build();
  }
}
