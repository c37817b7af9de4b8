package org.medtrace.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimelineTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void countsAndLatenciesGoToTheSecondTheyCompletedIn() {
    Timeline timeline = new Timeline(10 * SECOND);
    timeline.completed(10 * SECOND + 1, 100);
    timeline.completed(11 * SECOND - 1, 300);
    timeline.completedCount(12 * SECOND + 5, 40);
    timeline.latency(12 * SECOND + 7, 2_000);

    List<Timeline.Second> seconds = timeline.seconds();

    assertEquals(3, seconds.size());
    assertEquals(2, seconds.get(0).completed());
    assertEquals(300, seconds.get(0).latency().max());
    assertEquals(0, seconds.get(1).completed());
    assertEquals(0, seconds.get(1).latency().count());
    assertEquals(40, seconds.get(2).completed());
    assertEquals(1, seconds.get(2).latency().count());
  }

  @Test
  void theChartHasAPlotPerPartWithATimeline(@TempDir Path directory) throws Exception {
    Timeline timeline = new Timeline(0);
    for (int i = 0; i < 30; i++) {
      timeline.completed(i * SECOND / 10, 1_000 + i);
    }
    Latencies.Summary none = new Latencies().summary();
    PartResult withTimeline = new PartResult("(a) raw", 30, 3, 0, none, "call → acknowledged", timeline, 1);
    PartResult without = new PartResult("(x) none", 0, 1, 0, none, "");
    BenchmarkSettings settings = BenchmarkSettings.from(com.typesafe.config.ConfigFactory.load("benchmark"));
    BenchmarkReport report = new BenchmarkReport(Instant.EPOCH, settings, List.of(withTimeline, without), List.of(), List.of(), List.of(), List.of(), 0, 0);

    Path chart = BenchmarkChart.write(report, directory.resolve("benchmark-x.json"));

    String html = Files.readString(chart);
    assertEquals(directory.resolve("benchmark-x.html"), chart);
    assertEquals(2, html.split("<svg ", -1).length - 1, "a throughput and a latency plot for the one part with a timeline");
    assertTrue(html.contains("(a) raw") && !html.contains("<h2>(x) none</h2>"));
    assertTrue(html.contains("<polyline"));
  }

  @Test
  void axesEndOnARoundNumber() {
    assertEquals(5000, BenchmarkChart.niceCeiling(4321));
    assertEquals(10, BenchmarkChart.niceCeiling(6.5));
    assertEquals(1, BenchmarkChart.niceCeiling(0));
  }
}
