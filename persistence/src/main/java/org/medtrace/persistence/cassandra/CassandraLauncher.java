package org.medtrace.persistence.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.OptionsMap;
import com.datastax.oss.driver.api.core.config.TypedDriverOption;
import com.datastax.oss.driver.api.core.cql.Row;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.medtrace.forked.ForkedServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a real Apache Cassandra 5.0 node in a forked JVM, for development and tests.
 *
 * <p>Cassandra never shares a JVM with medtrace: its jars (netty, jackson, guava, its own logback)
 * clash with ours, it installs a SecurityManager, may call {@code System.exit}, and starts only
 * once per JVM. This class therefore needs none of Cassandra's classes (only the CQL driver, to see
 * that the node answers). It reads Cassandra's runtime classpath from a file (written by the {@code
 * cassandra-runtime} module at build time), writes a {@code cassandra.yaml}, a {@code logback.xml}
 * and a JVM argument file into the node directory, and runs {@code CassandraDaemon} with the JDK
 * that runs this JVM: {@code java @<node>/conf/jvm.args -Dcassandra.config=<yaml>
 * org.apache.cassandra.service.CassandraDaemon}.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>{@link #start()} returns only once a CQL session can connect and query {@code
 *       system.local}; if the process dies first or {@link Settings#startupTimeout()} passes, it
 *       stops the process and throws a {@link StartupException} whose message carries the tail of
 *       Cassandra's logs.
 *   <li>The node directory is kept between runs: starting again on the same directory restarts the
 *       same node with its data.
 *   <li>A JVM shutdown hook stops the node, so an aborted test run leaves no Cassandra behind. A
 *       node orphaned by a {@code kill -9} of this JVM is recognised by its PID file and stopped on
 *       the next {@link #start()} on the same directory.
 *   <li>{@link #stop()} sends SIGTERM (Cassandra drains and flushes), waits up to {@link
 *       #STOP_GRACE_PERIOD}, then kills; it is idempotent.
 * </ul>
 *
 * <p>Layout of the node directory: {@code conf/} (rewritten on every start: {@code cassandra.yaml},
 * {@code logback.xml}, {@code jvm.args}), {@code data/}, {@code commitlog/}, {@code
 * saved_caches/}, {@code hints/}, {@code cdc_raw/}, {@code triggers/}, {@code logs/system.log}
 * (Cassandra's own log, INFO), {@code logs/console.log} (the JVM's stdout and stderr) and {@code
 * cassandra.pid}.
 */
public final class CassandraLauncher implements AutoCloseable {

  /** The data centre name of a node using {@code SimpleSnitch}; drivers need it as the local DC. */
  public static final String LOCAL_DATACENTER = "datacenter1";

  /** How long {@link #stop()} lets Cassandra drain after SIGTERM before killing it. */
  public static final Duration STOP_GRACE_PERIOD = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(CassandraLauncher.class);

  private static final ForkedServer.Log FORKED_SERVER_LOG =
      new ForkedServer.Log(log::info, log::warn);

  private static final String NAME = "Cassandra";

  private static final String MAIN_CLASS = "org.apache.cassandra.service.CassandraDaemon";

  /**
   * Cassandra 5.0 on JDK 17 dies at once ("unable to access required classes") without these;
   * taken from Cassandra 5.0's own {@code conf/jvm17-server.options}.
   */
  private static final List<String> JDK17_EXPORTS =
      List.of(
          "java.base/jdk.internal.misc",
          "java.management.rmi/com.sun.jmx.remote.internal.rmi",
          "java.rmi/sun.rmi.registry",
          "java.rmi/sun.rmi.server",
          "java.sql/java.sql",
          "java.base/java.lang.ref",
          "jdk.unsupported/sun.misc",
          "jdk.compiler/com.sun.tools.javac.file",
          "jdk.attach/sun.tools.attach");

  private static final List<String> JDK17_OPENS =
      List.of(
          "java.base/java.lang.module",
          "java.base/jdk.internal.loader",
          "java.base/jdk.internal.ref",
          "java.base/jdk.internal.reflect",
          "java.base/jdk.internal.math",
          "java.base/jdk.internal.module",
          "java.base/jdk.internal.util.jar",
          "jdk.management/com.sun.management.internal",
          "java.base/sun.nio.ch",
          "java.base/java.io",
          "java.base/java.lang.reflect",
          "jdk.compiler/com.sun.tools.javac",
          "java.base/java.lang",
          "java.base/java.util");

  private final Settings settings;
  private ForkedServer server;
  private String releaseVersion;

  /** A launcher for one node; nothing happens until {@link #start()}. */
  public CassandraLauncher(Settings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /** Where and how the node runs. */
  public Settings settings() {
    return settings;
  }

  /** The CQL endpoint clients connect to. */
  public InetSocketAddress contactPoint() {
    return settings.contactPoint();
  }

  /** Whether the Cassandra process this launcher started is alive. */
  public synchronized boolean isRunning() {
    return server != null && server.isAlive();
  }

  /** The PID of the running Cassandra JVM, if any. */
  public synchronized OptionalLong pid() {
    return isRunning() ? OptionalLong.of(server.pid()) : OptionalLong.empty();
  }

  /** The {@code release_version} the node reported when it became ready, e.g. {@code 5.0.9}. */
  public synchronized Optional<String> releaseVersion() {
    return Optional.ofNullable(releaseVersion);
  }

  /** Cassandra's own log (INFO and above). */
  public Path systemLog() {
    return forkedServer(settings.nodeDirectory()).serverLog();
  }

  /** Everything the Cassandra JVM wrote to stdout and stderr. */
  public Path consoleLog() {
    return forkedServer(settings.nodeDirectory()).consoleLog();
  }

  /**
   * Starts the node and returns once it answers CQL. Holds this launcher's lock while it waits, so
   * a concurrent {@link #stop()} waits too; interrupting the starting thread stops the node.
   *
   * @throws StartupException if the process exits or is not CQL-ready within the startup timeout
   *     (the process is stopped; the message quotes the end of its logs)
   * @throws IllegalStateException if this launcher already runs a node, or another process already
   *     listens on the native port (a test would otherwise silently talk to that server)
   */
  public synchronized void start() throws IOException, InterruptedException {
    if (server != null) {
      throw new IllegalStateException("Cassandra is already started (pid " + server.pid() + ")");
    }
    Path node = settings.nodeDirectory();
    stopLeftover(node);
    ForkedServer.requireNothingListensOn(
        settings.contactPoint(), "stop it or choose another native port for this Cassandra node");
    String classpath =
        ForkedServer.readClasspathFile(
            settings.classpathFile(), NAME, "mvn -pl cassandra-runtime install");
    prepareNodeDirectory(classpath);

    log.info(
        "Starting Cassandra '{}' on {}:{} (storage port {}) in {}",
        settings.clusterName(),
        settings.address(),
        settings.nativePort(),
        settings.storagePort(),
        settings.nodeDirectory());
    ForkedServer started = ForkedServer.start(forkedServer(node), settings.javaExecutable());
    try {
      // The native port opens shortly before CQL requests are served; a real query tells.
      releaseVersion =
          started.awaitReady(
              settings.contactPoint(),
              "CQL-ready on " + settings.address() + ":" + settings.nativePort(),
              settings.startupTimeout(),
              this::queryReleaseVersion);
    } catch (ForkedServer.NotReadyException e) {
      throw new StartupException(e);
    }
    server = started;
    log.info(
        "Cassandra {} ready on {}:{} after {} s (pid {})",
        releaseVersion,
        settings.address(),
        settings.nativePort(),
        started.secondsSinceStart(),
        started.pid());
  }

  /**
   * Stops the node: SIGTERM, up to {@link #STOP_GRACE_PERIOD} to drain, then SIGKILL. Does nothing
   * if the node is not running.
   */
  public synchronized void stop() {
    ForkedServer running = server;
    server = null;
    if (running != null) {
      running.stop();
    }
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  /**
   * Stops a Cassandra left running on {@code nodeDirectory} by a JVM that died without running its
   * shutdown hooks ({@code kill -9}, a killed IDE). Only the process named in the directory's PID
   * file is touched, and only if its command line shows it is a Cassandra daemon using this very
   * directory's configuration.
   */
  public static void stopLeftover(Path nodeDirectory) throws IOException {
    forkedServer(nodeDirectory).stopLeftover();
  }

  /**
   * The node runs as {@code java @conf/jvm.args -Dcassandra.config=<yaml> CassandraDaemon}: the
   * configuration argument and the main class identify it, everything else sits in the argument
   * file (see {@link ForkedServer}).
   */
  private static ForkedServer.Spec forkedServer(Path nodeDirectory) {
    return new ForkedServer.Spec(
        NAME,
        nodeDirectory,
        List.of(configArgument(nodeDirectory), MAIN_CLASS),
        "system.log",
        STOP_GRACE_PERIOD,
        FORKED_SERVER_LOG);
  }

  List<String> jvmArguments(String classpath) {
    List<String> arguments = new ArrayList<>();
    arguments.add("-Xms" + settings.heapSize());
    arguments.add("-Xmx" + settings.heapSize());
    arguments.add("-Xss256k");
    arguments.add("-XX:+UseG1GC");
    arguments.add("-Djava.net.preferIPv4Stack=true");
    arguments.add("-Djdk.attach.allowAttachSelf=true");
    JDK17_EXPORTS.forEach(module -> arguments.add("--add-exports=" + module + "=ALL-UNNAMED"));
    JDK17_OPENS.forEach(module -> arguments.add("--add-opens=" + module + "=ALL-UNNAMED"));
    // Keeps stdout/stderr open (they go to console.log) instead of closing them after startup.
    arguments.add("-Dcassandra-foreground=yes");
    arguments.add("-Dcassandra.ring_delay_ms=" + settings.ringDelay().toMillis());
    arguments.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
    // No cassandra.jmx.local.port / cassandra.jmx.remote.port: JMX stays off, no port to collide.
    arguments.add("-Dcassandra.storagedir=" + settings.nodeDirectory());
    arguments.add("-Dcassandra.logdir=" + settings.logDirectory());
    arguments.add("-Dcassandra.triggers_dir=" + settings.nodeDirectory().resolve("triggers"));
    arguments.add(
        "-Dlogback.configurationFile="
            + settings.nodeDirectory().resolve("conf").resolve("logback.xml"));
    arguments.add("-cp");
    arguments.add(classpath);
    return arguments;
  }

  private void prepareNodeDirectory(String classpath) throws IOException {
    Path node = settings.nodeDirectory();
    for (String directory :
        List.of(
            "conf",
            "logs",
            "data",
            "commitlog",
            "saved_caches",
            "hints",
            "cdc_raw",
            "triggers")) {
      Files.createDirectories(node.resolve(directory));
    }
    Files.writeString(configFile(node), cassandraYaml());
    Files.writeString(node.resolve("conf").resolve("logback.xml"), logbackXml());
    forkedServer(node).writeArgumentFile(jvmArguments(classpath));
  }

  /**
   * Only what a node of a development or local cluster needs; everything else keeps Cassandra 5.0's
   * defaults. Rewritten on every start, so changed settings apply to an existing node directory too.
   */
  String cassandraYaml() {
    Path node = settings.nodeDirectory();
    return """
        # Generated by medtrace's CassandraLauncher on every start; edits are overwritten.
        cluster_name: %s
        num_tokens: 16
        allocate_tokens_for_local_replication_factor: 3
        partitioner: org.apache.cassandra.dht.Murmur3Partitioner
        # SimpleSnitch puts the node in data centre "datacenter1", rack "rack1".
        endpoint_snitch: SimpleSnitch
        seed_provider:
          - class_name: org.apache.cassandra.locator.SimpleSeedProvider
            parameters:
              - seeds: "%s"
        listen_address: %s
        rpc_address: %s
        storage_port: %d
        native_transport_port: %d
        data_file_directories:
          - %s
        commitlog_directory: %s
        saved_caches_directory: %s
        hints_directory: %s
        cdc_raw_directory: %s
        # A write is acknowledged only once its commit log entry is synced. With Cassandra's default
        # (periodic, every 10 s) a write is acknowledged before that, and a node killed meanwhile
        # replays its commit log only up to the last sync: two of three replicas killed at once lost
        # an event acknowledged at QUORUM (found by the cluster's fault tests).
        commitlog_sync: batch
        # Direct I/O where the commit log's file system allows it (Cassandra's own choice: "auto"
        # picks direct for an uncompressed commit log on a file system that reports a block size,
        # mmap otherwise): segments are written with O_DIRECT | O_DSYNC instead of through mmap and
        # msync, as durable, for far less of Cassandra's CPU per write: the benchmark's full path
        # stored 3,388 and 3,468 events/s with it, 1,927-2,371 on mmap (load-tests/README.md,
        # "The commit log's disk access").
        commitlog_disk_access_mode: auto
        # Snapshots on TRUNCATE/DROP would only fill the disk of a development node.
        auto_snapshot: false
        """
        .formatted(
            yamlString(settings.clusterName()),
            settings.seedList(),
            settings.address(),
            settings.address(),
            settings.storagePort(),
            settings.nativePort(),
            yamlString(node.resolve("data").toString()),
            yamlString(node.resolve("commitlog").toString()),
            yamlString(node.resolve("saved_caches").toString()),
            yamlString(node.resolve("hints").toString()),
            yamlString(node.resolve("cdc_raw").toString()));
  }

  /**
   * Cassandra's log goes to {@code logs/system.log} only. Without a file of our own Cassandra would
   * log DEBUG to the console, drowning the test output.
   */
  String logbackXml() {
    return """
        <!-- Generated by medtrace's CassandraLauncher on every start; edits are overwritten. -->
        <configuration>
          <appender name="SYSTEMLOG" class="ch.qos.logback.core.FileAppender">
            <file>%s</file>
            <append>true</append>
            <encoder>
              <pattern>%%-5level [%%thread] %%date{ISO8601} %%logger{36} - %%msg%%n</pattern>
            </encoder>
          </appender>
          <root level="INFO">
            <appender-ref ref="SYSTEMLOG"/>
          </root>
        </configuration>
        """
        .formatted(xmlText(systemLog().toString()));
  }

  private String queryReleaseVersion() {
    // A map-based configuration ignores any application.conf on the classpath: the probe must
    // reach this node only, whatever contact points the application configures.
    OptionsMap options = OptionsMap.driverDefaults();
    options.put(TypedDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(5));
    options.put(TypedDriverOption.CONNECTION_CONNECT_TIMEOUT, Duration.ofSeconds(5));
    options.put(TypedDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10));
    try (CqlSession session =
        CqlSession.builder()
            .withConfigLoader(DriverConfigLoader.fromMap(options))
            .addContactPoint(settings.contactPoint())
            .withLocalDatacenter(LOCAL_DATACENTER)
            .build()) {
      Row row = session.execute("SELECT release_version FROM system.local").one();
      return row == null ? "(unknown version)" : row.getString("release_version");
    }
  }

  private static Path configFile(Path nodeDirectory) {
    return nodeDirectory.resolve("conf").resolve("cassandra.yaml");
  }

  private static String configArgument(Path nodeDirectory) {
    return "-Dcassandra.config=" + configFile(nodeDirectory).toUri();
  }

  private static String yamlString(String value) {
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  private static String xmlText(String value) {
    return value
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  /**
   * Runs a node until Ctrl-C, for a manual check: {@code CassandraLauncher <classpath-file>
   * <node-dir> [native-port] [storage-port]}.
   */
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println(
          "usage: CassandraLauncher <classpath-file> <node-dir> [native-port] [storage-port]");
      System.exit(2);
    }
    Settings settings = Settings.defaults(Path.of(args[1]), Path.of(args[0]));
    if (args.length > 2) {
      settings = settings.withNativePort(Integer.parseInt(args[2]));
    }
    if (args.length > 3) {
      settings = settings.withStoragePort(Integer.parseInt(args[3]));
    }
    CassandraLauncher launcher = new CassandraLauncher(settings);
    launcher.start();
    System.out.println(
        "Cassandra "
            + launcher.releaseVersion().orElse("")
            + " answers CQL on "
            + settings.address()
            + ":"
            + settings.nativePort()
            + "; Ctrl-C stops it. Log: "
            + launcher.systemLog());
    // The shutdown hook registered by start() stops the node on Ctrl-C.
    launcher.server.waitForExit();
  }

  /**
   * Where and how a node runs.
   *
   * @param nodeDirectory holds the node's configuration, data, logs and PID file; kept between runs
   * @param address listen and RPC address; a loopback address (127.0.0.x) for development
   * @param nativePort CQL port
   * @param storagePort inter-node (gossip, streaming) port; also the seed's port
   * @param clusterName must stay the same for the lifetime of a node directory
   * @param classpathFile file holding Cassandra's runtime classpath on one ':'-separated line
   * @param heapSize {@code -Xms}/{@code -Xmx} value such as {@code 512M}
   * @param startupTimeout how long {@link #start()} waits for CQL
   * @param javaExecutable the {@code java} that runs Cassandra (5.0 needs JDK 11 or 17)
   */
  public record Settings(
      Path nodeDirectory,
      String address,
      int nativePort,
      int storagePort,
      String clusterName,
      Path classpathFile,
      String heapSize,
      Duration startupTimeout,
      Path javaExecutable,
      List<String> seeds,
      Duration ringDelay) {

    /** Cassandra's default CQL port; tests should use another one. */
    public static final int DEFAULT_NATIVE_PORT = 9042;

    /** Cassandra's default inter-node port; tests should use another one. */
    public static final int DEFAULT_STORAGE_PORT = 7000;

    public static final String DEFAULT_ADDRESS = "127.0.0.1";
    public static final String DEFAULT_CLUSTER_NAME = "medtrace-dev";
    public static final String DEFAULT_HEAP_SIZE = "512M";
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(180);

    /**
     * A node alone needs no gossip settling: one second cuts a fresh start from ~45 s to ~10 s. A
     * node joining a cluster needs more (see {@link #withRingDelay}).
     */
    public static final Duration DEFAULT_RING_DELAY = Duration.ofSeconds(1);

    private static final Pattern HEAP_SIZE = Pattern.compile("[1-9][0-9]*[kKmMgG]?");

    public Settings {
      Objects.requireNonNull(nodeDirectory, "nodeDirectory");
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(clusterName, "clusterName");
      Objects.requireNonNull(classpathFile, "classpathFile");
      Objects.requireNonNull(heapSize, "heapSize");
      Objects.requireNonNull(startupTimeout, "startupTimeout");
      Objects.requireNonNull(javaExecutable, "javaExecutable");
      seeds = List.copyOf(Objects.requireNonNull(seeds, "seeds"));
      Objects.requireNonNull(ringDelay, "ringDelay");
      if (ringDelay.isNegative() || ringDelay.isZero()) {
        throw new IllegalArgumentException("ringDelay must be positive");
      }
      // Absolute, because the paths end up in a YAML file read by a process with another cwd.
      nodeDirectory = nodeDirectory.toAbsolutePath().normalize();
      classpathFile = classpathFile.toAbsolutePath().normalize();
      ForkedServer.requirePort(nativePort, "nativePort");
      ForkedServer.requirePort(storagePort, "storagePort");
      if (nativePort == storagePort) {
        throw new IllegalArgumentException("nativePort and storagePort must differ");
      }
      if (!HEAP_SIZE.matcher(heapSize).matches()) {
        throw new IllegalArgumentException("heapSize must look like 512M, was " + heapSize);
      }
      if (startupTimeout.isNegative() || startupTimeout.isZero()) {
        throw new IllegalArgumentException("startupTimeout must be positive");
      }
    }

    /**
     * A development node: {@value #DEFAULT_ADDRESS}, CQL {@value #DEFAULT_NATIVE_PORT}, storage
     * {@value #DEFAULT_STORAGE_PORT}, heap {@value #DEFAULT_HEAP_SIZE}, 180 s startup timeout,
     * run by this JVM's own {@code java}.
     */
    public static Settings defaults(Path nodeDirectory, Path classpathFile) {
      return new Settings(
          nodeDirectory,
          DEFAULT_ADDRESS,
          DEFAULT_NATIVE_PORT,
          DEFAULT_STORAGE_PORT,
          DEFAULT_CLUSTER_NAME,
          classpathFile,
          DEFAULT_HEAP_SIZE,
          DEFAULT_STARTUP_TIMEOUT,
          currentJava(),
          List.of(),
          DEFAULT_RING_DELAY);
    }

    /** The {@code java} binary of the running JVM. */
    public static Path currentJava() {
      return ForkedServer.currentJava();
    }

    public Settings withNodeDirectory(Path value) {
      return new Settings(value, address, nativePort, storagePort, clusterName, classpathFile, heapSize, startupTimeout, javaExecutable, seeds, ringDelay);
    }

    public Settings withAddress(String value) {
      return new Settings(nodeDirectory, value, nativePort, storagePort, clusterName, classpathFile, heapSize, startupTimeout, javaExecutable, seeds, ringDelay);
    }

    public Settings withNativePort(int value) {
      return new Settings(nodeDirectory, address, value, storagePort, clusterName, classpathFile, heapSize, startupTimeout, javaExecutable, seeds, ringDelay);
    }

    public Settings withStoragePort(int value) {
      return new Settings(nodeDirectory, address, nativePort, value, clusterName, classpathFile, heapSize, startupTimeout, javaExecutable, seeds, ringDelay);
    }

    public Settings withClusterName(String value) {
      return new Settings(nodeDirectory, address, nativePort, storagePort, value, classpathFile, heapSize, startupTimeout, javaExecutable, seeds, ringDelay);
    }

    public Settings withClasspathFile(Path value) {
      return new Settings(nodeDirectory, address, nativePort, storagePort, clusterName, value, heapSize, startupTimeout, javaExecutable, seeds, ringDelay);
    }

    public Settings withHeapSize(String value) {
      return new Settings(nodeDirectory, address, nativePort, storagePort, clusterName, classpathFile, value, startupTimeout, javaExecutable, seeds, ringDelay);
    }

    public Settings withStartupTimeout(Duration value) {
      return new Settings(nodeDirectory, address, nativePort, storagePort, clusterName, classpathFile, heapSize, value, javaExecutable, seeds, ringDelay);
    }

    public Settings withJavaExecutable(Path value) {
      return new Settings(nodeDirectory, address, nativePort, storagePort, clusterName, classpathFile, heapSize, startupTimeout, value, seeds, ringDelay);
    }

    public Settings withSeeds(List<String> value) {
      return new Settings(nodeDirectory, address, nativePort, storagePort, clusterName, classpathFile, heapSize, startupTimeout, javaExecutable, value, ringDelay);
    }

    public Settings withRingDelay(Duration value) {
      return new Settings(nodeDirectory, address, nativePort, storagePort, clusterName, classpathFile, heapSize, startupTimeout, javaExecutable, seeds, value);
    }

    /** The seeds as {@code cassandra.yaml} lists them: comma-separated, this node when none is set. */
    String seedList() {
      return seeds.isEmpty() ? address + ":" + storagePort : String.join(",", seeds);
    }

    /** The CQL endpoint. */
    public InetSocketAddress contactPoint() {
      return new InetSocketAddress(address, nativePort);
    }

    Path logDirectory() {
      return nodeDirectory.resolve("logs");
    }
  }

  /** Cassandra did not become CQL-ready; the message ends with the tail of its logs. */
  public static final class StartupException extends IOException {
    private static final long serialVersionUID = 1L;

    StartupException(ForkedServer.NotReadyException failure) {
      super(failure.getMessage(), failure);
    }
  }
}
