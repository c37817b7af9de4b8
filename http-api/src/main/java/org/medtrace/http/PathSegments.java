package org.medtrace.http;

import java.nio.charset.StandardCharsets;

/** Encoding of ids (a device UDI may contain '/', '(' and ')') as one URL path segment. */
public final class PathSegments {

  private PathSegments() {}

  /** {@code value} percent-encoded so that it is exactly one path segment (RFC 3986 unreserved characters stay). */
  public static String encode(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }
}
