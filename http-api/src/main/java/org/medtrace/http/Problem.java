package org.medtrace.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem: why a request failed, as the client receives it ({@code
 * application/problem+json}). Thrown anywhere in a handler, it becomes the response; nothing was
 * changed by the request unless an extension member says so ({@code evidenceRecordedAt}).
 *
 * @param type one of the {@link Type}s, which name the error class and are documented in the OpenAPI
 *     document
 * @param detail what exactly is wrong, specific to this request
 * @param extensions further members, e.g. {@code field} or {@code currentState}
 */
public final class Problem extends RuntimeException {

  /** The error classes of the API: the problem's {@code type} URI, title and HTTP status. */
  public enum Type {
    MALFORMED_REQUEST(400, "Malformed request"),
    INVALID_FIELD(400, "Invalid field"),
    UNAUTHENTICATED(401, "Authentication required"),
    SIGNATURE_REQUIRED(401, "Signed submission required"),
    MALFORMED_SIGNATURE(401, "Malformed submission signature"),
    STALE_SIGNATURE(401, "Submission signature outside the allowed clock skew"),
    UNKNOWN_CERTIFICATE(401, "Unknown signing certificate"),
    BAD_SIGNATURE(401, "Submission signature does not verify"),
    UNTRUSTED_CERTIFICATE(403, "Signing certificate not issued by the network CA"),
    CERTIFICATE_REVOKED(403, "Signing certificate revoked"),
    CERTIFICATE_EXPIRED(403, "Signing certificate expired or not yet valid"),
    CERTIFICATE_ORGANISATION_MISMATCH(403, "Signing certificate of another organisation"),
    ROLE_NOT_ALLOWED(403, "Role not allowed"),
    FORBIDDEN(403, "Forbidden"),
    CONSENT_REQUIRED(403, "Consent required"),
    NOT_FOUND(404, "Not found"),
    METHOD_NOT_ALLOWED(405, "Method not allowed"),
    ILLEGAL_STATE(409, "Illegal state transition"),
    WITNESS_SIZE_MISMATCH(409, "Old size is not the witness's size"),
    CHECKPOINT_NOT_TRUSTED(403, "Checkpoint not signed by a followed log"),
    CHECKPOINT_INCONSISTENT(422, "Checkpoint not consistent with the cosigned one"),
    LOG_FORK_DETECTED(422, "Log fork detected, evidence recorded"),
    CHECKPOINT_NOT_WITNESSED(503, "No checkpoint cosigned by the witness quorum"),
    REQUEST_TOO_LARGE(413, "Request too large"),
    UNSUPPORTED_MEDIA_TYPE(415, "Unsupported media type"),
    BUSINESS_RULE(422, "Business rule violated"),
    REFUSED_AND_RECORDED(422, "Refused, evidence recorded"),
    LEDGER_BROKEN(500, "Ledger chain broken"),
    INTERNAL_ERROR(500, "Internal error"),
    UNAVAILABLE(503, "Temporarily unavailable");

    public static final String BASE_URI = "https://medtrace.invalid/problems/";

    private final int status;
    private final String title;

    Type(int status, String title) {
      this.status = status;
      this.title = title;
    }

    public int status() {
      return status;
    }

    public String title() {
      return title;
    }

    public String uri() {
      return BASE_URI + name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  private final Type type;
  private final Map<String, Object> extensions;

  public Problem(Type type, String detail) {
    this(type, detail, Map.of());
  }

  public Problem(Type type, String detail, Map<String, Object> extensions) {
    super(detail, null, false, false);
    this.type = type;
    this.extensions = Map.copyOf(extensions);
  }

  /** A field of the request is missing or malformed. */
  public static Problem invalidField(String field, String detail) {
    return new Problem(Type.INVALID_FIELD, detail, Map.of("field", field));
  }

  public Type type() {
    return type;
  }

  public String detail() {
    return getMessage();
  }

  public Map<String, Object> extensions() {
    return extensions;
  }

  /** The problem document for a request to {@code instance}. */
  public Map<String, Object> document(String instance) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("type", type.uri());
    document.put("title", type.title());
    document.put("status", type.status());
    document.put("detail", detail());
    document.put("instance", instance);
    document.putAll(extensions);
    return document;
  }
}
