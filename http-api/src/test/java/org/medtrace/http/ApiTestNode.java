package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.device.MedicalDevice;
import org.medtrace.actors.ledger.LedgerSettings;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.actors.witness.LogWitness;
import org.medtrace.globallog.GlobalLog;
import org.medtrace.globallog.GlobalLogSettings;
import org.medtrace.http.auth.DevTokenIssuer;
import org.medtrace.persistence.cassandra.RealCassandra;
import org.medtrace.persistence.chain.TrustedKeys;

/**
 * A one-node medtrace cluster on the real Cassandra (see {@link RealCassandra}: the test class
 * MUST be annotated with {@code @ExtendWith(RealCassandra.class)}) with the four entity types and
 * the HTTP API bound on a free port, with the development issuer for tokens. Each test class starts
 * its own with its own keyspaces, and closes it after its tests.
 *
 * <p>Entities use an {@link AdjustableClock}, so that tests can move time past an expiry.
 */
public final class ApiTestNode implements AutoCloseable {

  private final ActorTestKit testKit;
  private final ServerBinding binding;
  private final HttpApi api;
  private final TestTokens tokens;
  private final ApiClient client;
  private final AdjustableClock clock;
  private final PrometheusRegistry registry;
  private final Path issuerDirectory;

  private final RecordingEpcisCapture epcis;

  private ApiTestNode(
      ActorTestKit testKit,
      ServerBinding binding,
      HttpApi api,
      TestTokens tokens,
      AdjustableClock clock,
      PrometheusRegistry registry,
      Path issuerDirectory,
      RecordingEpcisCapture epcis) {
    this.testKit = testKit;
    this.epcis = epcis;
    this.binding = binding;
    this.api = api;
    this.tokens = tokens;
    this.clock = clock;
    this.registry = registry;
    this.issuerDirectory = issuerDirectory;
    InetSocketAddress address = binding.localAddress();
    this.client = new ApiClient(URI.create("http://" + address.getHostString() + ":" + address.getPort() + "/"));
  }

  /** A node on keyspaces {@code <prefix>_journal} and {@code <prefix>_snapshot}, created here. */
  public static ApiTestNode start(String keyspacePrefix) {
    return start(keyspacePrefix, ConfigFactory.empty());
  }

  /** As {@link #start(String)}, with {@code overrides} on top of the test configuration. */
  public static ApiTestNode start(String keyspacePrefix, Config overrides) {
    String journal = keyspacePrefix + "_journal";
    String snapshot = keyspacePrefix + "_snapshot";
    RealCassandra.createKeyspaces(journal, snapshot);
    Path issuerDirectory;
    try {
      issuerDirectory = Files.createTempDirectory("medtrace-dev-issuer");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Config config =
        overrides
            .withFallback(
                ConfigFactory.parseMap(
                    Map.of(
                        "pekko.remote.artery.canonical.hostname", RealCassandra.ADDRESS,
                        "medtrace.http.interface", RealCassandra.ADDRESS,
                        "medtrace.http.auth.development-issuer.key-dir", issuerDirectory.toString())))
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
                    medtrace.http.port = 0
                    medtrace.http.auth.development-issuer.enabled = on
                    # The global log's writers run only where a test turns them on (LogRoutesTest).
                    medtrace.global-log.enabled = off
                    """))
            .withFallback(RealCassandra.pekkoConfig(journal, snapshot))
            .withFallback(ConfigFactory.load())
            .resolve();
    ActorTestKit testKit = ActorTestKit.create("medtrace-http", config);
    try {
      ActorSystem<Void> system = testKit.system();
      Cluster cluster = Cluster.get(system);
      cluster.manager().tell(new Join(cluster.selfMember().address()));
      testKit
          .createTestProbe()
          .awaitAssert(
              Duration.ofSeconds(20),
              () -> {
                assertEquals(MemberStatus.up(), cluster.selfMember().status());
                return null;
              });
      AdjustableClock clock = new AdjustableClock();
      GlobalLogSettings logSettings = GlobalLogSettings.from(config);
      GlobalLog log = GlobalLog.init(system, logSettings, GlobalLog.witnesses(system, logSettings), Clock.systemUTC());
      LedgerSettings ledger = new LedgerSettings(clock, Optional.empty(), 100, 1000).withCommitFeed(log.commitFeed());
      DrugBatch.init(system, ledger, DrugBatch.Rules.defaults());
      MedicalDevice.init(system, ledger, MedicalDevice.Rules.defaults());
      PatientRecord.init(system, ledger);
      LogWitness.init(system, ledger);
      HttpApiSettings settings = HttpApiSettings.from(config);
      PrometheusRegistry registry = new PrometheusRegistry();
      RecordingEpcisCapture epcis = new RecordingEpcisCapture();
      HttpApi api =
          HttpApi.create(
              system, settings, TrustedKeys.none(), registry, clock, Optional.of(epcis),
              log.reader(system, logSettings.journalTimeout(), Map.of()));
      ServerBinding binding = HttpApi.bind(system, settings, api.route()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      return new ApiTestNode(
          testKit, binding, api, new TestTokens(DevTokenIssuer.loadOrCreate(settings.auth())), clock, registry, issuerDirectory, epcis);
    } catch (Exception e) {
      testKit.shutdownTestKit();
      throw new IllegalStateException("the API test node did not start", e);
    }
  }

  /** Runs {@code assertion} until it passes or {@code max} is over (for what the journal shows eventually, like tags). */
  public void awaitAssert(Duration max, Runnable assertion) {
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

  public ActorSystem<Void> system() {
    return testKit.system();
  }

  public HttpApi api() {
    return api;
  }

  public TestTokens tokens() {
    return tokens;
  }

  public ApiClient client() {
    return client;
  }

  public AdjustableClock clock() {
    return clock;
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** What the API handed to EPCIS capture (a recording stand-in here; see its comment). */
  public RecordingEpcisCapture epcis() {
    return epcis;
  }

  public Path issuerDirectory() {
    return issuerDirectory;
  }

  @Override
  public void close() {
    try {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // The system's shutdown closes the binding too.
    } finally {
      testKit.shutdownTestKit();
    }
  }
}
