package org.medtrace.http;

import java.util.List;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * A handler's successful answer: status, a body that is serialized as JSON (or raw bytes with their
 * own content type), and extra headers.
 */
public record ApiResponse(int status, Object body, Raw raw, List<HttpHeader> headers) {

  /** A body that is not JSON, e.g. the OpenAPI document or metrics text. */
  public record Raw(String contentType, byte[] bytes) {}

  public static ApiResponse ok(Object body) {
    return new ApiResponse(200, body, null, List.of());
  }

  public static ApiResponse created(Object body, String location) {
    return new ApiResponse(201, body, null, List.of(RawHeader.create("Location", location)));
  }

  public static ApiResponse raw(String contentType, byte[] bytes) {
    return new ApiResponse(200, null, new Raw(contentType, bytes), List.of());
  }

  public ApiResponse withHeader(String name, String value) {
    List<HttpHeader> more = new java.util.ArrayList<>(headers);
    more.add(RawHeader.create(name, value));
    return new ApiResponse(status, body, raw, List.copyOf(more));
  }

}
