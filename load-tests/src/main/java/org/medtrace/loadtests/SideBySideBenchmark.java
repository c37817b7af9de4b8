package org.medtrace.loadtests;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.Uri;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.LedgerSettings;
import org.medtrace.actors.ledger.Role;
import org.medtrace.cluster.MedtraceNode;
import org.medtrace.cluster.NodeSettings;
import org.medtrace.cluster.NodeTopics;
import org.medtrace.http.HttpApiSettings;
import org.medtrace.http.auth.DevTokenIssuer;
import org.medtrace.ingest.IngestSettings;
import org.medtrace.ingest.kafka.KafkaLauncher;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.TemperatureReading;
import org.medtrace.ledger.v1.TemperatureRecorded;
import org.medtrace.persistence.cassandra.CassandraLauncher;
import org.medtrace.persistence.cassandra.CassandraSchema;
import org.medtrace.persistence.chain.ChainHead;
import org.medtrace.persistence.chain.ChainedEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The side-by-side benchmark of issue 7: in one run on one machine, against a Cassandra and a Kafka
 * it starts itself, (a) raw Cassandra inserts, (b) a plain Pekko Persistence entity and (c)
 * medtrace's full ingest path; prints a table, writes it as JSON under {@code load-tests/target},
 * and exits 1 when (c) lost, duplicated or broke anything, whatever its speed. Settings: {@code
 * benchmark.conf}.
 */
public final class SideBySideBenchmark {

  private static final Logger log = LoggerFactory.getLogger(SideBySideBenchmark.class);

  private SideBySideBenchmark() {}

  public static void main(String[] args) throws Exception {
    BenchmarkSettings settings = BenchmarkSettings.from(ConfigFactory.load("benchmark"));
    int exitCode;
    try {
      exitCode = run(settings);
    } catch (Exception e) {
      log.error("The benchmark failed", e);
      exitCode = 2;
    }
    System.exit(exitCode);
  }

