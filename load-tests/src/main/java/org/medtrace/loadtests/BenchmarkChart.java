package org.medtrace.loadtests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The benchmark's chart: one self-contained HTML file (inline SVG, no script, no network) with, for
 * every part that has a timeline, its throughput and its latency percentiles second by second, the
 * warm-up shaded.
 */
final class BenchmarkChart {

  private static final int WIDTH = 760;
  private static final int HEIGHT = 220;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 20;
  private static final int BOTTOM = 40;

  private BenchmarkChart() {}

  /** Writes the chart of {@code report} next to its JSON ({@code <json name>.html}); returns its path. */
  static Path write(BenchmarkReport report, Path json) throws IOException {
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>medtrace benchmark ")
        .append(report.finishedAt())
        .append("</title><style>body{font-family:sans-serif;margin:2em}svg{display:block;margin:0.5em 0 2em}"
            + ".axis{stroke:#444}.grid{stroke:#ddd}.warm{fill:#f2f2f2}text{font-size:12px}</style></head><body>");
    html.append("<h1>medtrace side-by-side benchmark</h1><p>")
        .append(escape(report.finishedAt().toString()))
        .append(": ")
        .append(escape(report.settings().warmUp().toString()))
        .append(" warm-up (shaded) + ")
        .append(escape(report.settings().duration().toString()))
        .append(" measured per part. Data: ")
        .append(escape(json.getFileName().toString()))
        .append("</p><pre>")
        .append(escape(report.table()))
        .append("</pre>");
    for (PartResult part : report.parts()) {
      if (part.timeline() == null) {
        continue;
      }
      List<Timeline.Second> seconds = part.timeline().seconds();
      html.append("<h2>").append(escape(part.name())).append("</h2>");
      html.append(
          svg(
              "events/s",
              seconds,
              part.warmUpSeconds(),
              List.of(new Series("completed per second", "#1f77b4", s -> s.completed()))));
      html.append(
          svg(
              "latency ms (" + escape(part.latencyMeaning()) + ")",
              seconds,
              part.warmUpSeconds(),
              List.of(
                  new Series("p50", "#2ca02c", s -> s.latency().count() == 0 ? Double.NaN : s.latency().p50() / 1000.0),
                  new Series("p95", "#ff7f0e", s -> s.latency().count() == 0 ? Double.NaN : s.latency().p95() / 1000.0),
                  new Series("p99", "#d62728", s -> s.latency().count() == 0 ? Double.NaN : s.latency().p99() / 1000.0))));
    }
    html.append("</body></html>\n");
    Path file = json.resolveSibling(json.getFileName().toString().replaceAll("\\.json$", "") + ".html");
    Files.writeString(file, html, StandardCharsets.UTF_8);
    return file;
  }

  private record Series(String label, String colour, ToDoubleFunction<Timeline.Second> value) {}

  private static String svg(String yLabel, List<Timeline.Second> seconds, double warmUpSeconds, List<Series> series) {
    int plotWidth = WIDTH - LEFT - RIGHT;
    int plotHeight = HEIGHT - TOP - BOTTOM;
    double xMax = Math.max(1, seconds.size());
    double yMax = 0;
    for (Series s : series) {
      for (Timeline.Second second : seconds) {
        double v = s.value().applyAsDouble(second);
        if (!Double.isNaN(v)) {
          yMax = Math.max(yMax, v);
        }
      }
    }
    yMax = niceCeiling(yMax);
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">", WIDTH, HEIGHT));
    double warmUpWidth = Math.min(plotWidth, warmUpSeconds / xMax * plotWidth);
    out.append(String.format(Locale.ROOT, "<rect class=\"warm\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\"/>", LEFT, TOP, warmUpWidth, plotHeight));
    for (int i = 0; i <= 4; i++) {
      double y = TOP + plotHeight - i * plotHeight / 4.0;
      out.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", LEFT, y, LEFT + plotWidth, y));
      out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", LEFT - 6, y + 4, number(yMax * i / 4)));
    }
    int xStep = Math.max(1, (int) Math.ceil(xMax / 10 / 5) * 5);
    for (int x = 0; x <= xMax; x += xStep) {
      double px = LEFT + x / xMax * plotWidth;
      out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d s</text>", px, TOP + plotHeight + 16, x));
    }
    out.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", LEFT, TOP + plotHeight, LEFT + plotWidth, TOP + plotHeight));
    out.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", LEFT, TOP, LEFT, TOP + plotHeight));
    out.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" text-anchor=\"middle\">%s</text>", TOP + plotHeight / 2, TOP + plotHeight / 2, yLabel));
    int legendX = LEFT + 10;
    for (Series s : series) {
      StringBuilder points = new StringBuilder();
      for (Timeline.Second second : seconds) {
        double v = s.value().applyAsDouble(second);
        if (Double.isNaN(v) || yMax == 0) {
          continue;
        }
        double px = LEFT + (second.second() + 0.5) / xMax * plotWidth;
        double py = TOP + plotHeight - v / yMax * plotHeight;
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
      }
      out.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>", s.colour(), points.toString().trim()));
      out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>", legendX, HEIGHT - 6, s.colour(), escape(s.label())));
      legendX += 16 + 7 * s.label().length();
    }
    out.append("</svg>");
    return out.toString();
  }

  /** 1, 2 or 5 times a power of ten, at or above {@code value}. */
  static double niceCeiling(double value) {
    if (value <= 0) {
      return 1;
    }
    double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    for (double step : new double[] {1, 2, 5, 10}) {
      if (step * magnitude >= value) {
        return step * magnitude;
      }
    }
    return 10 * magnitude;
  }

  private static String number(double value) {
    return value >= 100 || value == Math.rint(value) ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.1f", value);
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
