package org.medtrace.http.witness;

/**
 * Raises the operators' alarm about stored fork evidence. Called once per piece of evidence, after
 * it is durably stored (the ledger alert is {@link ForkAlerts}'s).
 */
@FunctionalInterface
public interface ForkAlarm {

  void raise(String witness, WitnessFork fork);
}
