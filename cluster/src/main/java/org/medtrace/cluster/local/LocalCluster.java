package org.medtrace.cluster.local;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.medtrace.cluster.NodeTopics;
import org.medtrace.http.HttpApiSettings;
import org.medtrace.http.auth.DevTokenIssuer;
import org.medtrace.ingest.kafka.KafkaLauncher;
import org.medtrace.persistence.cassandra.CassandraLauncher;
import org.medtrace.persistence.cassandra.CassandraSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/medtrace-cluster up | down [--wipe] | status}: three Cassandra nodes (replication
 * factor 3), one Kafka broker and three medtrace nodes on this machine, each in its own JVM, as a
 * cluster to try failover and consistency on. See {@code cluster/LOCAL-CLUSTER.md}.
 *
 * <p>{@code up} returns once every node is ready and leaves the processes running: it ends with
 * {@link Runtime#halt}, because the launchers' shutdown hooks would otherwise stop the servers with
 * this JVM. {@code down} and {@code status} work from any shell: every process is found through the
 * PID file in its directory, and stopped only if its command line shows it is that very process.
 *
 * <p>The fault tests ({@code ClusterFaultTest}) start the same cluster through {@link #start} on a
 * layout of their own, and kill, stop and restart its processes one by one.
 */
public final class LocalCluster {

  private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);

  private static final ObjectMapper JSON = new ObjectMapper();

  /** How often {@link #applySchema()} runs the (idempotent) schema script before giving up. */
  private static final int SCHEMA_ATTEMPTS = 5;

  /**
   * A joining Cassandra node checks, once its ring delay has passed, that it has heard from the
   * seed; with the launcher's one second, on a loaded machine, the seed's first gossip arrived a few
   * milliseconds too late and the node gave up ("Unable to contact any seeds").
   */
  private static final Duration JOINING_RING_DELAY = Duration.ofSeconds(5);

  private final Config config;
  private final LocalClusterLayout layout;
  private final String nodeClasspath;
  /** Every process this instance started, by name ({@code cassandra-N}, {@code kafka}, {@code node-N}). */
  private final Map<String, Long> pids = new LinkedHashMap<>();

  /**
   * @param config holds {@code medtrace.local-cluster} (the layout) and what the nodes share
   * @param nodeClasspath the medtrace nodes' classpath, absolute entries
   */
  LocalCluster(Config config, String nodeClasspath) {
    this.config = config;
    this.layout = LocalClusterLayout.from(config);
    this.nodeClasspath = nodeClasspath;
  }

  LocalClusterLayout layout() {
    return layout;
  }

  public static void main(String[] args) throws Exception {
    String command = args.length == 0 ? "" : args[0];
    List<String> options = List.of(args).subList(Math.min(1, args.length), args.length);
    quietenDriverWarnings();
    LocalCluster cluster = new LocalCluster(ConfigFactory.load("local-cluster"), NodeProcess.currentClasspath());
    switch (command) {
      case "up" -> {
        int exitCode = cluster.up();
        System.out.flush();
        System.err.flush();
        // Not System.exit: the launchers' shutdown hooks would stop the servers just started.
        Runtime.getRuntime().halt(exitCode);
      }
      case "down" -> {
        if (!options.isEmpty() && !options.equals(List.of("--wipe"))) {
          usage();
        }
        cluster.down(options.contains("--wipe"));
      }
      case "status" -> System.exit(cluster.status());
      default -> usage();
    }
  }

  /**
   * On a restart, a Cassandra launcher's readiness probe learns the other nodes from the started
   * node's peer table and warns that it cannot reach them yet; they start right after it. (The
   * fault tests' sessions warn likewise about every node a scenario takes down.)
   */
  static void quietenDriverWarnings() {
    Logger driver = LoggerFactory.getLogger("com.datastax.oss.driver");
    if (driver instanceof ch.qos.logback.classic.Logger logback) {
      logback.setLevel(ch.qos.logback.classic.Level.ERROR);
    }
  }

  // ---- up ---------------------------------------------------------------------------------------

  private int up() {
    List<String> running = runningProcesses().keySet().stream().toList();
    if (!running.isEmpty()) {
      System.err.println(
          "The local cluster is already (partly) running: " + running
              + ". `bin/medtrace-cluster status` shows it, `bin/medtrace-cluster down` stops it.");
      return 1;
    }
    try {
      start(System.out::println);
      return 0;
    } catch (Exception e) {
      System.err.println("The local cluster did not start: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      System.err.println("Stopping what was started (data is kept; logs under " + layout.dataDirectory() + ").");
      stopAll();
      return 1;
    }
  }

  /**
   * Starts every process and returns once every node is ready; prints the progress and a summary to
   * {@code out}. On a failure, what was started keeps running (the caller stops it).
   */
  void start(Consumer<String> out) throws IOException, InterruptedException {
    long startedAt = System.nanoTime();
    Files.createDirectories(layout.dataDirectory());
    Files.deleteIfExists(layout.stateFile());
    for (int number = 1; number <= layout.cassandraAddresses().size(); number++) {
      startCassandra(number);
    }
    String cassandraReady = secondsSince(startedAt);
    applySchema();
    String schemaReady = secondsSince(startedAt);

    KafkaLauncher kafka = new KafkaLauncher(kafkaSettings());
    kafka.start();
    pids.put("kafka", kafka.pid().orElseThrow());
    writeState();
    KafkaLauncher.createTopics(layout.kafkaBootstrapServers(), NodeTopics.all(config), layout.topicPartitions());
    String kafkaReady = secondsSince(startedAt);

    // Created here, once: three nodes creating it at the same time could each write another key.
    tokenIssuer();
    for (LocalClusterLayout.Node node : layout.nodes()) {
      startNode(node);
    }
    for (LocalClusterLayout.Node node : layout.nodes()) {
      awaitReady(node);
      out.accept(node.name() + " ready after " + secondsSince(startedAt) + " s");
    }
    printSummary(out, cassandraReady, schemaReady, kafkaReady, secondsSince(startedAt));
  }

  /** Starts (or restarts, on its data) Cassandra node {@code number} and returns once it answers CQL. */
  void startCassandra(int number) throws IOException, InterruptedException {
    CassandraLauncher cassandra = new CassandraLauncher(cassandraSettings(number));
    cassandra.start();
    pids.put("cassandra-" + number, cassandra.pid().orElseThrow());
    writeState();
  }

  /** Starts (or restarts, on its data) a medtrace node and returns at once; {@link #awaitReady} waits for it. */
  void startNode(LocalClusterLayout.Node node) throws IOException {
    pids.put(
        node.name(),
        NodeProcess.start(layout.nodeDirectory(node), layout.nodeHeapSize(), nodeClasspath, nodeConfiguration(node), nodeEnvironment(node)));
    writeState();
  }

  /** Returns once the node answers {@code /ready} (an Up member whose journal answers). */
  void awaitReady(LocalClusterLayout.Node node) throws IOException, InterruptedException {
    NodeProcess.awaitReady(layout.nodeDirectory(node), pids.get(node.name()), node.managementUrl(), layout.nodeStartupTimeout());
  }

  /** The PID of a process this instance started ({@code cassandra-N}, {@code kafka}, {@code node-N}). */
  long pid(String name) {
    Long pid = pids.get(name);
    if (pid == null) {
      throw new IllegalArgumentException("no process " + name + " was started");
    }
    return pid;
  }

  /** Stops a medtrace node as an orchestrator would (SIGTERM: it leaves the cluster and hands its shards over). */
  void stopNode(LocalClusterLayout.Node node) throws IOException {
    NodeProcess.spec(layout.nodeDirectory(node)).stopLeftover();
  }

  /**
   * Every node on its own loopback address with the same ports, all seeded by the first; the nodes
   * after the first join a running cluster and wait longer for its gossip.
   */
  private CassandraLauncher.Settings cassandraSettings(int number) {
    return CassandraLauncher.Settings.defaults(layout.cassandraDirectory(number), layout.cassandraClasspathFile())
        .withAddress(layout.cassandraAddresses().get(number - 1))
        .withNativePort(layout.cqlPort())
        .withStoragePort(layout.storagePort())
        .withClusterName(layout.cassandraClusterName())
        .withHeapSize(layout.cassandraHeapSize())
        .withStartupTimeout(layout.cassandraStartupTimeout())
        .withSeeds(List.of(layout.cassandraSeed()))
        .withRingDelay(number == 1 ? CassandraLauncher.Settings.DEFAULT_RING_DELAY : JOINING_RING_DELAY);
  }

  /**
   * Creates the keyspaces with replication factor 3 and the tables, and waits until all nodes agree.
   * A node that has just joined may not yet have a keyspace created through another coordinator a
   * moment before ("Keyspace ... doesn't exist"); the script is idempotent, so it runs again once
   * the nodes agree, a few times at most.
   */
  private void applySchema() throws InterruptedException {
    List<InetSocketAddress> contactPoints =
        layout.cassandraAddresses().stream()
            .map(address -> InetSocketAddress.createUnresolved(address, layout.cqlPort()))
            .toList();
    Config cassandra = config.getConfig("medtrace.cassandra");
    try (CqlSession session = CassandraSchema.openAdminSession(contactPoints)) {
      for (int attempt = 1; ; attempt++) {
        try {
          CassandraSchema.create(
              session,
              cassandra.getString("journal-keyspace"),
              cassandra.getString("snapshot-keyspace"),
              layout.replicationFactor());
          return;
        } catch (InvalidQueryException notYetEverywhere) {
          if (attempt == SCHEMA_ATTEMPTS) {
            throw notYetEverywhere;
          }
          log.info("Schema not yet on every Cassandra node ({}); applying it again", notYetEverywhere.getMessage());
          Thread.sleep(2000);
        }
      }
    }
  }

  private KafkaLauncher.Settings kafkaSettings() {
    return KafkaLauncher.Settings.defaults(layout.kafkaDirectory(), layout.kafkaClasspathFile())
        .withAddress(layout.kafkaAddress())
        .withClientPort(layout.kafkaClientPort())
        .withControllerPort(layout.kafkaControllerPort());
  }



  /** The organisations whose witnesses the local nodes play, in node order (those of the README's walk-through). */
  static final List<String> LOCAL_WITNESS_ORGANISATIONS = List.of("health-authority", "st-mary", "acme-pharma");

  /** The development issuer the nodes share; creates its key on first use. */
  DevTokenIssuer tokenIssuer() {
    return DevTokenIssuer.loadOrCreate(HttpApiSettings.from(withIssuerDirectory(config)).auth());
  }

  private Config withIssuerDirectory(Config base) {
    return base.withValue(
        "medtrace.http.auth.development-issuer.key-dir",
        ConfigValueFactory.fromAnyRef(layout.issuerDirectory().toString()));
  }

  /**
   * A node's configuration file: local-cluster.conf and the discovery endpoints (a list, which no
   * variable can carry), the management endpoints of all nodes; for a node whose remoting is relayed
   * (remote-bind-port), the port remoting binds to and the node's own host as the source address of
   * its outgoing remoting connections, so that the relay can tell which node a connection comes from
   * (on loopback the source would otherwise be 127.0.0.1 for every node).
   */
  private String nodeConfiguration(LocalClusterLayout.Node node) {
    StringBuilder endpoints = new StringBuilder();
    layout.nodes().forEach(each ->
        endpoints.append("  { host = \"").append(each.host()).append("\", port = ").append(each.managementPort()).append(" }\n"));
    return "# Written by bin/medtrace-cluster (LocalCluster) on every start of the node.\n"
        + "include classpath(\"local-cluster.conf\")\n"
        + "pekko.discovery.config.services.medtrace.endpoints = [\n" + endpoints + "]\n"
        + (node.relayedRemoting()
            ? "pekko.remote.artery.bind.port = " + node.remoteBindPort() + "\n"
                + "pekko.remote.artery.advanced.tcp.outbound-client-hostname = \"" + node.host() + "\"\n"
            : "");
  }

  /** What differs between the nodes, as a deployment passes it. */
  private Map<String, String> nodeEnvironment(LocalClusterLayout.Node node) {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("MEDTRACE_HOST", node.host());
    environment.put("MEDTRACE_REMOTE_PORT", Integer.toString(node.remotePort()));
    environment.put("MEDTRACE_HTTP_INTERFACE", node.host());
    environment.put("MEDTRACE_MANAGEMENT_HOST", node.host());
    environment.put("MEDTRACE_MANAGEMENT_PORT", Integer.toString(node.managementPort()));
    environment.put("MEDTRACE_HTTP_PORT", Integer.toString(node.httpPort()));
    environment.put("MEDTRACE_CLUSTER_FORMATION", "cluster-bootstrap");
    environment.put("MEDTRACE_CASSANDRA_CONTACT_POINTS", layout.cassandraContactPoints());
    environment.put("MEDTRACE_CASSANDRA_CONSISTENCY", "QUORUM");
    environment.put("MEDTRACE_KAFKA_BOOTSTRAP_SERVERS", layout.kafkaBootstrapServers());
    environment.put("MEDTRACE_DEV_ISSUER_DIR", layout.issuerDirectory().toString());
    // One witness per node, named as a different organisation's, labelled as not independent.
    environment.put("MEDTRACE_DEV_WITNESS_NAME", LOCAL_WITNESS_ORGANISATIONS.get((node.number() - 1) % LOCAL_WITNESS_ORGANISATIONS.size())
        + "/local-NOT-INDEPENDENT");
    environment.put("MEDTRACE_DEV_WITNESS_DIR", layout.nodeDirectory(node).resolve("witness").toString());
    return environment;
  }

  private void printSummary(
      Consumer<String> out, String cassandraReady, String schemaReady, String kafkaReady, String total) {
    Path root = Path.of("").toAbsolutePath();
    out.accept("");
    out.accept("The local medtrace cluster is up (" + total + " s; Cassandra nodes ready at " + cassandraReady
        + " s, schema at " + schemaReady + " s, Kafka at " + kafkaReady + " s).");
    pids.forEach((name, pid) -> out.accept(String.format("  %-12s pid %d", name, pid)));
    out.accept("API:");
    layout.nodes().forEach(node -> out.accept(String.format("  %s  %s   (management %s)", node.name(), node.apiUrl(), node.managementUrl())));
    out.accept("Cassandra: " + layout.cassandraContactPoints() + " (replication factor "
        + layout.replicationFactor() + ", QUORUM); Kafka: " + layout.kafkaBootstrapServers());
    out.accept("A token:");
    out.accept("  MEDTRACE_SKIP_BUILD=1 MEDTRACE_DEV_ISSUER_DIR=" + root.relativize(layout.issuerDirectory())
        + " bin/medtrace token --role manufacturer --org acme-pharma --user alice");
    out.accept("Logs: " + root.relativize(layout.dataDirectory()) + "/<process>/logs/");
    out.accept("Status: bin/medtrace-cluster status    Stop: bin/medtrace-cluster down [--wipe]");
  }

  private void writeState() throws IOException {
    StringBuilder state = new StringBuilder("# process pid, written by bin/medtrace-cluster up\n");
    pids.forEach((name, pid) -> state.append(name).append(' ').append(pid).append('\n'));
    Files.writeString(layout.stateFile(), state);
  }

  // ---- down -------------------------------------------------------------------------------------

  private void down(boolean wipe) throws IOException {
    stopAll();
    Files.deleteIfExists(layout.stateFile());
    if (wipe && Files.isDirectory(layout.dataDirectory())) {
      try (Stream<Path> paths = Files.walk(layout.dataDirectory())) {
        paths.sorted(Comparator.reverseOrder()).forEach(LocalCluster::delete);
      }
      System.out.println("Deleted " + layout.dataDirectory());
    }
    System.out.println("The local cluster is stopped.");
  }

  /**
   * The nodes first (they may still be writing), then Kafka, then Cassandra; the processes of each
   * kind at once. Each process is stopped only if its PID file names a live process whose command
   * line is that of this very process (SIGTERM, then SIGKILL after the grace period).
   */
  void stopAll() {
    stopEach(layout.nodes().stream().map(node -> (Stopper) () -> NodeProcess.spec(layout.nodeDirectory(node)).stopLeftover()).toList());
    stopEach(List.of(() -> KafkaLauncher.stopLeftover(layout.kafkaDirectory())));
    List<Stopper> cassandras = new ArrayList<>();
    for (int number = 1; number <= layout.cassandraAddresses().size(); number++) {
      Path directory = layout.cassandraDirectory(number);
      cassandras.add(() -> CassandraLauncher.stopLeftover(directory));
    }
    stopEach(cassandras);
  }

  private interface Stopper {
    void stop() throws IOException;
  }

  private static void stopEach(List<Stopper> stoppers) {
    stoppers.stream()
        .map(stopper -> CompletableFuture.runAsync(() -> {
          try {
            stopper.stop();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }))
        .toList()
        .forEach(CompletableFuture::join);
  }

  private static void delete(Path path) {
    try {
      Files.delete(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- status -----------------------------------------------------------------------------------

  /** Exit code 0 when every process runs and every node is ready, else 1. */
  private int status() {
    Map<String, OptionalLong> processes = allProcesses();
    boolean healthy = true;
    for (Map.Entry<String, OptionalLong> process : processes.entrySet()) {
      OptionalLong pid = process.getValue();
      String state = pid.isPresent() ? "running, pid " + pid.getAsLong() : "not running";
      Optional<LocalClusterLayout.Node> node =
          layout.nodes().stream().filter(n -> n.name().equals(process.getKey())).findFirst();
      if (node.isPresent() && pid.isPresent()) {
        int ready = NodeProcess.readyStatus(node.get().managementUrl());
        state += ready == 200 ? ", ready, API " + node.get().apiUrl() : ", NOT ready (/ready: " + (ready < 0 ? "no answer" : ready) + ")";
        healthy &= ready == 200;
      }
      healthy &= pid.isPresent();
      System.out.printf("  %-12s %s%n", process.getKey(), state);
    }
    printMembers();
    return healthy ? 0 : 1;
  }

  /** Cluster members as the first answering node sees them (pekko-management-cluster-http). */
  private void printMembers() {
    for (LocalClusterLayout.Node node : layout.nodes()) {
      Optional<String> body = NodeProcess.get(node.managementUrl() + "/cluster/members");
      if (body.isPresent()) {
        try {
          JsonNode members = JSON.readTree(body.get());
          System.out.println("Cluster members as " + node.name() + " sees them (leader "
              + members.path("leader").asText("none") + "):");
          for (JsonNode member : members.path("members")) {
            System.out.printf("  %-32s %s%n", member.path("node").asText(), member.path("status").asText());
          }
          members.path("unreachable").forEach(unreachable ->
              System.out.println("  unreachable: " + unreachable.path("node").asText()));
        } catch (IOException e) {
          System.out.println("Cluster members: unreadable answer from " + node.name() + ": " + e.getMessage());
        }
        return;
      }
    }
    System.out.println("Cluster members: no node answers /cluster/members");
  }

  private Map<String, OptionalLong> allProcesses() {
    Map<String, OptionalLong> processes = new LinkedHashMap<>();
    for (int number = 1; number <= layout.cassandraAddresses().size(); number++) {
      processes.put("cassandra-" + number, runningPid(layout.cassandraDirectory(number).resolve("cassandra.pid")));
    }
    processes.put("kafka", runningPid(layout.kafkaDirectory().resolve("kafka.pid")));
    for (LocalClusterLayout.Node node : layout.nodes()) {
      processes.put(node.name(), runningPid(NodeProcess.spec(layout.nodeDirectory(node)).pidFile()));
    }
    return processes;
  }

  private Map<String, OptionalLong> runningProcesses() {
    Map<String, OptionalLong> running = new LinkedHashMap<>(allProcesses());
    running.values().removeIf(OptionalLong::isEmpty);
    return running;
  }

  /** The PID in a PID file, if that process is alive. */
  private static OptionalLong runningPid(Path pidFile) {
    try {
      if (!Files.isRegularFile(pidFile)) {
        return OptionalLong.empty();
      }
      long pid = Long.parseLong(Files.readString(pidFile).trim());
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent() ? OptionalLong.of(pid) : OptionalLong.empty();
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private static String secondsSince(long nanos) {
    return String.format(Locale.ROOT, "%.1f", (System.nanoTime() - nanos) / 1e9);
  }

  private static void usage() {
    System.err.println("usage: bin/medtrace-cluster up | down [--wipe] | status");
    System.exit(64);
  }
}
