package org.medtrace.ingest.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The shipped defaults of {@code medtrace.kafka}, and development mode's embedded broker. */
class KafkaSettingsTest {

  @Test
  void productionDefaultsPointAtAnExistingClusterAndStartNoBroker() {
    KafkaSettings settings = KafkaSettings.from(ConfigFactory.defaultReference());

    assertEquals("127.0.0.1:9092", settings.bootstrapServers());
    assertTrue(settings.embedded().isEmpty());
  }

  @Test
  void embeddedBrokerRunsOnTheConfiguredPortsAndClientsUseIt() {
    Config config =
        ConfigFactory.parseString(
                """
                medtrace.kafka.bootstrap-servers = "kafka-1.example:9092"
                medtrace.kafka.embedded {
                  enabled = on
                  data-dir = "target/dev-kafka"
                  client-port = 29092
                  controller-port = 29093
                }
                """)
            .withFallback(ConfigFactory.defaultReference());

    KafkaSettings settings = KafkaSettings.from(config);

    assertEquals("127.0.0.1:29092", settings.bootstrapServers());
    KafkaLauncher.Settings launcher = settings.embedded().orElseThrow().launcherSettings();
    assertEquals(Path.of("target/dev-kafka").toAbsolutePath(), launcher.nodeDirectory());
    assertEquals(29093, launcher.controllerPort());
    assertEquals(KafkaLauncher.DEFAULT_CLUSTER_ID, launcher.clusterId());
    assertEquals(3, settings.embedded().orElseThrow().topicPartitions());
  }

  @Test
  void refusesABlankBootstrapAddress() {
    Config config =
        ConfigFactory.parseString("medtrace.kafka.bootstrap-servers = \" \"")
            .withFallback(ConfigFactory.defaultReference());

    IllegalArgumentException failure =
        assertThrows(IllegalArgumentException.class, () -> KafkaSettings.from(config));
    assertTrue(failure.getMessage().contains("bootstrap-servers"), failure.getMessage());
  }
}
