package org.medtrace.http.auth;

/** A request's bearer token is missing or not acceptable; the message says why (for a 401). */
public final class AuthenticationException extends Exception {
  public AuthenticationException(String message) {
    super(message);
  }
}
