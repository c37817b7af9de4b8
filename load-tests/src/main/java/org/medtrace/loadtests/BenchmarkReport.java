package org.medtrace.loadtests;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** The benchmark's result: the printed table and the JSON file. */
record BenchmarkReport(
    Instant finishedAt,
    BenchmarkSettings settings,
    List<PartResult> parts,
    List<LedgerFigures.Figure> figures,
    List<CassandraWork> cassandraWork,
    List<ProcessCpu.PartCpu> processCpu,
    List<String> problems,
    long produced,
    long eventsChecked) {

  private static final DateTimeFormatter FILE_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  /** Events/s and latency percentiles of (a), (b) and (c), then (c)/(a) and (c)/(b). */
  String table() {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "%nSide-by-side benchmark, %s: %s warm-up + %s measured per part%s, payload %d bytes%n",
            finishedAt,
            settings.warmUp(),
            settings.duration(),
            settings.fullPathDuration().equals(settings.duration()) ? "" : " (" + settings.fullPathDuration() + " for (c))",
            settings.payloadBytes()));
    out.append(
        String.format(
            Locale.ROOT,
            "in flight: (a) %d inserts over %d partitions; (b) %d asks over %d entities; (c) %d batches, at most %d produced and not yet stored, producer linger %d ms%n",
            settings.rawConcurrency(),
            settings.rawPartitions(),
            settings.plainConcurrency(),
            settings.plainEntities(),
            settings.batches(),
            settings.maxUnstored(),
            settings.producerLinger().toMillis()));
    out.append(
        settings.fixedRate()
            ? String.format(
                Locale.ROOT,
                "(b) and (c) offered at a fixed rate of %.0f events/s, latency from each event's intended send time%n",
                settings.rate())
            : String.format(Locale.ROOT, "(b) and (c) closed loop, as fast as they go%n"));
    String row = "%-38s %10s %9s %9s %9s %9s %8s  %s%n";
    out.append(String.format(Locale.ROOT, row, "part", "events/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "latency is"));
    for (PartResult part : parts) {
      out.append(
          String.format(
              Locale.ROOT,
              row,
              part.name(),
              String.format(Locale.ROOT, "%.0f", part.perSecond()),
              millis(part.latency().p50()),
              millis(part.latency().p95()),
              millis(part.latency().p99()),
              millis(part.latency().max()),
              part.errors(),
              part.latencyMeaning()));
    }
    if (settings.runsAllParts() && parts.size() >= 3) {
      out.append(String.format(Locale.ROOT, "(c)/(a) throughput: %s%n", ratio(parts.get(2), parts.get(0))));
      out.append(String.format(Locale.ROOT, "(c)/(b) throughput: %s%n", ratio(parts.get(2), parts.get(1))));
    }
    if (!cassandraWork.isEmpty()) {
      out.append(CassandraWork.table(cassandraWork));
    }
    if (!processCpu.isEmpty()) {
      out.append(ProcessCpu.table(processCpu));
    }
    if (!figures.isEmpty()) {
      out.append(String.format(Locale.ROOT, "%nOther figures (same run, same node):%n"));
      figures.forEach(figure -> out.append(figure.line()).append(System.lineSeparator()));
    }
    return out.toString();
  }

  static String millis(long micros) {
    return String.format(Locale.ROOT, "%.1f", micros / 1000.0);
  }

  static String ratio(PartResult numerator, PartResult denominator) {
    return denominator.perSecond() == 0 ? "n/a" : String.format(Locale.ROOT, "%.3f", numerator.perSecond() / denominator.perSecond());
  }

  private static void putLatency(ObjectNode node, Latencies.Summary latency) {
    node.put("latencyCount", latency.count());
    node.put("p50Micros", latency.p50());
    node.put("p95Micros", latency.p95());
    node.put("p99Micros", latency.p99());
    node.put("maxMicros", latency.max());
  }

  /** Writes {@code benchmark-<timestamp>.json} into {@code directory}; returns its path. */
  Path writeJson(Path directory) throws IOException {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode();
    root.put("finishedAt", finishedAt.toString());
    root.put("warmUpSeconds", settings.warmUp().toMillis() / 1000.0);
    root.put("durationSeconds", settings.duration().toMillis() / 1000.0);
    root.put("fullPathDurationSeconds", settings.fullPathDuration().toMillis() / 1000.0);
    root.put("payloadBytes", settings.payloadBytes());
    // 0: closed loop, as fast as it goes; otherwise the events/s (b) and (c) were offered at.
    root.put("offeredRatePerSecond", settings.rate());
    root.put("availableProcessors", Runtime.getRuntime().availableProcessors());
    ArrayNode array = root.putArray("parts");
    for (PartResult part : parts) {
      ObjectNode node = array.addObject();
      node.put("name", part.name());
      node.put("operations", part.operations());
      node.put("seconds", part.seconds());
      node.put("eventsPerSecond", part.perSecond());
      node.put("errors", part.errors());
      node.put("latency", part.latencyMeaning());
      putLatency(node, part.latency());
      if (part.timeline() != null) {
        node.put("warmUpSeconds", part.warmUpSeconds());
        ArrayNode timeline = node.putArray("timeline");
        for (Timeline.Second second : part.timeline().seconds()) {
          ObjectNode point = timeline.addObject();
          point.put("second", second.second());
          point.put("completed", second.completed());
          putLatency(point, second.latency());
        }
      }
    }
    if (settings.runsAllParts() && parts.size() >= 3) {
      root.put("fullPathOverRawInserts", parts.get(0).perSecond() == 0 ? 0 : parts.get(2).perSecond() / parts.get(0).perSecond());
      root.put("fullPathOverPlainEntity", parts.get(1).perSecond() == 0 ? 0 : parts.get(2).perSecond() / parts.get(1).perSecond());
    }
    CassandraWork.putJson(root, cassandraWork);
    ProcessCpu.putJson(root, processCpu);
    ArrayNode figureArray = root.putArray("figures");
    for (LedgerFigures.Figure figure : figures) {
      ObjectNode node = figureArray.addObject();
      node.put("name", figure.name());
      node.put("how", figure.how());
      if (figure.latency() != null) {
        putLatency(node, figure.latency());
      } else {
        node.put("seconds", figure.seconds());
      }
    }
    ObjectNode correctness = root.putObject("fullPathCorrectness");
    correctness.put("produced", produced);
    correctness.put("temperatureEventsInLedger", eventsChecked);
    correctness.put("passed", problems.isEmpty());
    problems.forEach(correctness.putArray("problems")::add);
    Files.createDirectories(directory);
    Path file = directory.resolve("benchmark-" + FILE_STAMP.format(finishedAt) + ".json");
    mapper.writeValue(file.toFile(), root);
    return file;
  }
}
