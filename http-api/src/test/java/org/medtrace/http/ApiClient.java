package org.medtrace.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** A small client of the API for tests: JSON in, status, headers and JSON out. */
public final class ApiClient {

  /** A response: status, headers, and the body parsed as JSON (a missing node if it is not JSON). */
  public record Reply(int status, Map<String, java.util.List<String>> headers, String text, JsonNode json) {

    public Optional<String> header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .flatMap(e -> e.getValue().stream())
          .findFirst();
    }

    /** The problem's type suffix (e.g. "role-not-allowed"), or "" when the body is not a problem. */
    public String problemType() {
      String type = json.path("type").asText("");
      return type.startsWith(Problem.Type.BASE_URI) ? type.substring(Problem.Type.BASE_URI.length()) : "";
    }

    @Override
    public String toString() {
      return status + " " + text;
    }
  }

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final URI base;

  public ApiClient(URI base) {
    this.base = base;
  }

  public URI base() {
    return base;
  }

  public Reply get(String path, String token) {
    return send(builder(path, token).GET());
  }

  public Reply post(String path, String token, String json) {
    return post(path, token, json, Map.of());
  }

  public Reply post(String path, String token, String json, Map<String, String> headers) {
    HttpRequest.Builder builder =
        builder(path, token).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    headers.forEach(builder::header);
    return send(builder);
  }

  /** Any request, for the cases the helpers above do not cover (other methods, content types). */
  public Reply send(HttpRequest.Builder builder) {
    try {
      HttpResponse<String> response = http.send(builder.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
      JsonNode json;
      try {
        json = response.body().isEmpty() ? MissingNode.getInstance() : Json.MAPPER.readTree(response.body());
      } catch (IOException e) {
        json = MissingNode.getInstance();
      }
      return new Reply(response.statusCode(), response.headers().map(), response.body(), json);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public HttpRequest.Builder builder(String path, String token) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path));
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    return builder;
  }
}
