package org.medtrace.ingest.kafka;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.TopicExistsException;
import org.medtrace.forked.ForkedServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a real Apache Kafka broker (KRaft combined mode: broker and controller in one process, one
 * node) in a forked JVM, for development and tests. Production points at an existing cluster by
 * configuration ({@code medtrace.kafka.bootstrap-servers}) and never uses this class.
 *
 * <p>The broker never shares a JVM with medtrace: its Scala, Jackson and logging jars are not the
 * node's, and a broker is a server of its own. This class therefore needs only the JDK and
 * kafka-clients (an {@link Admin} client, to see that the broker answers). It reads the broker's
 * runtime classpath from a file (written by the {@code kafka-runtime} module at build time), writes
 * {@code server.properties} and a JVM argument file into the node directory, formats the storage
 * once ({@code kafka.tools.StorageTool format --ignore-formatted}, with the fixed {@link
 * Settings#clusterId()}) and runs {@code java @<node>/conf/jvm.args kafka.Kafka
 * <node>/conf/server.properties} with the JDK that runs this JVM.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>{@link #start()} returns only once an {@link Admin} client's {@code describeCluster}
 *       answers; if formatting fails, the process dies first or {@link Settings#startupTimeout()}
 *       passes, it stops the process and throws a {@link StartupException} whose message carries
 *       the tail of the broker's logs.
 *   <li>The node directory is kept between runs: starting again on the same directory restarts the
 *       same broker with its topics and records (the storage is formatted only the first time).
 *   <li>A JVM shutdown hook stops the broker, so an aborted test run leaves no Kafka behind. A
 *       broker orphaned by a {@code kill -9} of this JVM is recognised by its PID file and stopped
 *       on the next {@link #start()} on the same directory.
 *   <li>{@link #stop()} sends SIGTERM (the broker shuts down in a controlled way and flushes its
 *       logs), waits up to {@link #STOP_GRACE_PERIOD}, then kills; it is idempotent.
 * </ul>
 *
 * <p>Layout of the node directory: {@code conf/} (rewritten on every start: {@code
 * server.properties}, {@code jvm.args}), {@code data/} (the broker's log dirs: topics and the
 * KRaft metadata log), {@code logs/server.log} (the broker's own log, INFO, via slf4j-simple),
 * {@code logs/console.log} (the JVM's stdout and stderr), {@code logs/format.log} (the storage
 * tool's output) and {@code kafka.pid}.
 */
public final class KafkaLauncher implements AutoCloseable {

  /**
   * The cluster id every broker started by this class formats its storage with. Fixed, so that a
   * restart on an existing node directory finds storage formatted for the same cluster (a new id
   * would make the broker refuse its own data). Base64 of 16 bytes, as Kafka requires.
   */
  public static final String DEFAULT_CLUSTER_ID = "bWVkdHJhY2UtZGV2LWthZg";

  /** How long {@link #stop()} lets the broker shut down after SIGTERM before killing it. */
  public static final Duration STOP_GRACE_PERIOD = Duration.ofSeconds(30);

  /** How long formatting the storage may take (measured: 1.4 s). */
  static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(120);

  /** The broker's heap: enough for development and tests (measured RSS 355–460 MB). */
  static final String MIN_HEAP = "256m";

  static final String MAX_HEAP = "512m";

  private static final Logger log = LoggerFactory.getLogger(KafkaLauncher.class);

  private static final ForkedServer.Log FORKED_SERVER_LOG =
      new ForkedServer.Log(log::info, log::warn);

  private static final String NAME = "Kafka";

  private static final String MAIN_CLASS = "kafka.Kafka";
  private static final String STORAGE_TOOL_CLASS = "kafka.tools.StorageTool";

  /** The node id of the one broker/controller; it votes for itself. */
  private static final int NODE_ID = 1;

  /** Kafka's own rule for cluster ids: 16 bytes, URL-safe base64 without padding (22 characters). */
  private static final Pattern CLUSTER_ID = Pattern.compile("[A-Za-z0-9_-]{22}");

  private static final Pattern HEAP_SIZE = Pattern.compile("[1-9][0-9]*[kKmMgG]?");

  private final Settings settings;
  private ForkedServer server;

  /** A launcher for one broker; nothing happens until {@link #start()}. */
  public KafkaLauncher(Settings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /** Where and how the broker runs. */
  public Settings settings() {
    return settings;
  }

  /** What clients use as {@code bootstrap.servers}: {@code address:clientPort}. */
  public String bootstrapServers() {
    return settings.bootstrapServers();
  }

  /** Whether the broker process this launcher started is alive. */
  public synchronized boolean isRunning() {
    return server != null && server.isAlive();
  }

  /** The PID of the running broker JVM, if any. */
  public synchronized OptionalLong pid() {
    return isRunning() ? OptionalLong.of(server.pid()) : OptionalLong.empty();
  }

  /** The broker's own log (INFO and above). */
  public Path serverLog() {
    return forkedServer(settings.nodeDirectory()).serverLog();
  }

  /** Everything the broker JVM wrote to stdout and stderr. */
  public Path consoleLog() {
    return forkedServer(settings.nodeDirectory()).consoleLog();
  }

  /** What the storage tool wrote while formatting. */
  public Path formatLog() {
    return settings.logDirectory().resolve("format.log");
  }

  /**
   * Formats the storage if needed, starts the broker and returns once it answers an admin client.
   * Holds this launcher's lock while it waits, so a concurrent {@link #stop()} waits too;
   * interrupting the starting thread stops the broker.
   *
   * @throws StartupException if formatting fails, or the broker exits or does not answer within the
   *     startup timeout (the process is stopped; the message quotes the end of its logs)
   * @throws IOException if the classpath file is missing or empty, or the node directory cannot be
   *     written
   * @throws IllegalStateException if this launcher already runs a broker, or another process
   *     already listens on the client or controller port (a test would otherwise silently talk to
   *     that server)
   */
  public synchronized void start() throws IOException, InterruptedException {
    if (server != null) {
      throw new IllegalStateException("Kafka is already started (pid " + server.pid() + ")");
    }
    stopLeftover(settings.nodeDirectory());
    for (int port : List.of(settings.clientPort(), settings.controllerPort())) {
      ForkedServer.requireNothingListensOn(
          new InetSocketAddress(settings.address(), port),
          "stop it or choose other ports for this Kafka broker");
    }
    String classpath =
        ForkedServer.readClasspathFile(
            settings.classpathFile(), NAME, "mvn -pl kafka-runtime generate-resources");
    prepareNodeDirectory(classpath);

    formatStorage(classpath);
    log.info(
        "Starting Kafka on {} (controller port {}) in {}",
        settings.bootstrapServers(),
        settings.controllerPort(),
        settings.nodeDirectory());
    ForkedServer started =
        ForkedServer.start(forkedServer(settings.nodeDirectory()), settings.javaExecutable());
    try {
      // The port opens before the broker has caught up with the metadata log; describeCluster
      // answers only once it serves clients.
      started.awaitReady(
          new InetSocketAddress(settings.address(), settings.clientPort()),
          "ready for an admin client on " + settings.bootstrapServers(),
          settings.startupTimeout(),
          () -> describeCluster(settings.bootstrapServers(), Duration.ofSeconds(5)));
    } catch (ForkedServer.NotReadyException e) {
      throw new StartupException(e);
    }
    server = started;
    log.info(
        "Kafka ready on {} after {} s (pid {})",
        settings.bootstrapServers(),
        started.secondsSinceStart(),
        started.pid());
  }

  /**
   * Stops the broker: SIGTERM, up to {@link #STOP_GRACE_PERIOD} for a controlled shutdown, then
   * SIGKILL. Does nothing if the broker is not running.
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
   * Creates these topics where missing, with the cluster's default replication factor; topics that
   * already exist are left as they are (whatever their partition count). Returns once the broker
   * has created them.
   *
   * @throws IllegalStateException if the broker refuses to create a topic (bad name, not enough
   *     brokers) or does not answer within {@code timeout}
   */
  public static void createTopics(
      String bootstrapServers, Collection<String> names, int partitions, Duration timeout) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
    }
    List<NewTopic> topics =
        names.stream()
            .map(name -> new NewTopic(name, Optional.of(partitions), Optional.empty()))
            .toList();
    try (Admin admin = Admin.create(adminProperties(bootstrapServers, timeout))) {
      CreateTopicsResult result = admin.createTopics(topics);
      for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> topic :
          result.values().entrySet()) {
        try {
          topic.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException(
                "Kafka at " + bootstrapServers + " did not create topic " + topic.getKey() + ": "
                    + e.getCause(),
                e.getCause());
          }
        } catch (TimeoutException e) {
          throw new IllegalStateException(
              "Kafka at " + bootstrapServers + " did not create topic " + topic.getKey()
                  + " within " + timeout,
              e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("Interrupted while creating topic " + topic.getKey(), e);
        }
      }
    }
  }

  /** {@link #createTopics(String, Collection, int, Duration)} with a 60 s timeout. */
  public static void createTopics(String bootstrapServers, Collection<String> names, int partitions) {
    createTopics(bootstrapServers, names, partitions, Duration.ofSeconds(60));
  }

  /**
   * Stops a broker left running on {@code nodeDirectory} by a JVM that died without running its
   * shutdown hooks ({@code kill -9}, a killed IDE). Only the process named in the directory's PID
   * file is touched, and only if its command line shows it is a Kafka broker using this very
   * directory's {@code server.properties}.
   */
  public static void stopLeftover(Path nodeDirectory) throws IOException {
    forkedServer(nodeDirectory).stopLeftover();
  }

  /**
   * The broker runs as {@code java @conf/jvm.args kafka.Kafka <server.properties>}: the main class
   * and the properties file identify it, everything else sits in the argument file (see {@link
   * ForkedServer}).
   */
  private static ForkedServer.Spec forkedServer(Path nodeDirectory) {
    return new ForkedServer.Spec(
        NAME,
        nodeDirectory,
        List.of(MAIN_CLASS, serverProperties(nodeDirectory).toString()),
        "server.log",
        STOP_GRACE_PERIOD,
        FORKED_SERVER_LOG);
  }

  private List<String> jvmArguments(String classpath) {
    List<String> arguments = new ArrayList<>();
    arguments.add("-Xms" + MIN_HEAP);
    arguments.add("-Xmx" + MAX_HEAP);
    arguments.add("-XX:+UseG1GC");
    arguments.add("-Djava.awt.headless=true");
    arguments.add("-Djava.net.preferIPv4Stack=true");
    // slf4j-simple is the broker's only slf4j binding; it writes the whole log to one file.
    arguments.add("-Dorg.slf4j.simpleLogger.logFile=" + serverLog());
    arguments.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
    arguments.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
    arguments.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ");
    // Kafka's controller is chatty about every metadata record at INFO.
    arguments.add("-Dorg.slf4j.simpleLogger.log.org.apache.kafka.image=warn");
    arguments.add("-cp");
    arguments.add(classpath);
    return arguments;
  }

  private void prepareNodeDirectory(String classpath) throws IOException {
    Path node = settings.nodeDirectory();
    for (String directory : List.of("conf", "logs", "data")) {
      Files.createDirectories(node.resolve(directory));
    }
    Files.writeString(serverProperties(node), serverProperties());
    forkedServer(node).writeArgumentFile(jvmArguments(classpath));
  }

  /**
   * Only what a single development broker needs; everything else keeps Kafka's defaults. Rewritten
   * on every start, so changed settings apply to an existing node directory too.
   */
  String serverProperties() {
    String address = settings.address();
    return """
        # Generated by medtrace's KafkaLauncher on every start; edits are overwritten.
        # One process is both broker and KRaft controller; it is the only voter.
        process.roles=broker,controller
        node.id=%d
        controller.quorum.voters=%d@%s:%d
        listeners=PLAINTEXT://%s:%d,CONTROLLER://%s:%d
        advertised.listeners=PLAINTEXT://%s:%d
        listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
        inter.broker.listener.name=PLAINTEXT
        controller.listener.names=CONTROLLER
        log.dirs=%s
        # One broker: every internal topic has one replica, and one in-sync replica is enough.
        default.replication.factor=1
        min.insync.replicas=1
        offsets.topic.replication.factor=1
        transaction.state.log.replication.factor=1
        transaction.state.log.min.isr=1
        share.coordinator.state.topic.replication.factor=1
        share.coordinator.state.topic.min.isr=1
        # Few partitions for the internal topics: creating 50 on first use takes seconds here.
        offsets.topic.num.partitions=1
        transaction.state.log.num.partitions=1
        # A consumer group starts consuming at once instead of waiting 3 s for more members.
        group.initial.rebalance.delay.ms=0
        # Topics are created on purpose (KafkaLauncher.createTopics), never by a typo in a name.
        auto.create.topics.enable=false
        """
        .formatted(
            NODE_ID,
            NODE_ID,
            address,
            settings.controllerPort(),
            address,
            settings.clientPort(),
            address,
            settings.controllerPort(),
            address,
            settings.clientPort(),
            settings.dataDirectory());
  }

  /**
   * Formats the log dirs for {@link Settings#clusterId()}, once: {@code --ignore-formatted} makes
   * it a no-op on a directory formatted before, which is what lets a restart keep its data.
   */
  private void formatStorage(String classpath) throws IOException, InterruptedException {
    List<String> command =
        List.of(
            settings.javaExecutable().toString(),
            "-Xmx" + MAX_HEAP,
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-cp",
            classpath,
            STORAGE_TOOL_CLASS,
            "format",
            "-t",
            settings.clusterId(),
            "-c",
            serverProperties(settings.nodeDirectory()).toString(),
            "--ignore-formatted");
    Process format =
        ForkedServer.processBuilder(command, settings.nodeDirectory())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(formatLog().toFile()))
            .start();
    if (!format.waitFor(FORMAT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      format.destroyForcibly().waitFor();
      throw new StartupException(
          "Formatting Kafka's storage in " + settings.dataDirectory() + " took longer than "
              + FORMAT_TIMEOUT.toSeconds() + " s",
          ForkedServer.tail(formatLog(), ForkedServer.LOG_TAIL_LINES));
    }
    if (format.exitValue() != 0) {
      throw new StartupException(
          "Formatting Kafka's storage in "
              + settings.dataDirectory()
              + " failed with exit code "
              + format.exitValue()
              + " ("
              + STORAGE_TOOL_CLASS
              + " with the classpath from "
              + settings.classpathFile()
              + ")",
          ForkedServer.tail(formatLog(), ForkedServer.LOG_TAIL_LINES));
    }
  }

  private static Collection<Node> describeCluster(String bootstrapServers, Duration timeout)
      throws ExecutionException, TimeoutException, InterruptedException {
    try (Admin admin = Admin.create(adminProperties(bootstrapServers, timeout))) {
      return admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private static Properties adminProperties(String bootstrapServers, Duration timeout) {
    Properties properties = new Properties();
    properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
    properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
    return properties;
  }

  private static Path serverProperties(Path nodeDirectory) {
    return nodeDirectory.resolve("conf").resolve("server.properties");
  }

  /**
   * Runs a broker until Ctrl-C, for a manual check: {@code KafkaLauncher <classpath-file>
   * <node-dir> [client-port] [controller-port]}.
   */
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println(
          "usage: KafkaLauncher <classpath-file> <node-dir> [client-port] [controller-port]");
      System.exit(2);
    }
    Settings settings = Settings.defaults(Path.of(args[1]), Path.of(args[0]));
    if (args.length > 2) {
      settings = settings.withClientPort(Integer.parseInt(args[2]));
    }
    if (args.length > 3) {
      settings = settings.withControllerPort(Integer.parseInt(args[3]));
    }
    KafkaLauncher launcher = new KafkaLauncher(settings);
    launcher.start();
    System.out.println(
        "Kafka answers on "
            + launcher.bootstrapServers()
            + "; Ctrl-C stops it. Log: "
            + launcher.serverLog());
    // The shutdown hook registered by start() stops the broker on Ctrl-C.
    launcher.server.waitForExit();
  }

  /**
   * Where and how a broker runs.
   *
   * @param nodeDirectory holds the broker's configuration, data, logs and PID file; kept between
   *     runs
   * @param address the listeners' address; a loopback address (127.0.0.x) for development
   * @param clientPort the port clients bootstrap from ({@code PLAINTEXT} listener)
   * @param controllerPort the KRaft controller's port
   * @param clusterId the id the storage is formatted with; must stay the same for the lifetime of
   *     a node directory
   * @param classpathFile file holding the broker's runtime classpath on one ':'-separated line
   * @param startupTimeout how long {@link #start()} waits for the broker to answer
   * @param javaExecutable the {@code java} that runs the broker
   */
  public record Settings(
      Path nodeDirectory,
      String address,
      int clientPort,
      int controllerPort,
      String clusterId,
      Path classpathFile,
      Duration startupTimeout,
      Path javaExecutable) {

    /** Kafka's default client port; tests should use another one. */
    public static final int DEFAULT_CLIENT_PORT = 9092;

    /** The usual KRaft controller port; tests should use another one. */
    public static final int DEFAULT_CONTROLLER_PORT = 9093;

    public static final String DEFAULT_ADDRESS = "127.0.0.1";

    /** Measured: admin-ready after 5–12 s, up to 36 s on a loaded machine. */
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(120);

    public Settings {
      Objects.requireNonNull(nodeDirectory, "nodeDirectory");
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(clusterId, "clusterId");
      Objects.requireNonNull(classpathFile, "classpathFile");
      Objects.requireNonNull(startupTimeout, "startupTimeout");
      Objects.requireNonNull(javaExecutable, "javaExecutable");
      // Absolute, because the paths end up in server.properties read by a process with another cwd.
      nodeDirectory = nodeDirectory.toAbsolutePath().normalize();
      classpathFile = classpathFile.toAbsolutePath().normalize();
      ForkedServer.requirePort(clientPort, "clientPort");
      ForkedServer.requirePort(controllerPort, "controllerPort");
      if (clientPort == controllerPort) {
        throw new IllegalArgumentException("clientPort and controllerPort must differ");
      }
      if (!CLUSTER_ID.matcher(clusterId).matches()) {
        throw new IllegalArgumentException(
            "clusterId must be 16 bytes in URL-safe base64 without padding (22 characters), was "
                + clusterId);
      }
      if (startupTimeout.isNegative() || startupTimeout.isZero()) {
        throw new IllegalArgumentException("startupTimeout must be positive");
      }
    }

    /**
     * A development broker: {@value #DEFAULT_ADDRESS}, client port {@value #DEFAULT_CLIENT_PORT},
     * controller port {@value #DEFAULT_CONTROLLER_PORT}, cluster id {@link #DEFAULT_CLUSTER_ID},
     * 120 s startup timeout, run by this JVM's own {@code java}.
     */
    public static Settings defaults(Path nodeDirectory, Path classpathFile) {
      return new Settings(
          nodeDirectory,
          DEFAULT_ADDRESS,
          DEFAULT_CLIENT_PORT,
          DEFAULT_CONTROLLER_PORT,
          DEFAULT_CLUSTER_ID,
          classpathFile,
          DEFAULT_STARTUP_TIMEOUT,
          currentJava());
    }

    /** The {@code java} binary of the running JVM. */
    public static Path currentJava() {
      return ForkedServer.currentJava();
    }

    public Settings withNodeDirectory(Path value) {
      return new Settings(
          value, address, clientPort, controllerPort, clusterId, classpathFile, startupTimeout,
          javaExecutable);
    }

    public Settings withAddress(String value) {
      return new Settings(
          nodeDirectory, value, clientPort, controllerPort, clusterId, classpathFile,
          startupTimeout, javaExecutable);
    }

    public Settings withClientPort(int value) {
      return new Settings(
          nodeDirectory, address, value, controllerPort, clusterId, classpathFile, startupTimeout,
          javaExecutable);
    }

    public Settings withControllerPort(int value) {
      return new Settings(
          nodeDirectory, address, clientPort, value, clusterId, classpathFile, startupTimeout,
          javaExecutable);
    }

    public Settings withClusterId(String value) {
      return new Settings(
          nodeDirectory, address, clientPort, controllerPort, value, classpathFile, startupTimeout,
          javaExecutable);
    }

    public Settings withClasspathFile(Path value) {
      return new Settings(
          nodeDirectory, address, clientPort, controllerPort, clusterId, value, startupTimeout,
          javaExecutable);
    }

    public Settings withStartupTimeout(Duration value) {
      return new Settings(
          nodeDirectory, address, clientPort, controllerPort, clusterId, classpathFile, value,
          javaExecutable);
    }

    public Settings withJavaExecutable(Path value) {
      return new Settings(
          nodeDirectory, address, clientPort, controllerPort, clusterId, classpathFile,
          startupTimeout, value);
    }

    /** {@code address:clientPort}, what clients use as {@code bootstrap.servers}. */
    public String bootstrapServers() {
      return address + ":" + clientPort;
    }

    Path dataDirectory() {
      return nodeDirectory.resolve("data");
    }

    Path logDirectory() {
      return nodeDirectory.resolve("logs");
    }
  }

  /** The broker did not become ready; the message ends with the tail of its logs. */
  public static final class StartupException extends IOException {
    private static final long serialVersionUID = 1L;

    StartupException(String message, String logTails) {
      super(message + logTails);
    }

    StartupException(ForkedServer.NotReadyException failure) {
      super(failure.getMessage(), failure);
    }
  }
}
