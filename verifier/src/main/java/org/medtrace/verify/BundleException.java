package org.medtrace.verify;

/** A bundle that cannot be read: not JSON, a missing or unknown field, a wrong type, bad base64. */
public final class BundleException extends Exception {

  private static final long serialVersionUID = 1L;

  public BundleException(String message, Throwable cause) {
    super(message, cause);
  }

  public BundleException(String message) {
    super(message);
  }
}
