package org.medtrace.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.medtrace.actors.ledger.Role;

/**
 * One row of the endpoint table: method, path template, operation id, who may call it, and the
 * handler. The table is the single source of the routes, the authorisation matrix and the check
 * against the OpenAPI document.
 *
 * @param pathTemplate e.g. {@code /api/v1/batches/{gtin}/{lot}}; a {@code {name}} segment matches
 *     one (percent-decoded) path segment
 * @param operationId as in the OpenAPI document
 * @param isPublic whether it is served without a token (the OpenAPI document, metrics)
 * @param roles the roles whose tokens are let through to the handler; handlers may refuse further
 *     (a patient reading another patient's data, an organisation acting on another's batch)
 */
public record Endpoint(
    String method, String pathTemplate, String operationId, boolean isPublic, Set<Role> roles, Handler handler) {

  /** Handles one authorised request. */
  @FunctionalInterface
  public interface Handler {
    CompletionStage<ApiResponse> handle(Call call);
  }

  public Endpoint {
    roles = Set.copyOf(roles);
    if (!pathTemplate.startsWith("/")) {
      throw new IllegalArgumentException("a path template starts with '/': " + pathTemplate);
    }
  }

  public static Endpoint secured(String method, String path, String operationId, Set<Role> roles, Handler handler) {
    return new Endpoint(method, path, operationId, false, roles, handler);
  }

  public static Endpoint open(String method, String path, String operationId, Handler handler) {
    return new Endpoint(method, path, operationId, true, Set.of(), handler);
  }

  public boolean allows(Role role) {
    return isPublic || roles.contains(role);
  }

  public List<String> templateSegments() {
    return segments(pathTemplate);
  }

  /** The path parameters if {@code pathSegments} match this template. */
  public Optional<Map<String, String>> match(List<String> pathSegments) {
    List<String> template = templateSegments();
    if (template.size() != pathSegments.size()) {
      return Optional.empty();
    }
    Map<String, String> parameters = new java.util.LinkedHashMap<>();
    for (int i = 0; i < template.size(); i++) {
      String expected = template.get(i);
      String actual = pathSegments.get(i);
      if (expected.startsWith("{") && expected.endsWith("}")) {
        if (actual.isEmpty()) {
          return Optional.empty();
        }
        parameters.put(expected.substring(1, expected.length() - 1), actual);
      } else if (!expected.equals(actual)) {
        return Optional.empty();
      }
    }
    return Optional.of(parameters);
  }

  static List<String> segments(String path) {
    List<String> segments = new ArrayList<>(List.of(path.split("/", -1)));
    if (!segments.isEmpty() && segments.get(0).isEmpty()) {
      segments.remove(0);
    }
    return segments;
  }
}
