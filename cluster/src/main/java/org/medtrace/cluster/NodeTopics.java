package org.medtrace.cluster;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import org.medtrace.ingest.IngestSettings;
import org.medtrace.ingest.alerts.AlertPublisherSettings;

/**
 * The Kafka topics a node reads and writes. Development mode creates them on its own broker;
 * production creates them with the cluster's tooling (k8s/ has them as KafkaTopic resources).
 */
public final class NodeTopics {

  private NodeTopics() {}

  public static List<String> all(Config config) {
    List<String> topics = new ArrayList<>();
    topics.add(AlertPublisherSettings.from(config).topic());
    topics.addAll(IngestSettings.from(config).topics());
    return topics;
  }
}
