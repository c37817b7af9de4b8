package org.medtrace.ingest.kafka;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Store;
import org.medtrace.forked.PerJvmServer;

/**
 * JUnit 5 extension giving tests a real Kafka broker (KRaft, one node): one per test JVM, started
 * the first time a test class using the extension runs, stopped when the whole test run ends (and
 * by a shutdown hook if the run is aborted).
 *
 * <pre>
 * &#64;ExtendWith(RealKafka.class)
 * class SomethingTest {
 *   &#64;BeforeAll
 *   static void createTopics() {
 *     RealKafka.createTopics(List.of("something-in"), 1);
 *   }
 *   ... ConsumerSettings.create(system, ...).withBootstrapServers(RealKafka.bootstrapServers())
 *   ... assertEquals(1, RealKafka.readAll("something-out").size());
 * }
 * </pre>
 *
 * <p>The broker lives in {@code <medtrace.test.work-dir>/kafka}, which is wiped when the broker
 * starts, and listens on {@link #ADDRESS}:{@value #CLIENT_PORT} (controller port {@value
 * #CONTROLLER_PORT}): not Kafka's default ports, so a developer's own broker does not collide. The
 * broker's classpath comes from the file named by {@code medtrace.kafka.classpath-file}; Maven's
 * surefire sets both properties, and an IDE running tests from a module directory gets working
 * defaults.
 *
 * <p>Tests share the broker: each test class MUST use its own topics (and consumer group ids),
 * never delete another class's topics, and not stop the broker.
 */
public final class RealKafka implements BeforeAllCallback {

  /**
   * The loopback address the test broker listens on: {@code medtrace.test.loopback-address},
   * 127.0.0.1 by default. Two test runs on one machine (two checkouts) keep apart by using
   * different ones.
   */
  public static final String ADDRESS = PerJvmServer.loopbackAddress();

  public static final int CLIENT_PORT = 19092;
  public static final int CONTROLLER_PORT = 19093;

  /** How long {@link #readAll} and {@link #createTopics} wait for the broker. */
  public static final Duration TIMEOUT = Duration.ofSeconds(30);

  static final String CLASSPATH_FILE_PROPERTY = "medtrace.kafka.classpath-file";

  /** The broker's launcher; closing it stops the broker. */
  private static final PerJvmServer<KafkaLauncher> BROKER =
      new PerJvmServer<>("Kafka", RealKafka.class, KafkaLauncher::stopLeftover, RealKafka::start);

  @Override
  public void beforeAll(ExtensionContext context) {
    // The root store closes what it holds after the whole test run (see PerJvmServer).
    Store store = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL);
    store.getOrComputeIfAbsent(BROKER, key -> BROKER.start(), AutoCloseable.class);
  }

  /** {@code address:port} for clients' {@code bootstrap.servers}. */
  public static String bootstrapServers() {
    return BROKER.running().bootstrapServers();
  }

  /** Creates these topics where missing (idempotent), each with this many partitions. */
  public static void createTopics(List<String> names, int partitions) {
    KafkaLauncher.createTopics(bootstrapServers(), names, partitions, TIMEOUT);
  }

  /**
   * Every record in the topic right now, partition by partition in offset order, keys as UTF-8
   * strings and values as bytes. Reads from the beginning up to the end offsets taken when called,
   * without a consumer group (nothing is committed), so it neither waits for records nor misses
   * any that were acknowledged before the call.
   *
   * @throws IllegalStateException if the topic does not exist or the broker does not answer
   */
  public static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
    return readAll(bootstrapServers(), topic);
  }

  /** {@link #readAll(String)} from any broker. */
  public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrapServers, String topic) {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // Only records of committed transactions, as a downstream consumer would be configured.
    properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> partitionInfos = consumer.partitionsFor(topic, TIMEOUT);
      if (partitionInfos == null || partitionInfos.isEmpty()) {
        throw new IllegalStateException("Topic " + topic + " does not exist on " + bootstrapServers);
      }
      List<TopicPartition> partitions =
          partitionInfos.stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .sorted(Comparator.comparingInt(TopicPartition::partition))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
      List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p, TIMEOUT) < end.get(p))) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException(
              "Could not read " + topic + " up to its end offsets " + end + " within " + TIMEOUT);
        }
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          TopicPartition partition = new TopicPartition(record.topic(), record.partition());
          if (record.offset() < end.get(partition)) {
            records.add(record);
          }
        }
      }
      records.sort(
          Comparator.<ConsumerRecord<String, byte[]>>comparingInt(ConsumerRecord::partition)
              .thenComparingLong(ConsumerRecord::offset));
      return records;
    }
  }

  static Path workDirectory() {
    return PerJvmServer.workDirectory();
  }

  static Path classpathFile() {
    return PerJvmServer.classpathFile(CLASSPATH_FILE_PROPERTY, "kafka-runtime", "kafka.classpath");
  }

  static void deleteRecursively(Path directory) throws IOException {
    PerJvmServer.deleteRecursively(directory);
  }

  private static KafkaLauncher start(Path nodeDirectory) throws IOException, InterruptedException {
    KafkaLauncher launcher =
        new KafkaLauncher(
            KafkaLauncher.Settings.defaults(nodeDirectory, classpathFile())
                .withAddress(ADDRESS)
                .withClientPort(CLIENT_PORT)
                .withControllerPort(CONTROLLER_PORT));
    launcher.start();
    return launcher;
  }
}
