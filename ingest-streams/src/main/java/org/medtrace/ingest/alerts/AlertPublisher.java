package org.medtrace.ingest.alerts;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ShardedDaemonProcessSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import org.apache.pekko.kafka.ProducerMessage;
import org.apache.pekko.kafka.ProducerSettings;
import org.apache.pekko.kafka.javadsl.Producer;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.NoOffset;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.TimeBasedUUID;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.medtrace.actors.ledger.CborSerializable;
import org.medtrace.ingest.v1.Alert;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alerts out: follows the journal's events tagged {@code alert} ({@code eventsByTag} of the
 * Cassandra read journal) and publishes each as an {@link Alert} to a Kafka topic, keyed by entity
 * id.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>At least once, across restarts of the stream, the publisher and the node: an offset is
 *       stored (in {@link AlertOffsetStore}) only after Kafka has acknowledged the alert at that
 *       offset ({@code acks=all}), in journal order, and a (re)start resumes after the stored
 *       offset. After a crash the alerts in flight may be published again; consumers MUST
 *       de-duplicate by {@link Alert#getAlertId()}.
 *   <li>A clean {@link Control#stop()} drains: alerts already read are published and their offsets
 *       stored before the stream completes, so a clean stop and start republishes nothing.
 *   <li>Failures (Kafka or Cassandra unreachable, a refused record) restart the whole stream from
 *       the stored offset with exponential backoff; nothing is skipped. The restart is logged.
 *   <li>One entity's alerts keep their order on the topic (same key, same partition).
 * </ul>
 *
 * <p>Exactly one publisher per publisher id may run in a cluster, or both would publish every
 * alert: {@link #init} runs it as a one-instance {@link ShardedDaemonProcess}, which keeps it on one
 * node and moves it when that node leaves.
 */
public final class AlertPublisher {

  /** The name of the sharded daemon process {@link #init} starts. */
  public static final String DAEMON_NAME = "alert-publisher";

  private static final Logger log = LoggerFactory.getLogger(AlertPublisher.class);

  private AlertPublisher() {}

  /** A running publisher. */
  public interface Control {

    /**
     * Stops reading new alerts, lets those already read be published and their offsets stored,
     * then completes. Idempotent.
     */
    CompletionStage<Done> stop();

    /** Completes when the stream has ended (after {@link #stop()}, or if it fails for good). */
    CompletionStage<Done> done();
  }

  /**
   * Starts publishing now, from the stored offset of {@link AlertPublisherSettings#publisherId()}.
   * Runs until stopped; use {@link #init} in a cluster.
   */
  public static Control run(ActorSystem<?> system, AlertPublisherSettings settings) {
    CassandraReadJournal readJournal =
        PersistenceQuery.get(system)
            .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    AlertOffsetStore offsets = AlertOffsetStore.create(system, settings);
    ProducerSettings<String, byte[]> producerSettings =
        ProducerSettings.create(
                settings.producerConfig(), new StringSerializer(), new ByteArraySerializer())
            .withBootstrapServers(settings.bootstrapServers());
    SharedKillSwitch killSwitch = KillSwitches.shared(DAEMON_NAME + "-" + settings.publisherId());
    RestartSettings restart =
        RestartSettings.create(settings.minBackoff(), settings.maxBackoff(), settings.randomFactor());

    CompletionStage<Done> done =
        RestartSource.onFailuresWithBackoff(
                restart,
                () -> publishFromStoredOffset(settings, readJournal, offsets, producerSettings, killSwitch))
            .toMat(Sink.ignore(), Keep.right())
            .run(system);
    log.info(
        "Alert publisher {} publishes events tagged '{}' to topic {} on {}",
        settings.publisherId(),
        settings.tag(),
        settings.topic(),
        settings.bootstrapServers());
    return new Control() {
      @Override
      public CompletionStage<Done> stop() {
        killSwitch.shutdown();
        return done;
      }

      @Override
      public CompletionStage<Done> done() {
        return done;
      }
    };
  }

  /**
   * One run of the stream: load the offset, read the tag after it, publish, store each offset once
   * Kafka has acknowledged. The kill switch sits right after the journal source, so that stopping
   * completes the rest of the stream normally and in-flight alerts are finished, not abandoned.
   */
  private static Source<Done, NotUsed> publishFromStoredOffset(
      AlertPublisherSettings settings,
      CassandraReadJournal readJournal,
      AlertOffsetStore offsets,
      ProducerSettings<String, byte[]> producerSettings,
      SharedKillSwitch killSwitch) {
    return Source.completionStageSource(
            offsets
                .load(settings.publisherId())
                .thenApply(
                    stored -> {
                      log.info(
                          "Alert publisher {} resumes {}",
                          settings.publisherId(),
                          stored.map(uuid -> "after offset " + uuid).orElse("from the first time bucket"));
                      Offset from = stored.<Offset>map(TimeBasedUUID::new).orElse(NoOffset.getInstance());
                      return readJournal
                          .eventsByTag(settings.tag(), from)
                          .via(killSwitch.flow())
                          .map(envelope -> toProducerMessage(settings.topic(), envelope))
                          .via(Producer.flexiFlow(producerSettings))
                          .mapAsync(
                              1,
                              result -> {
                                Published published = result.passThrough();
                                return offsets.save(
                                    settings.publisherId(), published.offset(), published.alertId());
                              });
                    }))
        .mapMaterializedValue(ignored -> NotUsed.getInstance());
  }

  /** What travels with a record through the producer: where it came from in the journal. */
  private record Published(UUID offset, String alertId) {}

  private static ProducerMessage.Envelope<String, byte[], Published> toProducerMessage(
      String topic, EventEnvelope envelope) {
    if (!(envelope.offset() instanceof TimeBasedUUID offset)) {
      throw new IllegalStateException(
          "Events by tag came with offset "
              + envelope.offset()
              + "; the alert publisher needs the Cassandra read journal's TimeBasedUUID offsets");
    }
    Alert alert = AlertEvents.fromEnvelope(envelope);
    return ProducerMessage.single(
        new ProducerRecord<>(topic, alert.getEntityId(), alert.toByteArray()),
        new Published(offset.value(), alert.getAlertId()));
  }

  // ---- one publisher per cluster ----

  /** Messages of the daemon that runs the publisher. */
  public sealed interface Command extends CborSerializable {}

  /** Sent by sharding when the daemon moves or the node shuts down: drain and stop. */
  public enum Stop implements Command {
    INSTANCE
  }

  private record StreamEnded(Optional<Throwable> failure) implements Command {}

  /**
   * Runs one publisher in the cluster, as a sharded daemon process with a single instance: it
   * starts on one node, drains and stops when sharding moves it or the node leaves, and starts
   * again elsewhere from the stored offset.
   */
  public static void init(ActorSystem<?> system, AlertPublisherSettings settings) {
    ShardedDaemonProcess.get(system)
        .init(
            Command.class,
            DAEMON_NAME + "-" + settings.publisherId(),
            1,
            instance -> daemon(settings),
            ShardedDaemonProcessSettings.create(system),
            Optional.of(Stop.INSTANCE));
  }

  static Behavior<Command> daemon(AlertPublisherSettings settings) {
    return Behaviors.setup(
        context -> {
          Control control = run(context.getSystem(), settings);
          context.pipeToSelf(
              control.done(), (done, failure) -> new StreamEnded(Optional.ofNullable(failure)));
          return Behaviors.receive(Command.class)
              .onMessage(
                  Stop.class,
                  stop -> {
                    control.stop();
                    return Behaviors.same();
                  })
              .onMessage(
                  StreamEnded.class,
                  ended -> {
                    // Sharding's keep-alive starts the daemon again if it was not asked to stop.
                    ended
                        .failure()
                        .ifPresent(
                            failure ->
                                context.getLog().error("Alert publisher {} failed", settings.publisherId(), failure));
                    return Behaviors.stopped();
                  })
              .onSignal(
                  PostStop.class,
                  signal -> {
                    control.stop();
                    return Behaviors.same();
                  })
              .build();
        });
  }
}
