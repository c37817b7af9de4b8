package org.medtrace.ingest.kafka;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the node's Kafka is, read once from {@code medtrace.kafka} (see this module's {@code
 * reference.conf}): an existing cluster in production, or a broker the node starts itself in
 * development mode.
 *
 * @param bootstrapServers {@code host:port,...} clients bootstrap from; the embedded broker's
 *     address when one is configured
 * @param embedded the broker to start with {@link KafkaLauncher}, when {@code
 *     medtrace.kafka.embedded.enabled = on}
 */
public record KafkaSettings(String bootstrapServers, Optional<EmbeddedKafka> embedded) {

  public KafkaSettings {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("medtrace.kafka.bootstrap-servers must not be blank");
    }
  }

  /**
   * A development broker.
   *
   * @param dataDir its node directory (topics, KRaft metadata, logs); kept across restarts
   * @param address its listeners' address
   * @param clientPort its client (bootstrap) port
   * @param controllerPort its KRaft controller port
   * @param classpathFile the broker's classpath, written by the {@code kafka-runtime} build
   * @param topicPartitions partitions of the topics development mode creates
   */
  public record EmbeddedKafka(
      Path dataDir,
      String address,
      int clientPort,
      int controllerPort,
      Path classpathFile,
      int topicPartitions) {

    public EmbeddedKafka {
      if (topicPartitions < 1) {
        throw new IllegalArgumentException(
            "medtrace.kafka.embedded.topic-partitions must be at least 1, was " + topicPartitions);
      }
    }

    /** What {@link KafkaLauncher} needs to run this broker. */
    public KafkaLauncher.Settings launcherSettings() {
      return KafkaLauncher.Settings.defaults(dataDir, classpathFile)
          .withAddress(address)
          .withClientPort(clientPort)
          .withControllerPort(controllerPort);
    }
  }

  /** From a configuration holding {@code medtrace.kafka}. */
  public static KafkaSettings from(Config config) {
    Config kafka = config.getConfig("medtrace.kafka");
    Config embedded = kafka.getConfig("embedded");
    if (!embedded.getBoolean("enabled")) {
      return new KafkaSettings(kafka.getString("bootstrap-servers"), Optional.empty());
    }
    EmbeddedKafka broker =
        new EmbeddedKafka(
            Path.of(embedded.getString("data-dir")),
            embedded.getString("address"),
            embedded.getInt("client-port"),
            embedded.getInt("controller-port"),
            Path.of(embedded.getString("classpath-file")),
            embedded.getInt("topic-partitions"));
    // Clients must talk to the broker the node starts, whatever bootstrap-servers says.
    return new KafkaSettings(broker.launcherSettings().bootstrapServers(), Optional.of(broker));
  }
}
