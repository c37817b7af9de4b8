package org.medtrace.globallog;

/**
 * Another writer claimed a leaf index this writer meant to use: two writers ran for one slice (a
 * handover, or a network partition). The losing writer MUST stop and recover from the tables
 * before writing again; its unannounced leaves were never written.
 */
public final class ConcurrentWriterException extends RuntimeException {

  public ConcurrentWriterException(String message) {
    super(message);
  }
}
