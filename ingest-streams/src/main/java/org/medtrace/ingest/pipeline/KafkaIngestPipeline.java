package org.medtrace.ingest.pipeline;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.kafka.CommitterSettings;
import org.apache.pekko.kafka.ConsumerMessage;
import org.apache.pekko.kafka.ConsumerSettings;
import org.apache.pekko.kafka.ProducerMessage;
import org.apache.pekko.kafka.ProducerSettings;
import org.apache.pekko.kafka.Subscriptions;
import org.apache.pekko.kafka.javadsl.Committer;
import org.apache.pekko.kafka.javadsl.Consumer;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.medtrace.ingest.IngestMetrics;
import org.medtrace.ingest.IngestSettings;
import org.medtrace.ingest.route.LedgerRouter;
import org.medtrace.ingest.route.RecordDecoder;
import org.medtrace.ingest.route.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One source's pipeline: committable Kafka source → {@link IngestFlow} (decode, ask the entity) →
 * dead letters produced and acknowledged by the broker → offsets committed, in order.
 *
 * <p>Guarantees: an offset is committed only after its message is stored on the ledger (accepted or
 * already recorded) or its dead letter is acknowledged by the broker (acks=all, idempotent
 * producer). A failed ask fails the stream without committing; it restarts with backoff and the
 * uncommitted messages are redelivered, which the entities recognise by their source ids. So nothing
 * is lost, and nothing is stored twice.
 */
public final class KafkaIngestPipeline {

  private static final Logger log = LoggerFactory.getLogger(KafkaIngestPipeline.class);

  private final String name;
  private final String topic;
  private final AtomicReference<Consumer.Control> control = new AtomicReference<>(Consumer.createNoopControl());
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CompletionStage<Done> done;
  private final Cancellable lagPolling;
  private final Producer<byte[], byte[]> deadLetterProducer;
  private final ActorSystem<?> system;
  private final Admin admin;
  private final String groupId;

