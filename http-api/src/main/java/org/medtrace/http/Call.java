package org.medtrace.http;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import org.medtrace.http.auth.Caller;

/**
 * One authorised request as a handler sees it.
 *
 * @param caller the token's acting party; empty only for public endpoints
 * @param pathParameters values of the template's {@code {name}} segments, percent-decoded
 * @param idempotencyKey the {@code Idempotency-Key} header, which becomes the command's source
 *     message id
 */
public record Call(
    Optional<Caller> caller,
    Map<String, String> pathParameters,
    Map<String, String> query,
    byte[] body,
    Optional<String> idempotencyKey,
    String instance) {

  public Caller callerOrFail() {
    return caller.orElseThrow(() -> new IllegalStateException("a secured endpoint's call has a caller"));
  }

  public String path(String name) {
    String value = pathParameters.get(name);
    if (value == null) {
      throw new IllegalStateException("the path template has no parameter " + name);
    }
    return value;
  }

  public <T> T body(Class<T> type) {
    return Json.read(body, type);
  }

  public Optional<String> query(String name) {
    return Optional.ofNullable(query.get(name)).filter(v -> !v.isEmpty());
  }

  public String sourceMessageId() {
    return idempotencyKey.orElse("");
  }

  public int intQuery(String name, int defaultValue, int min, int max) {
    Optional<String> value = query(name);
    if (value.isEmpty()) {
      return defaultValue;
    }
    try {
      int parsed = Integer.parseInt(value.get());
      if (parsed < min || parsed > max) {
        throw Problem.invalidField(name, "query parameter '" + name + "' must be between " + min + " and " + max + ", was " + parsed);
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw Problem.invalidField(name, "query parameter '" + name + "' must be a whole number, was '" + value.get() + "'");
    }
  }

  public Optional<Long> longQuery(String name, long min) {
    Optional<String> value = query(name);
    if (value.isEmpty()) {
      return Optional.empty();
    }
    try {
      long parsed = Long.parseLong(value.get());
      if (parsed < min) {
        throw Problem.invalidField(name, "query parameter '" + name + "' must be at least " + min + ", was " + parsed);
      }
      return Optional.of(parsed);
    } catch (NumberFormatException e) {
      throw Problem.invalidField(name, "query parameter '" + name + "' must be a whole number, was '" + value.get() + "'");
    }
  }

  public Optional<Instant> instantQuery(String name) {
    Optional<String> value = query(name);
    try {
      return value.map(Instant::parse);
    } catch (DateTimeParseException e) {
      throw Problem.invalidField(
          name, "query parameter '" + name + "' must be an ISO-8601 instant such as 2026-05-01T10:00:00Z, was '" + value.get() + "'");
    }
  }

  /** A required request field: absent (null) is a 400 naming it. */
  public static <T> T required(String field, T value) {
    if (value == null) {
      throw Problem.invalidField(field, "field '" + field + "' is required");
    }
    return value;
  }
}
