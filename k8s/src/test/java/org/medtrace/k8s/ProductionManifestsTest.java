package org.medtrace.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePoolSpec;
import io.strimzi.api.kafka.model.kafka.JbodStorage;
import io.strimzi.api.kafka.model.kafka.PersistentClaimStorage;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The invariants, on the production overlay ({@code k8s/overlays/production}), and what only
 * production must hold: its own namespace, a released image, more resources than the base.
 */
class ProductionManifestsTest extends ManifestInvariants {

  static final String NAMESPACE = "medtrace";

  /** Kinds that live outside namespaces, of those the manifests render. */
  static final Set<String> CLUSTER_SCOPED = Set.of("Namespace");

  @Override
  String kustomization() {
    return "overlays/production";
  }

  @Test
  void everyObjectIsInTheMedtraceNamespace() {
    manifests.one("Namespace", NAMESPACE, GenericKubernetesResource.class);
    for (GenericKubernetesResource document : manifests.documents()) {
      String object = document.getKind() + " " + document.getMetadata().getName();
      if (CLUSTER_SCOPED.contains(document.getKind())) {
        assertEquals(null, document.getMetadata().getNamespace(), object + " metadata.namespace (cluster-scoped)");
      } else {
        assertEquals(NAMESPACE, document.getMetadata().getNamespace(), object + " metadata.namespace");
      }
    }
    for (RoleBinding binding : manifests.all("RoleBinding", RoleBinding.class)) {
      binding.getSubjects().forEach(subject -> assertEquals(NAMESPACE, subject.getNamespace(),
          "RoleBinding " + binding.getMetadata().getName() + " subject " + subject.getName() + " namespace"));
    }
  }

  @Test
  void runsAReleasedImage() {
    String image = nodeContainer.getImage();
    assertTrue(image.startsWith("ghcr.io/medtrace/medtrace-node:"), "Deployment medtrace image " + image);
    String tag = image.substring(image.lastIndexOf(':') + 1);
    assertTrue(tag.matches("\\d+\\.\\d+\\.\\d+.*"), "Deployment medtrace image tag must be a release, is " + tag);
  }

  @Test
  void givesTheNodesCassandraAndKafkaMoreThanTheBase() {
    RenderedManifests base = Kustomize.render("base");
    Container baseNode = container(
        base.one("Deployment", NODE, Deployment.class).getSpec().getTemplate().getSpec(), NODE_CONTAINER, "base Deployment");
    for (String resource : new String[] {"cpu", "memory"}) {
      assertGreater(nodeContainer.getResources().getRequests().get(resource), baseNode.getResources().getRequests().get(resource),
          "Deployment medtrace requests." + resource);
      assertGreater(nodeContainer.getResources().getLimits().get(resource), baseNode.getResources().getLimits().get(resource),
          "Deployment medtrace limits." + resource);
    }
    assertGreater(cassandraStorage(manifests), cassandraStorage(base), "K8ssandraCluster dc1 storage request");
    assertGreater(kafkaStorage(manifests), kafkaStorage(base), "KafkaNodePool storage size");
  }

  private static Quantity cassandraStorage(RenderedManifests rendered) {
    GenericKubernetesResource cluster = rendered.one("K8ssandraCluster", CASSANDRA, GenericKubernetesResource.class);
    Map<String, Object> requests = cluster.get("spec", "cassandra", "datacenters", 0, "storageConfig",
        "cassandraDataVolumeClaimSpec", "resources", "requests");
    return new Quantity(requests.get("storage").toString());
  }

  private static Quantity kafkaStorage(RenderedManifests rendered) {
    KafkaNodePoolSpec spec = rendered.all("KafkaNodePool", KafkaNodePool.class).get(0).getSpec();
    JbodStorage jbod = (JbodStorage) spec.getStorage();
    return new Quantity(((PersistentClaimStorage) jbod.getVolumes().get(0)).getSize());
  }

  private static void assertGreater(Quantity production, Quantity base, String field) {
    assertTrue(production.getNumericalAmount().compareTo(base.getNumericalAmount()) > 0,
        field + ": production " + production + " must exceed the base's " + base);
  }
}