  private KafkaIngestPipeline(
      ActorSystem<?> system,
      String name,
      String topic,
      IngestSettings settings,
      RecordDecoder decoder,
      LedgerRouter router,
      IngestMetrics metrics) {
    this.system = system;
    this.name = name;
    this.topic = topic;
    ConsumerSettings<byte[], byte[]> consumerSettings =
        ConsumerSettings.create(system, new ByteArrayDeserializer(), new ByteArrayDeserializer())
            .withBootstrapServers(settings.bootstrapServers())
            .withGroupId(groupId(settings, name))
            .withProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
            .withProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false")
            // stop() drains the stream before the consumer closes, so the consumer need not linger
            // (the default keeps it 30 s for streams stopped without draining).
            .withStopTimeout(Duration.ZERO);
    ProducerSettings<byte[], byte[]> producerSettings =
        ProducerSettings.create(system, new ByteArraySerializer(), new ByteArraySerializer())
            .withBootstrapServers(settings.bootstrapServers())
            // A dead letter counts as handled only once every in-sync replica has it.
            .withProperty(ProducerConfig.ACKS_CONFIG, "all")
            .withProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    // One producer outlives restarts of the stream: creating one per restart leaks threads.
    this.deadLetterProducer = producerSettings.createKafkaProducer();
    ProducerSettings<byte[], byte[]> sharedProducer = producerSettings.withProducer(deadLetterProducer);
    CommitterSettings committerSettings = CommitterSettings.create(system);
    RestartSettings restartSettings =
        RestartSettings.create(
            settings.restart().minBackoff(), settings.restart().maxBackoff(), settings.restart().randomFactor());
    Clock clock = Clock.systemUTC();
    AtomicInteger starts = new AtomicInteger();

    Source<Done, ?> restarting =
        RestartSource.onFailuresWithBackoff(
            restartSettings,
            () -> {
              if (stopping.get()) {
                return Source.empty();
              }
              if (starts.getAndIncrement() > 0) {
                metrics.restarted(name);
                log.warn("Pipeline {} restarts on {}: uncommitted messages are redelivered", name, topic);
              }
              return Consumer.committableSource(consumerSettings, Subscriptions.topics(topic))
                  .mapMaterializedValue(
                      c -> {
                        control.set(c);
                        return c;
                      })
                  .map(
                      message ->
                          new IngestFlow.Incoming<>(
                              sourceRecord(message.record()), new Consumed(message.committableOffset(), message.record().timestamp())))
                  .via(IngestFlow.<Consumed>create(decoder, router, metrics, settings.parallelism()))
                  .map(
                      decided -> {
                        ConsumerMessage.CommittableOffset offset = decided.passThrough().offset();
                        if (!decided.outcome().isStored()) {
                          return ProducerMessage.single(
                              DeadLetters.record(settings.deadLetterSuffix(), decided.record(), decided.outcome(), clock.instant()),
                              offset);
                        }
                        long producedAt = decided.passThrough().producedAtMillis();
                        // A record without a timestamp (-1: a producer of the old message format) has no age.
                        if (producedAt >= 0) {
                          metrics.committed(name, (clock.millis() - producedAt) / 1000.0);
                        }
                        return ProducerMessage.<byte[], byte[], ConsumerMessage.CommittableOffset>passThrough(offset);
                      })
                  .via(org.apache.pekko.kafka.javadsl.Producer.flexiFlow(sharedProducer))
                  .map(ProducerMessage.Results::passThrough)
                  .via(Committer.flow(committerSettings));
            });
    this.done = restarting.runWith(Sink.ignore(), system);
    this.done.whenComplete((ok, failure) -> deadLetterProducer.close(Duration.ofSeconds(10)));
    this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers()));
    this.groupId = groupId(settings, name);
    this.done.whenComplete((ok, failure) -> admin.close(Duration.ofSeconds(5)));
    Duration every = settings.lagPollInterval();
    this.lagPolling =
        system.scheduler().scheduleAtFixedRate(every, every, () -> pollLag(metrics), system.executionContext());
  }

  /** Starts consuming {@code topic}; dead letters go to {@code topic + dead-letter-suffix}. */
  public static KafkaIngestPipeline start(
      ActorSystem<?> system,
      String name,
      String topic,
      IngestSettings settings,
      RecordDecoder decoder,
      LedgerRouter router,
      IngestMetrics metrics) {
    return new KafkaIngestPipeline(system, name, topic, settings, decoder, router, metrics);
  }

  public String name() {
    return name;
  }

  /**
   * The consumer group of pipeline {@code name}: {@code <group-id>.<name>}. One group per pipeline,
   * so that a pipeline joining, leaving or restarting (on any node) rebalances only its own topic's
   * partitions and never pauses the other sources.
   */
  public static String groupId(IngestSettings settings, String name) {
    return settings.groupId() + "." + name;
  }

  /** Completes when the pipeline has stopped (after {@link #stop}); fails only on a bug. */
  public CompletionStage<Done> completion() {
    return done;
  }

  /**
   * Stops taking new messages, lets the ones in flight be decided and committed, then closes the
   * consumer. No restart follows.
   */
  public CompletionStage<Done> stop() {
    stopping.set(true);
    lagPolling.cancel();
    return control.get().drainAndShutdown(done, system.executionContext());
  }

  /**
   * Lag as the group's committed offsets trail the topic's end offsets. Not the consumer's own
   * {@code records-lag}: that counts from the fetch position, and the consumer fetches hundreds of
   * records ahead of what the entities have stored, so it reads 0 while a slow entity holds
   * thousands of messages back. What is not committed is what would be redelivered.
   */
  private void pollLag(IngestMetrics metrics) {
    admin
        .listConsumerGroupOffsets(groupId)
        .partitionsToOffsetAndMetadata()
        .toCompletionStage()
        .thenCompose(
            committed ->
                admin
                    .describeTopics(List.of(topic))
                    .allTopicNames()
                    .toCompletionStage()
                    .thenCompose(
                        topics -> {
                          Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                          topics.get(topic).partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
                          return admin.listOffsets(latest).all().toCompletionStage().thenApply(ends -> lag(ends, committed));
                        }))
        .thenAccept(lag -> metrics.consumerLag(name, lag))
        .exceptionally(
            failure -> {
              log.debug("Pipeline {}: consumer lag unknown now ({})", name, failure.toString());
              return null;
            });
  }

  /** The sum over partitions of end offset minus committed offset (a partition never committed counts from 0). */
  static double lag(Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends, Map<TopicPartition, OffsetAndMetadata> committed) {
    double sum = 0;
    for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end : ends.entrySet()) {
      OffsetAndMetadata at = committed.get(end.getKey());
      sum += Math.max(0, end.getValue().offset() - (at == null ? 0 : at.offset()));
    }
    return sum;
  }

  /** A consumed record's offset, and its Kafka timestamp for the commit latency. */
  private record Consumed(ConsumerMessage.CommittableOffset offset, long producedAtMillis) {}

  static SourceRecord sourceRecord(ConsumerRecord<byte[], byte[]> record) {
    Map<String, byte[]> headers = new HashMap<>();
    for (Header header : record.headers()) {
      // A header may have no value; the record keeps it, empty.
      headers.put(header.key(), header.value() == null ? new byte[0] : header.value());
    }
    return new SourceRecord(record.topic(), record.partition(), record.offset(), record.key(), record.value(), headers);
  }
}
