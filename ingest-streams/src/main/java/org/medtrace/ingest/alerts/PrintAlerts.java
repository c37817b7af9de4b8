package org.medtrace.ingest.alerts;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.medtrace.ingest.v1.Alert;

/**
 * Prints the alerts topic of the configured Kafka ({@code medtrace.alerts.topic} on {@code
 * medtrace.kafka}), one line per alert, oldest first — what a regulator's consumer receives:
 *
 * <pre>
 * alerts                   every alert on the topic now
 * alerts --wait-for ID     waits (up to 60 s) until alert ID is there, then prints them all
 * </pre>
 *
 * It reads without a consumer group, so it never moves anyone's offsets.
 */
public final class PrintAlerts {

  private static final Duration WAIT_LIMIT = Duration.ofSeconds(60);

  private PrintAlerts() {}

  public static void main(String[] args) throws Exception {
    String awaited = "";
    if (args.length == 2 && args[0].equals("--wait-for")) {
      awaited = args[1];
    } else if (args.length != 0) {
      System.err.println("usage: alerts [--wait-for ALERT-ID]");
      System.exit(2);
    }
    AlertPublisherSettings settings = AlertPublisherSettings.from(ConfigFactory.load());
    Instant deadline = Instant.now().plus(WAIT_LIMIT);
    List<Alert> alerts = read(settings.bootstrapServers(), settings.topic());
    while (!contains(alerts, awaited) && Instant.now().isBefore(deadline)) {
      Thread.sleep(1000);
      alerts = read(settings.bootstrapServers(), settings.topic());
    }
    for (Alert alert : alerts) {
      System.out.println(alert.getAlertId() + "  " + alert.getKind() + "  " + alert.getSummary());
    }
    if (!contains(alerts, awaited)) {
      System.err.println("no alert " + awaited + " after " + WAIT_LIMIT.toSeconds() + " s");
      System.exit(1);
    }
  }

  private static boolean contains(List<Alert> alerts, String alertId) {
    return alertId.isEmpty() || alerts.stream().anyMatch(alert -> alert.getAlertId().equals(alertId));
  }

  /** Every alert on {@code topic} up to its current end. */
  static List<Alert> read(String bootstrapServers, String topic) throws Exception {
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .collect(Collectors.toList());
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<ConsumerRecord<String, byte[]>> records = new java.util.ArrayList<>();
      Instant deadline = Instant.now().plusSeconds(30);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && Instant.now().isBefore(deadline)) {
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
      }
      List<Alert> alerts = new java.util.ArrayList<>();
      for (ConsumerRecord<String, byte[]> record : records) {
        alerts.add(Alert.parseFrom(record.value()));
      }
      alerts.sort(java.util.Comparator.comparing((Alert a) -> a.getRecordedAt().getSeconds()).thenComparing(a -> a.getRecordedAt().getNanos()));
      return alerts;
    }
  }
}