  private static int run(BenchmarkSettings settings) throws Exception {
    deleteRecursively(settings.workDir());
    Files.createDirectories(settings.workDir());
    long startingCassandra = System.nanoTime();
    try (CassandraLauncher cassandra = startCassandra(settings);
        KafkaLauncher kafka = startKafka(settings, startingCassandra)) {
      Config nodeConfig = nodeConfig(settings);
      NodeSettings node = NodeSettings.from(nodeConfig);
      if (settings.payloadBytes() <= 0) {
        settings = settings.withPayloadBytes(storedTemperatureEventSize(node.ledger()));
      }
      log.info("Payload of (a) and (b): {} bytes, the serialized size of a sealed temperature event", settings.payloadBytes());
      KafkaLauncher.createTopics(kafka.bootstrapServers(), NodeTopics.all(nodeConfig), settings.topicPartitions());

      List<PartResult> results = new ArrayList<>();
      List<CassandraWork> cassandraWork = new ArrayList<>();
      List<ProcessCpu.PartCpu> cpuWork = new ArrayList<>();
      List<ProcessCpu.Watched> processes = watchedProcesses(cassandra, kafka);
      List<LedgerFigures.Figure> figures = new ArrayList<>();
      // Empty when (c) is not among the parts.
      Optional<FullIngestPath.Outcome> full = Optional.empty();
      // Open for the whole run: it also reads Cassandra's per-table counters around each part's window.
      try (CqlSession session = CassandraSchema.openAdminSession(List.of(cassandra.contactPoint()))) {
        CassandraSchema.create(session, node.cassandra().journalKeyspace(), node.cassandra().snapshotKeyspace(), 1);
        if (settings.runs(BenchmarkSettings.RAW_INSERTS)) {
          CassandraTableCounters.OverWindow rawWindow = new CassandraTableCounters.OverWindow(session);
          ProcessCpu.OverWindow rawCpu = new ProcessCpu.OverWindow(processes);
          PartResult raw = RawCassandraInserts.run(session, settings, LoadLoop.Window.both(rawWindow, rawCpu));
          results.add(raw);
          cassandraWork.add(new CassandraWork(raw.name(), raw.operations(), rawWindow.work()));
          cpuWork.add(new ProcessCpu.PartCpu(raw.name(), raw.operations(), rawCpu.usage()));
        }
        long startingNode = System.nanoTime();
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "medtrace", nodeConfig);
        try {
          MedtraceNode.Running running = MedtraceNode.init(system, node);
          ServerBinding api = running.httpBinding().toCompletableFuture().get(60, TimeUnit.SECONDS);
          awaitReady(running.management().toCompletableFuture().get(60, TimeUnit.SECONDS));
          figures.add(startUp("node start-up to ready", startingNode, "actor system, sharding, ingest, API bound, GET /ready answers 200"));
          if (settings.runs(BenchmarkSettings.PLAIN_ENTITY)) {
            CassandraTableCounters.OverWindow plainWindow = new CassandraTableCounters.OverWindow(session);
            ProcessCpu.OverWindow plainCpu = new ProcessCpu.OverWindow(processes);
            PartResult plain = PlainEntityAsks.run(system, settings, LoadLoop.Window.both(plainWindow, plainCpu));
            results.add(plain);
            cassandraWork.add(new CassandraWork(plain.name(), plain.operations(), plainWindow.work()));
            cpuWork.add(new ProcessCpu.PartCpu(plain.name(), plain.operations(), plainCpu.usage()));
          }
          if (settings.runs(BenchmarkSettings.FULL_PATH)) {
            CassandraTableCounters.OverWindow fullWindow = new CassandraTableCounters.OverWindow(session);
            ProcessCpu.OverWindow fullCpu = new ProcessCpu.OverWindow(processes);
            FullIngestPath.Outcome outcome =
                new FullIngestPath(
                        system, settings, running.metrics(), node.trustedKeys(), IngestSettings.from(nodeConfig).sensorReadings().topic())
                    .run(LoadLoop.Window.both(fullWindow, fullCpu));
            results.add(outcome.result());
            cassandraWork.add(new CassandraWork(outcome.result().name(), outcome.result().operations(), fullWindow.work()));
            cpuWork.add(new ProcessCpu.PartCpu(outcome.result().name(), outcome.result().operations(), fullCpu.usage()));
            results.add(outcome.commit());
            results.add(outcome.logInclusion());
            results.add(outcome.logCheckpointed());
            full = Optional.of(outcome);
          }
          if (settings.figures()) {
            LedgerFigures ledgerFigures = new LedgerFigures(system, settings, node.ledger(), node.trustedKeys());
            String token =
                DevTokenIssuer.loadOrCreate(HttpApiSettings.from(nodeConfig).auth())
                    .mint(Role.REGULATOR, "national-regulator", "benchmark", Duration.ofHours(2));
            figures.addAll(ledgerFigures.trailQuery(api.localAddress(), token));
            figures.addAll(ledgerFigures.chainVerification());
          }
        } finally {
          system.terminate();
          system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
      }

      figures.addAll(0, serverStartUps);
      BenchmarkReport report =
          new BenchmarkReport(
              Instant.now(),
              settings,
              results,
              figures,
              cassandraWork,
              cpuWork,
              full.map(FullIngestPath.Outcome::problems).orElse(List.of()),
              full.map(FullIngestPath.Outcome::produced).orElse(0L),
              full.map(FullIngestPath.Outcome::eventsChecked).orElse(0L));
      System.out.println(report.table());
      System.out.println(TextChart.of(results));
      Path json = report.writeJson(settings.resultDir());
      System.out.println("JSON: " + json);
      System.out.println("Chart: " + BenchmarkChart.write(report, json));
      if (full.isEmpty()) {
        System.out.println("(c) did not run (medtrace.benchmark.parts): no correctness check of the full path.");
        return 0;
      }
      if (!full.get().problems().isEmpty()) {
        System.out.println("CORRECTNESS CHECK FAILED for (c):");
        full.get().problems().forEach(problem -> System.out.println("  " + problem));
        return 1;
      }
      System.out.println(
          "Correctness of (c): all " + full.get().produced() + " produced readings are in the ledger exactly once; every batch's chain verifies;"
              + " every stored event of the batches is in the global log exactly once.");
      return 0;
    }
  }

  /** Start-up times of the servers, in the order they started (Cassandra, then Kafka). */
  private static final List<LedgerFigures.Figure> serverStartUps = new ArrayList<>();

  private static LedgerFigures.Figure startUp(String name, long startedNanos, String how) {
    return new LedgerFigures.Figure(name, null, (System.nanoTime() - startedNanos) / 1e9, how);
  }

  /** Polls the node's readiness check until it answers 200 (at most a minute). */
  private static void awaitReady(Uri management) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    URI ready = URI.create(management.toString().replaceAll("/$", "") + "/ready");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (true) {
      try {
        if (http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the node is not ready after a minute: " + ready);
      }
      Thread.sleep(20);
    }
  }

  /** The processes whose CPU each part's window measures: this JVM (node and load generators), Cassandra, Kafka. */
  private static List<ProcessCpu.Watched> watchedProcesses(CassandraLauncher cassandra, KafkaLauncher kafka) {
    List<ProcessCpu.Watched> processes = new ArrayList<>();
    processes.add(new ProcessCpu.Watched("benchmark JVM (node + load)", ProcessHandle.current()));
    watch(processes, "Cassandra", cassandra.pid());
    watch(processes, "Kafka", kafka.pid());
    return processes;
  }

  private static void watch(List<ProcessCpu.Watched> processes, String name, OptionalLong pid) {
    pid.stream().mapToObj(ProcessHandle::of).flatMap(Optional::stream).forEach(handle -> processes.add(new ProcessCpu.Watched(name, handle)));
  }

