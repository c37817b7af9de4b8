package org.medtrace.http.witness;

import java.util.concurrent.CompletionStage;

/**
 * Where a detected fork becomes an alert of the product (ledger events tagged as alerts: {@code
 * GET /api/v1/alerts}, the Kafka alerts topic). The witness records every fork it detects here,
 * also one whose evidence it had stored before, so that an alert whose recording failed once is
 * recorded when the fork is shown again.
 */
@FunctionalInterface
public interface ForkAlerts {

  /**
   * Records {@code fork}, seen by {@code witness}, as an alert. The stage MUST complete only once
   * the alert is durably stored, now or by an earlier call with the same evidence id (one alert per
   * evidence id, however often it is recorded), and MUST fail otherwise.
   */
  CompletionStage<Void> record(String witness, WitnessFork fork);
}
