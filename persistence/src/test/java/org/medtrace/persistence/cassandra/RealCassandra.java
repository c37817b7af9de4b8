package org.medtrace.persistence.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Store;
import org.medtrace.forked.PerJvmServer;

/**
 * JUnit 5 extension giving tests a real Cassandra 5.0 node: one per test JVM, started the first
 * time a test class using the extension runs, stopped when the whole test run ends (and by a
 * shutdown hook if the run is aborted).
 *
 * <pre>
 * &#64;ExtendWith(RealCassandra.class)
 * class SomethingTest {
 *   &#64;BeforeAll
 *   static void createSchema() {
 *     RealCassandra.createKeyspaces("something_journal", "something_snapshot");
 *   }
 *   ... ActorTestKit.create("SomethingTest",
 *           RealCassandra.pekkoConfig("something_journal", "something_snapshot")
 *               .withFallback(ConfigFactory.load("application-test")))
 * }
 * </pre>
 *
 * <p>The node lives in {@code <medtrace.test.work-dir>/cassandra}, which is wiped when the node
 * starts, and listens on {@link #ADDRESS}:{@value #NATIVE_PORT} (storage port {@value
 * #STORAGE_PORT}): not Cassandra's default ports, so a developer's own node does not collide.
 * Cassandra's classpath comes from the file named by {@code medtrace.cassandra.classpath-file};
 * Maven's surefire sets both properties, and an IDE running tests from a module directory gets
 * working defaults.
 *
 * <p>Tests share the node: each test class MUST use its own keyspaces (and unique persistence ids),
 * never drop another class's keyspaces, and not stop the node.
 */
public final class RealCassandra implements BeforeAllCallback {

  /**
   * The loopback address the test node listens on: {@code medtrace.test.loopback-address}, 127.0.0.1
   * by default. Two test runs on one machine (two checkouts) keep apart by using different ones.
   */
  public static final String ADDRESS = PerJvmServer.loopbackAddress();

  public static final int NATIVE_PORT = 19042;
  public static final int STORAGE_PORT = 17000;
  public static final String LOCAL_DATACENTER = CassandraLauncher.LOCAL_DATACENTER;

  /** Replication factor of test keyspaces: there is one node. */
  public static final int REPLICATION_FACTOR = 1;

  static final String CLASSPATH_FILE_PROPERTY = "medtrace.cassandra.classpath-file";

  private static final PerJvmServer<Node> NODE =
      new PerJvmServer<>(
          "Cassandra", RealCassandra.class, CassandraLauncher::stopLeftover, Node::start);

  @Override
  public void beforeAll(ExtensionContext context) {
    // The root store closes what it holds after the whole test run (see PerJvmServer).
    Store store = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL);
    store.getOrComputeIfAbsent(NODE, key -> NODE.start(), AutoCloseable.class);
  }

  /** The CQL endpoint as {@code host:port}. */
  public static String contactPoint() {
    NODE.running();
    return ADDRESS + ":" + NATIVE_PORT;
  }

  /**
   * A session shared by all tests (with generous timeouts for DDL on a busy machine). Do not close
   * it; it ends with the node.
   */
  public static CqlSession session() {
    return NODE.running().session;
  }

  /**
   * Creates the journal and snapshot keyspaces with all tables pekko-persistence-cassandra needs
   * (replication factor 1). Idempotent: calling it again, from any class, changes nothing.
   */
  public static void createKeyspaces(String journalKeyspace, String snapshotKeyspace) {
    CassandraSchema.create(session(), journalKeyspace, snapshotKeyspace, REPLICATION_FACTOR);
  }

  /**
   * Configuration pointing pekko-persistence-cassandra's journal, snapshot store and read journal
   * at this node and these keyspaces, with schema auto-creation off (create the schema with {@link
   * #createKeyspaces} first). Only these keys: layer it over the test's own configuration.
   */
  public static Config pekkoConfig(String journalKeyspace, String snapshotKeyspace) {
    return ConfigFactory.parseString(
            """
            pekko.persistence.journal.plugin = "pekko.persistence.cassandra.journal"
            pekko.persistence.snapshot-store.plugin = "pekko.persistence.cassandra.snapshot"
            pekko.persistence.cassandra {
              journal {
                keyspace-autocreate = false
                tables-autocreate = false
              }
              snapshot {
                keyspace-autocreate = false
                tables-autocreate = false
              }
            }
            datastax-java-driver {
              basic.load-balancing-policy.local-datacenter = %s
              # The node may still be settling when the first test connects.
              advanced.reconnect-on-init = true
              # Server and tests share a few cores; the driver's 2 s default times out under load.
              basic.request.timeout = 10s
            }
            # A test node's graceful shutdown hands off its sharded entities first; shards started
            # seconds before can take about 10 s to hand off (the region retries asking the
            # stopping coordinator for their home), which is the testkit's default limit.
            pekko.actor.testkit.typed.system-shutdown-default = 30s
            """
                .formatted(LOCAL_DATACENTER))
        .withValue(
            "pekko.persistence.cassandra.journal.keyspace",
            ConfigValueFactory.fromAnyRef(journalKeyspace))
        .withValue(
            "pekko.persistence.cassandra.snapshot.keyspace",
            ConfigValueFactory.fromAnyRef(snapshotKeyspace))
        .withValue(
            // The 2015 default makes every events-by-tag query from the start walk ~96k empty
            // hourly buckets and time out; tests only write events from now on.
            "pekko.persistence.cassandra.events-by-tag.first-time-bucket",
            ConfigValueFactory.fromAnyRef(firstTimeBucket()))
        .withValue(
            "datastax-java-driver.basic.contact-points",
            ConfigValueFactory.fromIterable(List.of(ADDRESS + ":" + NATIVE_PORT)));
  }

  /** Yesterday, so events written around midnight in any time zone are inside the first bucket. */
  static String firstTimeBucket() {
    return LocalDate.now(ZoneOffset.UTC)
        .minusDays(1)
        .format(DateTimeFormatter.ofPattern("yyyyMMdd"))
        + "T00:00";
  }

  static Path workDirectory() {
    return PerJvmServer.workDirectory();
  }

  static Path classpathFile() {
    return PerJvmServer.classpathFile(
        CLASSPATH_FILE_PROPERTY, "cassandra-runtime", "cassandra.classpath");
  }

  static void deleteRecursively(Path directory) throws IOException {
    PerJvmServer.deleteRecursively(directory);
  }

  /** The running node and its shared session; closing it stops both. */
  private static final class Node implements AutoCloseable {
    private final CassandraLauncher launcher;
    private final CqlSession session;

    private Node(CassandraLauncher launcher, CqlSession session) {
      this.launcher = launcher;
      this.session = session;
    }

    static Node start(Path nodeDirectory) throws IOException, InterruptedException {
      CassandraLauncher launcher =
          new CassandraLauncher(
              CassandraLauncher.Settings.defaults(nodeDirectory, classpathFile())
                  .withClusterName("medtrace-test")
                  .withAddress(ADDRESS)
                  .withNativePort(NATIVE_PORT)
                  .withStoragePort(STORAGE_PORT));
      launcher.start();
      try {
        return new Node(
            launcher, CassandraSchema.openAdminSession(List.of(launcher.contactPoint())));
      } catch (RuntimeException e) {
        launcher.stop();
        throw e;
      }
    }

    @Override
    public void close() {
      try {
        session.close();
      } finally {
        launcher.stop();
      }
    }
  }
}
