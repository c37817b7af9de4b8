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
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.Role;
import org.medtrace.http.health.ActorSystemAliveCheck;
import org.medtrace.http.health.ClusterMemberUpCheck;
import org.medtrace.http.health.JournalReachableCheck;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * What the API serves besides the ledger: the OpenAPI document, which describes exactly the
 * endpoint table (every route with its operation id and roles ({@code x-roles}), and no route the
 * API lacks) and is served as it is in the sources; the metrics; the health checks.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceEndpointsTest {

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

  @Test
  void metricsCountRequestsPerOperationAndStatus() {
    String auditor = node.tokens().token(Role.AUDITOR, "audit-co", "a-1");
    node.client().get("/api/v1/batches/" + Gtins.withCheckDigit("400638133393") + "/NONE/verify", auditor);
    ApiClient.Reply metrics = node.client().get("/metrics", null);
    assertEquals(200, metrics.status());
    assertTrue(metrics.header("Content-Type").orElse("").startsWith("text/plain"), metrics.headers().toString());
    assertTrue(metrics.text().contains("medtrace_http_requests_total{operation=\"verifyBatch\",status=\"404\"} 1"), metrics.text());
    assertTrue(metrics.text().contains("medtrace_http_request_duration_seconds_count{operation=\"verifyBatch\"} 1"), metrics.text());
  }

  @Test
  void healthChecksSayTheNodeIsReadyAndAlive() throws Exception {
    org.apache.pekko.actor.ActorSystem classic = node.system().classicSystem();
    assertTrue(new ClusterMemberUpCheck(classic).get().toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertTrue(new JournalReachableCheck(classic).get().toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertTrue(new ActorSystemAliveCheck(classic).get().toCompletableFuture().get(10, TimeUnit.SECONDS));
    var config = node.system().settings().config();
    assertEquals(ClusterMemberUpCheck.class.getName(), config.getString("pekko.management.health-checks.readiness-checks.medtrace-cluster-member"));
    assertEquals(JournalReachableCheck.class.getName(), config.getString("pekko.management.health-checks.readiness-checks.medtrace-journal"));
    assertEquals(ActorSystemAliveCheck.class.getName(), config.getString("pekko.management.health-checks.liveness-checks.medtrace-actor-system"));
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