  private static CassandraLauncher startCassandra(BenchmarkSettings settings) throws Exception {
    CassandraLauncher launcher =
        new CassandraLauncher(
            CassandraLauncher.Settings.defaults(settings.workDir().resolve("cassandra"), classpathFile("cassandra", "cassandra-runtime/target/cassandra.classpath"))
                .withAddress(settings.address())
                .withNativePort(settings.cassandraCqlPort())
                .withStoragePort(settings.cassandraStoragePort())
                .withClusterName("medtrace-bench")
                .withHeapSize(settings.cassandraHeap()));
    log.info("Starting Cassandra on {} ...", settings.cassandraContactPoint());
    long started = System.nanoTime();
    launcher.start();
    serverStartUps.add(startUp("Cassandra start-up (fresh data directory)", started, "launch to CQL port answering"));
    return launcher;
  }

  private static KafkaLauncher startKafka(BenchmarkSettings settings, long startingCassandra) throws Exception {
    KafkaLauncher launcher =
        new KafkaLauncher(
            KafkaLauncher.Settings.defaults(settings.workDir().resolve("kafka"), classpathFile("kafka", "kafka-runtime/target/kafka.classpath"))
                .withAddress(settings.address())
                .withClientPort(settings.kafkaClientPort())
                .withControllerPort(settings.kafkaControllerPort()));
    log.info("Starting Kafka on {} ...", settings.kafkaBootstrapServers());
    long started = System.nanoTime();
    launcher.start();
    serverStartUps.add(startUp("Kafka start-up (fresh data directory)", started, "storage format and launch to broker ready"));
    serverStartUps.add(startUp("Cassandra + Kafka start-up", startingCassandra, "one after the other, as a development node starts them"));
    return launcher;
  }

  private static Path classpathFile(String server, String defaultPath) {
    return Path.of(System.getProperty("medtrace." + server + ".classpath-file", defaultPath)).toAbsolutePath();
  }

  /** A development node's configuration (development.conf) on the benchmark's servers, every port free. */
  private static Config nodeConfig(BenchmarkSettings settings) {
    String firstTimeBucket = LocalDate.now(ZoneOffset.UTC).minusDays(1).format(DateTimeFormatter.ofPattern("yyyyMMdd")) + "T00:00";
    Config overrides =
        ConfigFactory.parseString(
            """
            pekko.remote.artery.canonical.hostname = "%s"
            pekko.remote.artery.canonical.port = 0
            pekko.coordinated-shutdown.exit-jvm = off
            pekko.management.http.hostname = "%s"
            pekko.management.http.port = 0
            medtrace.http.interface = "%s"
            medtrace.http.port = 0
            medtrace.cassandra {
              contact-points = "%s"
              journal-keyspace = "bench_journal"
              snapshot-keyspace = "bench_snapshot"
              embedded.enabled = off
              create-schema = off
            }
            medtrace.kafka {
              bootstrap-servers = "%s"
              embedded.enabled = off
            }
            # What Main.runNode sets from medtrace.cassandra.contact-points for a node it runs.
            datastax-java-driver.basic.contact-points = ["%s"]
            medtrace.ingest.group-id = "medtrace-bench"
            medtrace.http.auth.development-issuer.key-dir = "%s"
            medtrace.global-log.development-key.dir = "%s"
            pekko.persistence.cassandra.events-by-tag.first-time-bucket = "%s"
            """
                .formatted(
                    settings.address(),
                    settings.address(),
                    settings.address(),
                    settings.cassandraContactPoint(),
                    settings.kafkaBootstrapServers(),
                    settings.cassandraContactPoint(),
                    settings.workDir().resolve("dev-issuer"),
                    settings.workDir().resolve("log-key"),
                    firstTimeBucket));
    return ConfigFactory.load(overrides.withFallback(ConfigFactory.parseResourcesAnySyntax("development")));
  }

  /** The journal size of a temperature reading as the node seals it (with its signature, if it signs). */
  static int storedTemperatureEventSize(LedgerSettings ledger) {
    Instant now = Instant.now();
    com.google.protobuf.Timestamp timestamp =
        com.google.protobuf.Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
    ActingParty party = new ActingParty("sensor-gateway", "bench-sensor-123", Role.LOGISTICS);
    EventBody.Builder body =
        EventBody.newBuilder()
            .setRecordedAt(timestamp)
            .setActingParty(party.toProto())
            .setSourceMessageId("bench-sensor-123/100000")
            .setTemperatureRecorded(
                TemperatureRecorded.newBuilder()
                    .setReading(TemperatureReading.newBuilder().setSensorId(party.user()).setMeasuredAt(timestamp).setCelsius(5.0))
                    .setWithinRange(true));
    ChainHead head = new ChainHead("drug-batch", "09506000134352-BENCH1234567N123", 100_000, "00".repeat(32));
    return ChainedEvent.seal(head, body, ledger.signer()).envelope().getSerializedSize();
  }

  private static void deleteRecursively(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    CassandraLauncher.stopLeftover(directory.resolve("cassandra"));
    KafkaLauncher.stopLeftover(directory.resolve("kafka"));
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(path);
      }
    }
  }
}
