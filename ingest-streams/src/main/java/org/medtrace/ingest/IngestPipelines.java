package org.medtrace.ingest;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.medtrace.actors.batch.UnitIndex;
import org.medtrace.actors.ledger.SubmissionCertificates;
import org.medtrace.ingest.epcis.EpcisCapture;
import org.medtrace.ingest.epcis.EpcisDecoder;
import org.medtrace.ingest.lab.LabResultDecoder;
import org.medtrace.ingest.pipeline.KafkaIngestPipeline;
import org.medtrace.ingest.route.LedgerRouter;
import org.medtrace.ingest.sensor.SensorReadingDecoder;
import org.medtrace.ingest.sensor.SequenceGaps;
import org.medtrace.ingest.signing.SignedRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest side of a node: one Kafka pipeline per enabled source (lab results, sensor readings,
 * EPCIS events) into the sharded entities, and the EPCIS capture for the HTTP API. The entities'
 * sharding MUST be initialised on the node before {@link #start}.
 *
 * <p>{@link #start} registers a drain of every pipeline in CoordinatedShutdown's
 * service-requests-done phase, before the node leaves the cluster, so that a stopping node commits
 * what it decided and hands its partitions over cleanly.
 */
public final class IngestPipelines {

  public static final String LAB_RESULTS = "lab-results";
  public static final String SENSOR_READINGS = "sensor-readings";
  public static final String EPCIS_EVENTS = "epcis-events";
  /** The pipeline label of EPCIS documents captured over HTTP. */
  public static final String EPCIS_HTTP = "epcis-http";

  private static final Logger log = LoggerFactory.getLogger(IngestPipelines.class);

  private final List<KafkaIngestPipeline> pipelines;
  private final EpcisCapture epcisCapture;
  private final IngestMetrics metrics;

  private IngestPipelines(List<KafkaIngestPipeline> pipelines, EpcisCapture epcisCapture, IngestMetrics metrics) {
    this.pipelines = List.copyOf(pipelines);
    this.epcisCapture = epcisCapture;
    this.metrics = metrics;
  }

  /** Starts the enabled pipelines; their metrics go to {@code registry} (exposed by the caller). */
  public static IngestPipelines start(ActorSystem<?> system, IngestSettings settings, PrometheusRegistry registry) {
    return start(system, settings, new IngestMetrics(registry));
  }

  /** As {@link #start(ActorSystem, IngestSettings, PrometheusRegistry)}, with metrics already registered. */
  public static IngestPipelines start(ActorSystem<?> system, IngestSettings settings, IngestMetrics metrics) {
    if (settings.labResults().enabled() && settings.lab().usesDevelopmentKey()) {
      log.warn("medtrace.ingest.lab-results.pseudonym-key is the development default: set a secret of your own outside development");
    }
    LedgerRouter.EntityAsk entities = LedgerRouter.sharded(system, settings.askTimeout());
    UnitIndex unitIndex = UnitIndex.onCassandra(system);
    EpcisDecoder.LotLookup lots = unitIndex::lotOf;
    // Records over Kafka may be signed; EPCIS over HTTP is checked by the API's signed submissions.
    SignedRecords signed =
        new SignedRecords(settings.signedRecords(), Clock.systemUTC(), SignedRecords.storedIn(SubmissionCertificates.onCassandra(system)));
    List<KafkaIngestPipeline> pipelines = new ArrayList<>();
    if (settings.labResults().enabled()) {
      pipelines.add(
          KafkaIngestPipeline.start(
              system, LAB_RESULTS, settings.labResults().topic(), settings,
              signed.checking(new LabResultDecoder(settings.lab())), new LedgerRouter(entities, metrics, LAB_RESULTS), metrics));
    }
    if (settings.sensorReadings().enabled()) {
      SequenceGaps gaps = new SequenceGaps(missing -> metrics.sequenceGap(SENSOR_READINGS, missing));
      pipelines.add(
          KafkaIngestPipeline.start(
              system, SENSOR_READINGS, settings.sensorReadings().topic(), settings,
              signed.checking(new SensorReadingDecoder(settings.sensors(), gaps)), new LedgerRouter(entities, metrics, SENSOR_READINGS), metrics));
    }
    if (settings.epcisEvents().enabled()) {
      pipelines.add(
          KafkaIngestPipeline.start(
              system, EPCIS_EVENTS, settings.epcisEvents().topic(), settings,
              signed.checking(new EpcisDecoder(settings.epcis(), settings.epcisGateway(), lots)), new LedgerRouter(entities, metrics, EPCIS_EVENTS), metrics));
    }
    EpcisCapture capture =
        new EpcisCapture(
            new EpcisDecoder(settings.epcis(), settings.epcisGateway(), lots), new LedgerRouter(entities, metrics, EPCIS_HTTP), metrics);
    IngestPipelines started = new IngestPipelines(pipelines, capture, metrics);
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceRequestsDone(),
            "medtrace-drain-kafka-ingest",
            () -> started.stop().thenApply(done -> Done.getInstance()));
    return started;
  }

  /** EPCIS capture through the same decoding and routing, for {@code POST /api/v1/epcis/capture}. */
  public EpcisCapture epcisCapture() {
    return epcisCapture;
  }

  public IngestMetrics metrics() {
    return metrics;
  }

  /** Drains every pipeline (in-flight messages decided and committed) and closes its consumer. */
  public CompletionStage<Done> stop() {
    CompletableFuture<?>[] stopping =
        pipelines.stream().map(p -> p.stop().toCompletableFuture()).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(stopping).thenApply(v -> Done.getInstance());
  }
}
