package org.medtrace.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.medtrace.http.ApiClient;
import org.medtrace.http.HttpApiSettings;
import org.medtrace.http.TestTokens;
import org.medtrace.http.auth.DevTokenIssuer;
import org.medtrace.ingest.kafka.RealKafka;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * A whole node as {@code bin/medtrace dev} runs it ({@code development.conf}, started by {@link
 * Main#runNode}), but on the test run's shared Cassandra and Kafka, with its own keyspaces and
 * topics, and the API and management on free ports. The test class must extend {@link
 * RealCassandra} and {@link RealKafka}.
 */
final class DevelopmentNode implements AutoCloseable {

  private final MedtraceNode.Running running;
  private final Config config;
  private final URI api;
  private final URI management;

  private DevelopmentNode(MedtraceNode.Running running, Config config, URI api, URI management) {
    this.running = running;
    this.config = config;
    this.api = api;
    this.management = management;
  }

  /**
   * Starts a node whose keyspaces and topics begin with {@code prefix}, and whose development token
   * issuer keeps its key in {@code issuerDirectory}.
   */
  static DevelopmentNode start(String prefix, Path issuerDirectory) throws Exception {
    return start(prefix, issuerDirectory, ConfigFactory.empty());
  }

  /** As {@link #start(String, Path)}, with {@code extra} settings over the test's. */
  static DevelopmentNode start(String prefix, Path issuerDirectory, Config extra) throws Exception {
    Config overrides =
        ConfigFactory.parseString(
            """
            pekko.remote.artery.canonical.port = 0
            pekko.coordinated-shutdown.exit-jvm = off
            pekko.management.http.port = 0
            medtrace.http.port = 0
            medtrace.cassandra {
              contact-points = "%s"
              journal-keyspace = "%s_journal"
              snapshot-keyspace = "%s_snapshot"
              embedded.enabled = off
            }
            medtrace.kafka {
              bootstrap-servers = "%s"
              embedded.enabled = off
            }
            medtrace.alerts.topic = "%s.alerts"
            medtrace.http.auth.development-issuer.key-dir = "%s"
            medtrace.witness.development-self-witness.key-dir = "%s"
            medtrace.global-log.development-key.dir = "%s"
            pekko.persistence.cassandra.events-by-tag.first-time-bucket = "%s"
            # Alerts reach the tag views sooner than in production.
            pekko.persistence.cassandra.events-by-tag.eventual-consistency-delay = 1s
            datastax-java-driver.basic.request.timeout = 10s
            """
                .formatted(
                    RealCassandra.contactPoint(),
                    prefix,
                    prefix,
                    RealKafka.bootstrapServers(),
                    prefix,
                    issuerDirectory,
                    issuerDirectory.resolve("dev-witness"),
                    issuerDirectory.resolve("log-key"),
                    RealCassandra.pekkoConfig("unused", "unused")
                        .getString("pekko.persistence.cassandra.events-by-tag.first-time-bucket")));
    Config config =
        ConfigFactory.load(extra.withFallback(overrides).withFallback(ConfigFactory.parseResourcesAnySyntax("development")));
    RealKafka.createTopics(NodeTopics.all(config), 1);
    MedtraceNode.Running running = Main.runNode(config);
    ServerBinding http = running.httpBinding().toCompletableFuture().get(30, TimeUnit.SECONDS);
    URI api = URI.create("http://" + http.localAddress().getHostString() + ":" + http.localAddress().getPort() + "/");
    URI management = URI.create(running.management().toCompletableFuture().get(30, TimeUnit.SECONDS).toString());
    return new DevelopmentNode(running, config, api, management);
  }

  ActorSystem<?> system() {
    return running.system();
  }

  Config config() {
    return config;
  }

  /** The API's base address, ending in "/". */
  URI api() {
    return api;
  }

  /** Pekko Management's base address (health checks). */
  URI management() {
    return management;
  }

  ApiClient client() {
    return new ApiClient(api);
  }

  /** Tokens of this node's development issuer, as {@code bin/medtrace token} mints them. */
  TestTokens tokens() {
    return new TestTokens(DevTokenIssuer.loadOrCreate(HttpApiSettings.from(config).auth()));
  }

  @Override
  public void close() throws Exception {
    running.system().terminate();
    running.system().getWhenTerminated().toCompletableFuture().get(Duration.ofSeconds(60).toSeconds(), TimeUnit.SECONDS);
  }
}
