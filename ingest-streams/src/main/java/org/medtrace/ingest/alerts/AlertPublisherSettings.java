package org.medtrace.ingest.alerts;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import org.medtrace.actors.ledger.Alerts;
import org.medtrace.ingest.kafka.KafkaSettings;

/**
 * What the {@link AlertPublisher} reads, where it publishes and how it retries; read once from
 * {@code medtrace.alerts} and {@code medtrace.kafka} (see this module's {@code reference.conf}).
 *
 * @param publisherId names the stored offset; a second publisher (another topic) needs its own
 * @param tag the journal tag to follow ({@link Alerts#TAG})
 * @param topic the Kafka topic alerts go to
 * @param bootstrapServers the Kafka brokers, {@code host:port,...}
 * @param producerConfig a {@code pekko.kafka.producer}-shaped section (kafka-clients settings
 *     inside), already layered over Pekko Connectors Kafka's defaults
 * @param offsetKeyspace the keyspace of the {@code alert_publisher_offsets} table (the journal's)
 * @param offsetProfile the driver execution profile offsets are read and written with
 * @param minBackoff first wait before the stream restarts after a failure
 * @param maxBackoff longest wait between restarts
 * @param randomFactor jitter added to the backoff, so several nodes do not retry in step
 */
public record AlertPublisherSettings(
    String publisherId,
    String tag,
    String topic,
    String bootstrapServers,
    Config producerConfig,
    String offsetKeyspace,
    String offsetProfile,
    Duration minBackoff,
    Duration maxBackoff,
    double randomFactor) {

  /** Cassandra's rule for unquoted keyspace names: the keyspace ends up in CQL text. */
  private static final Pattern KEYSPACE_NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9_]{0,47}");

  public AlertPublisherSettings {
    requireText(publisherId, "publisherId");
    requireText(tag, "tag");
    requireText(topic, "topic");
    requireText(bootstrapServers, "bootstrapServers");
    requireText(offsetProfile, "offsetProfile");
    Objects.requireNonNull(producerConfig, "producerConfig");
    Objects.requireNonNull(minBackoff, "minBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (offsetKeyspace == null || !KEYSPACE_NAME.matcher(offsetKeyspace).matches()) {
      throw new IllegalArgumentException(
          "offsetKeyspace must be a letter followed by at most 47 letters, digits or underscores, was "
              + offsetKeyspace);
    }
    if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0) {
      throw new IllegalArgumentException(
          "backoff must satisfy 0 < min-backoff <= max-backoff, was " + minBackoff + " and " + maxBackoff);
    }
    if (randomFactor < 0) {
      throw new IllegalArgumentException("random-factor must not be negative, was " + randomFactor);
    }
  }

  /**
   * From a whole, resolved application configuration: {@code medtrace.alerts}, the brokers of
   * {@link KafkaSettings} (the embedded broker's in development mode), and, where {@code
   * medtrace.alerts.offset-store.keyspace} is empty, the journal's keyspace ({@code
   * pekko.persistence.cassandra.journal.keyspace}).
   */
  public static AlertPublisherSettings from(Config config) {
    Config alerts = config.getConfig("medtrace.alerts");
    String keyspace = alerts.getString("offset-store.keyspace");
    if (keyspace.isEmpty()) {
      keyspace = config.getString("pekko.persistence.cassandra.journal.keyspace");
    }
    return new AlertPublisherSettings(
        alerts.getString("publisher-id"),
        Alerts.TAG,
        alerts.getString("topic"),
        KafkaSettings.from(config).bootstrapServers(),
        alerts.getConfig("producer").withFallback(config.getConfig("pekko.kafka.producer")),
        keyspace,
        alerts.getString("offset-store.profile"),
        alerts.getDuration("restart.min-backoff"),
        alerts.getDuration("restart.max-backoff"),
        alerts.getDouble("restart.random-factor"));
  }

  /**
   * Whether the node should run the publisher at all ({@code medtrace.alerts.enabled}): off where
   * a deployment has no Kafka, and then no alert leaves the ledger this way.
   */
  public static boolean enabled(Config config) {
    return config.getBoolean("medtrace.alerts.enabled");
  }

  public AlertPublisherSettings withPublisherId(String value) {
    return new AlertPublisherSettings(
        value, tag, topic, bootstrapServers, producerConfig, offsetKeyspace, offsetProfile,
        minBackoff, maxBackoff, randomFactor);
  }

  public AlertPublisherSettings withTopic(String value) {
    return new AlertPublisherSettings(
        publisherId, tag, value, bootstrapServers, producerConfig, offsetKeyspace, offsetProfile,
        minBackoff, maxBackoff, randomFactor);
  }

  public AlertPublisherSettings withBootstrapServers(String value) {
    return new AlertPublisherSettings(
        publisherId, tag, topic, value, producerConfig, offsetKeyspace, offsetProfile, minBackoff,
        maxBackoff, randomFactor);
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }
}
