package org.medtrace.ingest.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.medtrace.actors.ledger.Alerts;

/** The shipped defaults of {@code medtrace.alerts}. */
class AlertPublisherSettingsTest {

  private static final Config JOURNAL =
      ConfigFactory.parseString("pekko.persistence.cassandra.journal.keyspace = medtrace_journal");

  @Test
  void defaultsPublishAlertsToTheirTopicWaitingForEveryInSyncReplica() {
    AlertPublisherSettings settings =
        AlertPublisherSettings.from(JOURNAL.withFallback(ConfigFactory.defaultReference()));

    assertTrue(AlertPublisherSettings.enabled(ConfigFactory.defaultReference()));
    assertEquals("medtrace.alerts", settings.topic());
    assertEquals(Alerts.TAG, settings.tag());
    assertEquals("alerts-to-kafka", settings.publisherId());
    assertEquals("127.0.0.1:9092", settings.bootstrapServers());
    assertEquals("medtrace_journal", settings.offsetKeyspace());
    assertEquals("pekko-persistence-cassandra-profile", settings.offsetProfile());
    assertEquals("all", settings.producerConfig().getString("kafka-clients.acks"));
    assertEquals("true", settings.producerConfig().getString("kafka-clients.enable.idempotence"));
    // Pekko Connectors Kafka's own defaults are underneath.
    assertTrue(settings.producerConfig().hasPath("parallelism"));
    assertEquals(Duration.ofSeconds(1), settings.minBackoff());
    assertEquals(Duration.ofSeconds(30), settings.maxBackoff());
  }

  @Test
  void inDevelopmentModeAlertsGoToTheEmbeddedBroker() {
    Config config =
        ConfigFactory.parseString("medtrace.kafka.embedded { enabled = on, client-port = 29092 }")
            .withFallback(JOURNAL)
            .withFallback(ConfigFactory.defaultReference());

    assertEquals("127.0.0.1:29092", AlertPublisherSettings.from(config).bootstrapServers());
  }

  @Test
  void refusesAnOffsetKeyspaceThatIsNotACassandraName() {
    Config config =
        ConfigFactory.parseString("medtrace.alerts.offset-store.keyspace = \"ks; DROP TABLE x\"")
            .withFallback(JOURNAL)
            .withFallback(ConfigFactory.defaultReference());

    IllegalArgumentException failure =
        assertThrows(IllegalArgumentException.class, () -> AlertPublisherSettings.from(config));
    assertTrue(failure.getMessage().contains("offsetKeyspace"), failure.getMessage());
  }
}
