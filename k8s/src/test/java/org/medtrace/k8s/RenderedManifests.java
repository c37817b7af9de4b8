package org.medtrace.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The objects one kustomization renders to, found by kind and name and read into typed models:
 * fabric8's for Kubernetes' own kinds, Strimzi's for Kafka's, {@link GenericKubernetesResource}
 * for the rest (K8ssandra).
 */
final class RenderedManifests {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private final List<GenericKubernetesResource> documents;

  private RenderedManifests(List<GenericKubernetesResource> documents) {
    this.documents = List.copyOf(documents);
  }

  /** Reads a multi-document YAML stream; empty documents (only comments) are skipped. */
  static RenderedManifests parse(String yaml) {
    List<GenericKubernetesResource> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> nodes = new YAMLMapper().readerFor(JsonNode.class).readValues(yaml)) {
      while (nodes.hasNext()) {
        JsonNode node = nodes.next();
        if (node == null || node.isNull() || node.isEmpty()) {
          continue;
        }
        GenericKubernetesResource resource = SERIALIZATION.convertValue(node, GenericKubernetesResource.class);
        if (resource.getKind() == null || resource.getMetadata() == null || resource.getMetadata().getName() == null) {
          throw new IllegalStateException("a rendered document has no kind or name: " + node);
        }
        documents.add(resource);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the rendered manifests are not YAML", e);
    }
    return new RenderedManifests(documents);
  }

  /** Every rendered object, as rendered. */
  List<GenericKubernetesResource> documents() {
    return documents;
  }

  /** The objects of one kind, read into {@code type}. */
  <T extends HasMetadata> List<T> all(String kind, Class<T> type) {
    return documents.stream()
        .filter(document -> kind.equals(document.getKind()))
        .map(document -> SERIALIZATION.convertValue(document, type))
        .toList();
  }

  /** The object of this kind and name, if it was rendered. */
  <T extends HasMetadata> Optional<T> find(String kind, String name, Class<T> type) {
    return documents.stream()
        .filter(document -> kind.equals(document.getKind()) && name.equals(document.getMetadata().getName()))
        .findFirst()
        .map(document -> SERIALIZATION.convertValue(document, type));
  }

  /**
   * The object of this kind and name.
   *
   * @throws AssertionError naming the objects of that kind that were rendered, if it was not
   */
  <T extends HasMetadata> T one(String kind, String name, Class<T> type) {
    return find(kind, name, type)
        .orElseThrow(() -> new AssertionError(
            "no " + kind + " named '" + name + "' was rendered; " + kind + "s rendered: " + namesOf(kind)));
  }

  /** The names of the rendered objects of one kind. */
  List<String> namesOf(String kind) {
    return documents.stream()
        .filter(document -> kind.equals(document.getKind()))
        .map(document -> document.getMetadata().getName())
        .toList();
  }
}
