package org.medtrace.ingest.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The launcher runs a real Kafka broker: records produced to it can be consumed, it stops cleanly,
 * a restart on the same directory keeps topics and records, and a broken installation fails with
 * a message that says what went wrong. Each test runs its own broker, on other ports than {@link
 * RealKafka}'s, so it can stop it.
 */
class KafkaLauncherTest {

  private static final int OTHER_CLIENT_PORT = 19192;
  private static final int OTHER_CONTROLLER_PORT = 19193;

  @Test
  void brokerServesRecordsStopsCleanlyAndKeepsTopicsAndRecordsAcrossARestart() throws Exception {
    Path node = freshNodeDirectory("kafka-restart");
    KafkaLauncher.Settings settings = otherBroker(node, RealKafka.classpathFile());
    String topic = "launcher-test";
    try (KafkaLauncher launcher = new KafkaLauncher(settings)) {
      launcher.start();
      assertTrue(launcher.isRunning());
      assertTrue(Files.isRegularFile(node.resolve("kafka.pid")));
      KafkaLauncher.createTopics(launcher.bootstrapServers(), List.of(topic), 2);
      produce(launcher.bootstrapServers(), topic, "batch-7", "quarantined");

      assertEquals(List.of("batch-7=quarantined"), keysAndValues(launcher, topic));

      launcher.stop();
      launcher.stop();
      assertFalse(launcher.isRunning());
      assertFalse(Files.exists(node.resolve("kafka.pid")));

      launcher.start();
      // Creating an existing topic again is fine, and leaves it (and its records) as it was.
      KafkaLauncher.createTopics(launcher.bootstrapServers(), List.of(topic), 1);
      assertEquals(List.of("batch-7=quarantined"), keysAndValues(launcher, topic));
      produce(launcher.bootstrapServers(), topic, "batch-8", "released");
      assertEquals(2, RealKafka.readAll(launcher.bootstrapServers(), topic).size());
    }
  }

  /** What a JVM killed with {@code kill -9} leaves behind: a broker nobody stops, and its PID file. */
  @Test
  void startStopsABrokerLeftRunningOnTheSameDirectoryByAnEarlierRun() throws Exception {
    Path node = freshNodeDirectory("kafka-leftover");
    KafkaLauncher.Settings settings = otherBroker(node, RealKafka.classpathFile());
    KafkaLauncher abandoned = new KafkaLauncher(settings);
    abandoned.start();
    ProcessHandle leftover = ProcessHandle.of(abandoned.pid().orElseThrow()).orElseThrow();

    try (KafkaLauncher next = new KafkaLauncher(settings)) {
      next.start();

      assertFalse(leftover.isAlive());
      assertTrue(next.isRunning());
      assertEquals(
          Long.toString(next.pid().orElseThrow()), Files.readString(node.resolve("kafka.pid")));
    } finally {
      abandoned.stop();
    }
  }

  @Test
  void classpathWithoutKafkaFailsWithTheStorageToolsOutput() throws Exception {
    Path node = freshNodeDirectory("kafka-broken");
    Path brokenClasspath = Files.createDirectories(node).resolve("broken.classpath");
    Files.writeString(brokenClasspath, node.resolve("no-such-kafka.jar").toString());
    KafkaLauncher launcher = new KafkaLauncher(otherBroker(node, brokenClasspath));

    KafkaLauncher.StartupException failure =
        assertThrows(KafkaLauncher.StartupException.class, launcher::start);

    assertTrue(failure.getMessage().contains("failed with exit code"), failure.getMessage());
    assertTrue(failure.getMessage().contains(brokenClasspath.toString()), failure.getMessage());
    // The tail of the tool's output names the class java could not find.
    assertTrue(failure.getMessage().contains("kafka.tools.StorageTool"), failure.getMessage());
    assertFalse(launcher.isRunning());
    assertFalse(Files.exists(node.resolve("kafka.pid")));
  }

  @Test
  void missingClasspathFileSaysHowToBuildIt() throws Exception {
    Path node = freshNodeDirectory("kafka-no-classpath");
    Path missing = node.resolve("kafka.classpath");
    KafkaLauncher launcher = new KafkaLauncher(otherBroker(node, missing));

    IOException failure = assertThrows(IOException.class, launcher::start);

    assertTrue(failure.getMessage().contains(missing + " does not exist"), failure.getMessage());
    assertTrue(failure.getMessage().contains("kafka-runtime"), failure.getMessage());
    assertFalse(launcher.isRunning());
  }

  @Test
  void settingsRefuseAClusterIdKafkaWouldReject() {
    KafkaLauncher.Settings settings =
        KafkaLauncher.Settings.defaults(Path.of("target", "x"), Path.of("kafka.classpath"));

    IllegalArgumentException failure =
        assertThrows(IllegalArgumentException.class, () -> settings.withClusterId("medtrace"));
    assertTrue(failure.getMessage().contains("22 characters"), failure.getMessage());
    assertThrows(IllegalArgumentException.class, () -> settings.withControllerPort(9092));
  }

  private static KafkaLauncher.Settings otherBroker(Path node, Path classpathFile) {
    return KafkaLauncher.Settings.defaults(node, classpathFile)
        .withAddress(RealKafka.ADDRESS)
        .withClientPort(OTHER_CLIENT_PORT)
        .withControllerPort(OTHER_CONTROLLER_PORT);
  }

  private static Path freshNodeDirectory(String name) throws IOException {
    Path node = RealKafka.workDirectory().resolve(name);
    KafkaLauncher.stopLeftover(node);
    RealKafka.deleteRecursively(node);
    return node;
  }

  private static void produce(String bootstrapServers, String topic, String key, String value)
      throws Exception {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer())) {
      producer
          .send(new ProducerRecord<>(topic, key, value.getBytes(StandardCharsets.UTF_8)))
          .get();
    }
  }

  private static List<String> keysAndValues(KafkaLauncher launcher, String topic) {
    return RealKafka.readAll(launcher.bootstrapServers(), topic).stream()
        .map(KafkaLauncherTest::keyAndValue)
        .toList();
  }

  private static String keyAndValue(ConsumerRecord<String, byte[]> record) {
    return record.key() + "=" + new String(record.value(), StandardCharsets.UTF_8);
  }
}
