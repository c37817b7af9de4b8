package org.medtrace.cluster;

import com.typesafe.config.Config;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.JoinSeedNodes;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.device.MedicalDevice;
import org.medtrace.actors.ledger.LedgerSettings;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.actors.witness.LogWitness;
import org.medtrace.globallog.GlobalLog;
import org.medtrace.globallog.GlobalLogSettings;
import org.medtrace.http.HttpApi;
import org.medtrace.http.EpcisCaptureService;
import org.medtrace.http.HttpApiSettings;
import org.medtrace.ingest.IngestPipelines;
import org.medtrace.ingest.IngestSettings;
import org.medtrace.ingest.route.ItemOutcome;
import org.medtrace.ingest.alerts.AlertPublisher;
import org.medtrace.ingest.alerts.AlertPublisherSettings;

/**
 * The composition root: what a node runs, given its actor system and settings. {@code Main} calls
 * it, and so do the tests, so that they run the node as it is deployed.
 */
public final class MedtraceNode {

  /**
   * A running node's public parts.
   *
   * @param system the node's actor system
   * @param httpBinding the API's binding (its port, when configured as 0)
   * @param management where Pekko Management (the health checks) listens
   * @param metrics where every part of the node registers its metrics; {@code /metrics} shows it
   */
  public record Running(
      ActorSystem<?> system,
      CompletionStage<ServerBinding> httpBinding, CompletionStage<Uri> management, PrometheusRegistry metrics) {}

  private MedtraceNode() {}

  /**
   * Joins the cluster, starts the global log's slice writers (where enabled), sharding for the four
   * entity types (batches, devices, patients and the log witness), which hand their events to the
   * writers, the alert publisher (one per cluster, where enabled), the ingest pipelines (each where
   * enabled), Pekko Management (health checks) and the HTTP API.
   */
  public static Running init(ActorSystem<?> system, NodeSettings settings) {
    Config config = system.settings().config();
    if (settings.formation() == NodeSettings.Formation.SEED_NODES) {
      joinCluster(system, settings.seedNodes());
    }
    GlobalLogSettings logSettings = GlobalLogSettings.from(config);
    GlobalLog log = GlobalLog.init(system, logSettings, GlobalLog.witnesses(system, logSettings), settings.ledger().clock());
    // The entities hand every event they store to the log's slice writers.
    LedgerSettings ledger = settings.ledger().withCommitFeed(log.commitFeed());
    DrugBatch.init(system, ledger, settings.batchRules());
    MedicalDevice.init(system, ledger, settings.deviceRules());
    PatientRecord.init(system, ledger);
    LogWitness.init(system, ledger);
    if (AlertPublisherSettings.enabled(config)) {
      AlertPublisher.init(system, AlertPublisherSettings.from(config));
    }
    PrometheusRegistry metrics = new PrometheusRegistry();
    IngestPipelines ingest = IngestPipelines.start(system, IngestSettings.from(config), metrics);
    CompletionStage<Uri> management = PekkoManagement.get(system).start();
    if (settings.formation() == NodeSettings.Formation.CLUSTER_BOOTSTRAP) {
      // Bootstrap probes the other nodes' management endpoints, so it starts after management.
      ClusterBootstrap.get(system).start();
    }
    HttpApiSettings http = HttpApiSettings.from(config);
    HttpApi api =
        HttpApi.create(
            system,
            http,
            settings.trustedKeys(),
            metrics,
            settings.ledger().clock(),
            Optional.of(epcisCapture(ingest)),
            log.reader(system, logSettings.journalTimeout(), settings.trustedKeys().byId()));
    return new Running(system, HttpApi.bind(system, http, api.route()), management, metrics);
  }

  /** EPCIS capture over HTTP goes through the ingest pipelines' own decoding and routing. */
  private static EpcisCaptureService epcisCapture(IngestPipelines ingest) {
    return (document, caller) ->
        ingest
            .epcisCapture()
            .capture(document, caller)
            .thenApply(
                outcomes ->
                    outcomes.stream()
                        .map(MedtraceNode::capturedEvent)
                        .toList());
  }

  private static EpcisCaptureService.CapturedEvent capturedEvent(ItemOutcome outcome) {
    if (outcome instanceof ItemOutcome.Stored stored) {
      return new EpcisCaptureService.CapturedEvent(stored.label(), true, stored.accepted(), stored.alreadyRecorded(), "", "");
    }
    ItemOutcome.DeadLettered refused = (ItemOutcome.DeadLettered) outcome;
    return new EpcisCaptureService.CapturedEvent(refused.label(), false, 0, 0, refused.reasonCode(), refused.message());
  }

  private static void joinCluster(ActorSystem<?> system, List<String> seedNodes) {
    Cluster cluster = Cluster.get(system);
    if (seedNodes.isEmpty()) {
      cluster.manager().tell(new org.apache.pekko.cluster.typed.Join(cluster.selfMember().address()));
    } else {
      List<Address> addresses = seedNodes.stream().map(AddressFromURIString::parse).toList();
      cluster.manager().tell(new JoinSeedNodes(addresses));
    }
  }
}
