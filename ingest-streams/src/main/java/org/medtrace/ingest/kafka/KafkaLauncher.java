package org.medtrace.ingest.kafka;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
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

  /** How many lines of the broker's own log a startup failure quotes. */
  static final int LOG_TAIL_LINES = 40;

  /** How many lines of the JVM's stdout/stderr a startup failure quotes (JVM errors land there). */
  static final int CONSOLE_TAIL_LINES = 15;

  /** The broker's heap: enough for development and tests (measured RSS 355–460 MB). */
  static final String MIN_HEAP = "256m";

  static final String MAX_HEAP = "512m";

  private static final Logger log = LoggerFactory.getLogger(KafkaLauncher.class);

  private static final String MAIN_CLASS = "kafka.Kafka";
  private static final String STORAGE_TOOL_CLASS = "kafka.tools.StorageTool";

  private static final Duration POLL_INTERVAL = Duration.ofMillis(250);

  /** The node id of the one broker/controller; it votes for itself. */
  private static final int NODE_ID = 1;

  /** Kafka's own rule for cluster ids: 16 bytes, URL-safe base64 without padding (22 characters). */
  private static final Pattern CLUSTER_ID = Pattern.compile("[A-Za-z0-9_-]{22}");

  private static final Pattern HEAP_SIZE = Pattern.compile("[1-9][0-9]*[kKmMgG]?");

  /**
   * Options a developer may have set for their own JVMs; the {@code java} launcher would apply
   * them to the broker too and make its start depend on the shell it ran from.
   */
  private static final List<String> INHERITED_JVM_OPTION_VARIABLES =
      List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH", "KAFKA_OPTS");

  private final Settings settings;
  private Process process;
  private Thread shutdownHook;

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
    return process != null && process.isAlive();
  }

  /** The PID of the running broker JVM, if any. */
  public synchronized OptionalLong pid() {
    return isRunning() ? OptionalLong.of(process.pid()) : OptionalLong.empty();
  }

  /** The broker's own log (INFO and above). */
  public Path serverLog() {
    return settings.logDirectory().resolve("server.log");
  }

  /** Everything the broker JVM wrote to stdout and stderr. */
  public Path consoleLog() {
    return settings.logDirectory().resolve("console.log");
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
    if (process != null) {
      throw new IllegalStateException("Kafka is already started (pid " + process.pid() + ")");
    }
    stopLeftover(settings.nodeDirectory());
    for (int port : List.of(settings.clientPort(), settings.controllerPort())) {
      if (acceptsConnections(new InetSocketAddress(settings.address(), port))) {
        throw new IllegalStateException(
            "Something already listens on "
                + settings.address()
                + ":"
                + port
                + "; stop it or choose other ports for this Kafka broker");
      }
    }
    String classpath = readClasspath(settings.classpathFile());
    prepareNodeDirectory(classpath);

    long startedAt = System.nanoTime();
    formatStorage(classpath);
    log.info(
        "Starting Kafka on {} (controller port {}) in {}",
        settings.bootstrapServers(),
        settings.controllerPort(),
        settings.nodeDirectory());
    ProcessBuilder builder =
        new ProcessBuilder(command())
            .directory(settings.nodeDirectory().toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(consoleLog().toFile()));
    INHERITED_JVM_OPTION_VARIABLES.forEach(builder.environment()::remove);
    Process started = builder.start();
    process = started;
    // The hook holds no lock: it must be able to kill the broker while start() is still waiting.
    shutdownHook =
        new Thread(
            () -> {
              terminate(started.toHandle(), STOP_GRACE_PERIOD);
              deletePidFile();
            },
            "kafka-launcher-shutdown-" + started.pid());
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    try {
      Files.writeString(pidFile(settings.nodeDirectory()), Long.toString(started.pid()));
      awaitAdminReady(startedAt);
    } catch (IOException | InterruptedException | RuntimeException e) {
      stop();
      throw e;
    }
    log.info(
        "Kafka ready on {} after {} s (pid {})",
        settings.bootstrapServers(),
        seconds(System.nanoTime() - startedAt),
        started.pid());
  }

  /**
   * Stops the broker: SIGTERM, up to {@link #STOP_GRACE_PERIOD} for a controlled shutdown, then
   * SIGKILL. Does nothing if the broker is not running.
   */
  public synchronized void stop() {
    Process running = process;
    if (running == null) {
      return;
    }
    process = null;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException jvmAlreadyExiting) {
      // The hook is running or about to run and stops the broker itself.
    }
    shutdownHook = null;
    long stoppingAt = System.nanoTime();
    if (running.isAlive()) {
      log.info("Stopping Kafka (pid {})", running.pid());
      terminate(running.toHandle(), STOP_GRACE_PERIOD);
    }
    deletePidFile();
    log.info(
        "Kafka stopped after {} s (exit code {})",
        seconds(System.nanoTime() - stoppingAt),
        running.isAlive() ? "unknown" : Integer.toString(running.exitValue()));
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

  private void deletePidFile() {
    try {
      Files.deleteIfExists(pidFile(settings.nodeDirectory()));
    } catch (IOException e) {
      log.warn("Could not delete {}: {}", pidFile(settings.nodeDirectory()), e.toString());
    }
  }

  /**
   * Stops a broker left running on {@code nodeDirectory} by a JVM that died without running its
   * shutdown hooks ({@code kill -9}, a killed IDE). Only the process named in the directory's PID
   * file is touched, and only if its command line shows it is a Kafka broker using this very
   * directory's {@code server.properties}.
   */
  public static void stopLeftover(Path nodeDirectory) throws IOException {
    Path pidFile = pidFile(nodeDirectory);
    if (!Files.isRegularFile(pidFile)) {
      return;
    }
    String recorded = Files.readString(pidFile).trim();
    Optional<ProcessHandle> leftover;
    try {
      leftover = ProcessHandle.of(Long.parseLong(recorded));
    } catch (NumberFormatException e) {
      leftover = Optional.empty();
    }
    String propertiesArgument = serverProperties(nodeDirectory).toString();
    leftover
        .filter(ProcessHandle::isAlive)
        .filter(
            handle -> {
              List<String> arguments =
                  handle.info().arguments().map(Arrays::asList).orElse(List.of());
              return arguments.contains(MAIN_CLASS) && arguments.contains(propertiesArgument);
            })
        .ifPresent(
            handle -> {
              log.warn(
                  "Stopping Kafka (pid {}) left running on {} by an earlier run",
                  handle.pid(),
                  nodeDirectory);
              terminate(handle, STOP_GRACE_PERIOD);
            });
    Files.deleteIfExists(pidFile);
  }

  private static void terminate(ProcessHandle handle, Duration gracePeriod) {
    handle.destroy();
    try {
      handle.onExit().get(gracePeriod.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn("Kafka (pid {}) did not stop within {}; killing it", handle.pid(), gracePeriod);
      handle.destroyForcibly();
      handle.onExit().join();
    } catch (InterruptedException e) {
      handle.destroyForcibly();
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException("Waiting for Kafka to exit failed", e);
    }
  }

  /**
   * {@code java @conf/jvm.args kafka.Kafka <server.properties>}. Everything but the two arguments
   * that identify the broker sits in an argument file: the classpath alone is several KB, and the
   * JDK reports no arguments for a process whose command line exceeds 4 KB, which would leave
   * {@link #stopLeftover} unable to recognise the broker.
   */
  private List<String> command() {
    return List.of(
        settings.javaExecutable().toString(),
        "@" + jvmArgumentFile(settings.nodeDirectory()),
        MAIN_CLASS,
        serverProperties(settings.nodeDirectory()).toString());
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

  /**
   * One argument per line, quoted, because java's argument-file syntax splits on unquoted
   * whitespace; inside quotes a backslash escapes, so backslashes are doubled.
   */
  static String argumentFile(List<String> arguments) {
    return arguments.stream()
        .map(
            argument -> {
              String escaped = argument.replace("\\", "\\\\");
              char quote = escaped.indexOf('"') < 0 ? '"' : '\'';
              return quote + escaped + quote;
            })
        .collect(Collectors.joining("\n", "", "\n"));
  }

  private void prepareNodeDirectory(String classpath) throws IOException {
    Path node = settings.nodeDirectory();
    for (String directory : List.of("conf", "logs", "data")) {
      Files.createDirectories(node.resolve(directory));
    }
    Files.writeString(serverProperties(node), serverProperties());
    Files.writeString(jvmArgumentFile(node), argumentFile(jvmArguments(classpath)));
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
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(settings.nodeDirectory().toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(formatLog().toFile()));
    INHERITED_JVM_OPTION_VARIABLES.forEach(builder.environment()::remove);
    Process format = builder.start();
    if (!format.waitFor(FORMAT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      format.destroyForcibly().waitFor();
      throw new StartupException(
          "Formatting Kafka's storage in " + settings.dataDirectory() + " took longer than "
              + FORMAT_TIMEOUT.toSeconds() + " s",
          tail(formatLog(), LOG_TAIL_LINES));
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
          tail(formatLog(), LOG_TAIL_LINES));
    }
  }

  /** Polls until an admin client sees the cluster. */
  private void awaitAdminReady(long startedAt) throws StartupException, InterruptedException {
    long deadline = startedAt + settings.startupTimeout().toNanos();
    Exception lastAttempt = null;
    while (true) {
      if (!process.isAlive()) {
        throw new StartupException(
            "Kafka exited with code " + process.exitValue() + " during startup", logTails());
      }
      if (System.nanoTime() - deadline > 0) {
        String cause = lastAttempt == null ? "" : " (last admin attempt: " + lastAttempt + ")";
        throw new StartupException(
            "Kafka did not answer on "
                + settings.bootstrapServers()
                + " within "
                + settings.startupTimeout().toSeconds()
                + " s"
                + cause,
            logTails());
      }
      // The port opens before the broker has caught up with the metadata log; describeCluster
      // answers only once it serves clients.
      if (acceptsConnections(new InetSocketAddress(settings.address(), settings.clientPort()))) {
        try {
          describeCluster(settings.bootstrapServers(), Duration.ofSeconds(5));
          return;
        } catch (ExecutionException | TimeoutException | RuntimeException notYet) {
          lastAttempt = notYet;
        }
      }
      Thread.sleep(POLL_INTERVAL.toMillis());
    }
  }

  private static void describeCluster(String bootstrapServers, Duration timeout)
      throws ExecutionException, TimeoutException, InterruptedException {
    try (Admin admin = Admin.create(adminProperties(bootstrapServers, timeout))) {
      admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
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

  private String logTails() {
    return tail(serverLog(), LOG_TAIL_LINES) + tail(consoleLog(), CONSOLE_TAIL_LINES);
  }

  /** The last lines of a log file, read from its end so a huge log costs nothing. */
  static String tail(Path file, int lines) {
    if (!Files.isRegularFile(file)) {
      return "\n--- " + file + " does not exist ---\n";
    }
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long length = in.length();
      int chunk = (int) Math.min(length, 256 * 1024);
      byte[] bytes = new byte[chunk];
      in.seek(length - chunk);
      in.readFully(bytes);
      List<String> all = new String(bytes, StandardCharsets.UTF_8).lines().toList();
      List<String> last = all.subList(Math.max(0, all.size() - lines), all.size());
      return "\n--- last "
          + last.size()
          + " lines of "
          + file
          + " ---\n"
          + String.join("\n", last)
          + "\n";
    } catch (IOException e) {
      return "\n--- could not read " + file + ": " + e + " ---\n";
    }
  }

  private static boolean acceptsConnections(InetSocketAddress address) {
    try (Socket socket = new Socket()) {
      socket.connect(address, 500);
      return true;
    } catch (IOException refused) {
      return false;
    }
  }

  private static String readClasspath(Path classpathFile) throws IOException {
    if (!Files.isRegularFile(classpathFile)) {
      throw new IOException(
          "Kafka's classpath file "
              + classpathFile
              + " does not exist; build it with `mvn -pl kafka-runtime generate-resources`");
    }
    String classpath = Files.readString(classpathFile).trim();
    if (classpath.isEmpty()) {
      throw new IOException("Kafka's classpath file " + classpathFile + " is empty");
    }
    return classpath;
  }

  private static Path serverProperties(Path nodeDirectory) {
    return nodeDirectory.resolve("conf").resolve("server.properties");
  }

  private static Path jvmArgumentFile(Path nodeDirectory) {
    return nodeDirectory.resolve("conf").resolve("jvm.args");
  }

  private static Path pidFile(Path nodeDirectory) {
    return nodeDirectory.resolve("kafka.pid");
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f", nanos / 1e9);
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
    launcher.process.waitFor();
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
      requirePort(clientPort, "clientPort");
      requirePort(controllerPort, "controllerPort");
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
      return ProcessHandle.current()
          .info()
          .command()
          .map(Path::of)
          .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java"));
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

    private static void requirePort(int port, String name) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException(name + " must be in 1..65535, was " + port);
      }
    }
  }

  /** The broker did not become ready; the message ends with the tail of its logs. */
  public static final class StartupException extends IOException {
    private static final long serialVersionUID = 1L;

    StartupException(String message, String logTails) {
      super(message + logTails);
    }
  }
}
