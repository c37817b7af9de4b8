package org.medtrace.http;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Request counters and latency per operation id (requests no endpoint matched count as {@code
 * unmatched}), registered in the node's registry, and the registry's Prometheus text for {@code GET
 * /metrics}.
 */
final class ApiMetrics {

  static final String UNMATCHED = "unmatched";

  private final PrometheusRegistry registry;
  private final Counter requests;
  private final Histogram latency;

  ApiMetrics(PrometheusRegistry registry) {
    this.registry = registry;
    this.requests =
        Counter.builder()
            .name("medtrace_http_requests_total")
            .help("HTTP API requests by operation id and response status")
            .labelNames("operation", "status")
            .register(registry);
    this.latency =
        Histogram.builder()
            .name("medtrace_http_request_duration_seconds")
            .help("HTTP API request latency by operation id, from routing to response")
            .labelNames("operation")
            .register(registry);
  }

  void record(String operationId, int status, long startedNanos) {
    requests.labelValues(operationId, Integer.toString(status)).inc();
    latency.labelValues(operationId).observe((System.nanoTime() - startedNanos) / 1e9);
  }

  byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape(), io.prometheus.metrics.config.EscapingScheme.UNDERSCORE_ESCAPING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }
}
