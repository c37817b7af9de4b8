package org.medtrace.http.witness;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The witness's fork alarm: an ERROR log line naming the evidence, and the counter {@code
 * medtrace_witness_forks_total{origin,kind}} for the operators' alerting. Regulators and auditors
 * read the evidence itself at {@code GET /api/v1/witness/forks}.
 *
 * <p>The fork also reaches the ledger's alert channel ({@code GET /api/v1/alerts}, the Kafka topic
 * {@code medtrace.alerts}) through {@link ForkAlerts}, as a {@code LogForkDetected} event of the
 * witness's {@code log-witness} entity; this alarm is the operators' side of it.
 */
public final class LoggedForkAlarm implements ForkAlarm {

  private static final Logger log = LoggerFactory.getLogger(LoggedForkAlarm.class);

  private final Counter forks;

  public LoggedForkAlarm(PrometheusRegistry registry) {
    this.forks =
        Counter.builder()
            .name("medtrace_witness_forks_total")
            .help("Fork evidence the witness recorded, by log origin and kind (each distinct pair of checkpoints once)")
            .labelNames("origin", "kind")
            .register(registry);
  }

  @Override
  public void raise(String witness, WitnessFork fork) {
    forks.labelValues(fork.origin(), fork.kind().name()).inc();
    log.error(
        "LOG FORK: witness {} recorded evidence {} ({}) against log {} at size {}; read it at GET /api/v1/witness/forks",
        witness,
        fork.evidenceId(),
        fork.kind(),
        fork.origin(),
        fork.size());
  }
}
