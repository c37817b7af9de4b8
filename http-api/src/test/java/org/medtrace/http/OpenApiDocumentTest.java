package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.Role;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * The OpenAPI document and the endpoint table describe the same API: every route is in the
 * document with its operation id and roles ({@code x-roles}), and the document has no route the API
 * lacks. The document is served as it is in the sources.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiDocumentTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete", "head", "options");

  private ApiTestNode node;

  @BeforeAll
  void start() {
    node = ApiTestNode.start("http_openapi");
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void documentDescribesExactlyTheRoutesOfTheEndpointTable() throws IOException {
    JsonNode document = YAML.readTree(HttpApi.openApiDocument());
    List<String> differences = differences(node.api().endpoints(), document);
    assertEquals(List.of(), differences, "the OpenAPI document and the endpoint table differ");
    assertEquals(node.api().endpoints().size(), operations(document).size());
  }

  @Test
  void comparisonFindsARouteTheDocumentLacksAndOneTheApiLacks() throws IOException {
    ObjectNode document = (ObjectNode) YAML.readTree(HttpApi.openApiDocument());
    ObjectNode paths = (ObjectNode) document.get("paths");
    paths.remove("/api/v1/alerts");
    paths.putObject("/api/v1/ghosts").putObject("get").put("operationId", "listGhosts");
    ((ObjectNode) paths.get("/api/v1/batches").get("post")).putArray("x-roles").add("patient");

    List<String> differences = differences(node.api().endpoints(), document);

    assertTrue(differences.contains("the document lacks GET /api/v1/alerts (listAlerts)"), differences.toString());
    assertTrue(differences.contains("the API lacks GET /api/v1/ghosts (listGhosts)"), differences.toString());
    assertTrue(
        differences.stream().anyMatch(d -> d.startsWith("registerBatch: roles in the document [patient]")), differences.toString());
  }

  @Test
  void servesTheDocumentAsYamlWithoutAToken() throws IOException {
    ApiClient.Reply reply = node.client().get("/api/v1/openapi.yaml", null);
    assertEquals(200, reply.status());
    assertTrue(reply.header("Content-Type").orElse("").startsWith("application/yaml"), reply.headers().toString());
    assertEquals(YAML.readTree(HttpApi.openApiDocument()), YAML.readTree(reply.text()));
  }

  /** Every way the table and the document disagree, as sentences; empty when they agree. */
  static List<String> differences(List<Endpoint> endpoints, JsonNode document) {
    Map<String, JsonNode> documented = operations(document);
    List<String> differences = new ArrayList<>();
    Set<String> routes = new TreeSet<>();
    for (Endpoint endpoint : endpoints) {
      String route = endpoint.method() + " " + endpoint.pathTemplate();
      routes.add(route);
      JsonNode operation = documented.get(route);
      if (operation == null) {
        differences.add("the document lacks " + route + " (" + endpoint.operationId() + ")");
        continue;
      }
      if (!endpoint.operationId().equals(operation.path("operationId").asText())) {
        differences.add(route + ": operationId " + operation.path("operationId").asText() + " in the document, " + endpoint.operationId() + " in the API");
      }
      Set<String> documentedRoles = new TreeSet<>();
      operation.path("x-roles").forEach(role -> documentedRoles.add(role.asText()));
      Set<String> roles = endpoint.roles().stream().map(Role::wireName).collect(Collectors.toCollection(TreeSet::new));
      if (!documentedRoles.equals(roles)) {
        differences.add(endpoint.operationId() + ": roles in the document " + documentedRoles + ", in the API " + roles);
      }
      boolean documentedPublic = operation.has("security") && operation.get("security").isEmpty();
      if (documentedPublic != endpoint.isPublic()) {
        differences.add(endpoint.operationId() + ": public in the " + (endpoint.isPublic() ? "API" : "document") + " only");
      }
    }
    documented.forEach(
        (route, operation) -> {
          if (!routes.contains(route)) {
            differences.add("the API lacks " + route + " (" + operation.path("operationId").asText() + ")");
          }
        });
    return differences;
  }

  /** "METHOD /path" to operation, for every operation of the document. */
  static Map<String, JsonNode> operations(JsonNode document) {
    Map<String, JsonNode> operations = new java.util.TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> paths = document.path("paths").fields();
    while (paths.hasNext()) {
      Map.Entry<String, JsonNode> path = paths.next();
      path.getValue()
          .fields()
          .forEachRemaining(
              method -> {
                if (METHODS.contains(method.getKey())) {
                  operations.put(method.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(), method.getValue());
                }
              });
    }
    return operations;
  }
}
