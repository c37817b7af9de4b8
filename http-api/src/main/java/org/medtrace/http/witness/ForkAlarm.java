package org.medtrace.http.witness;

/**
 * Raises the alarm about stored fork evidence. Called once per piece of evidence, after it is
 * durably stored.
 */
@FunctionalInterface
public interface ForkAlarm {

  void raise(String witness, WitnessFork fork);
}
