package org.medtrace.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.medtrace.loadtests.ProcessCpu.PartCpu;
import org.medtrace.loadtests.ProcessCpu.Usage;

/** The processes' CPU over a part's window, and the table and JSON made of it. */
class ProcessCpuTest {

  private static Usage usage(long wallMillis, Object... processThenCpuMillis) {
    Map<String, Duration> cpu = new LinkedHashMap<>();
    for (int i = 0; i < processThenCpuMillis.length; i += 2) {
      cpu.put((String) processThenCpuMillis[i], Duration.ofMillis(((Number) processThenCpuMillis[i + 1]).longValue()));
    }
    return new Usage(cpu, Duration.ofMillis(wallMillis));
  }

  private static List<PartCpu> twoParts() {
    return List.of(
        new PartCpu("(b) plain Pekko Persistence entity", 10_000, usage(10_000, "benchmark JVM", 4_000, "Cassandra", 12_000)),
        new PartCpu("(c) medtrace full path", 5_000, usage(10_000, "benchmark JVM", 6_000, "Cassandra", 10_000, "Kafka", 1_500)));
  }

  @Test
  void aWindowMeasuresTheCpuThisProcessSpentInIt() {
    ProcessCpu.OverWindow window = new ProcessCpu.OverWindow(List.of(new ProcessCpu.Watched("this JVM", ProcessHandle.current())));
    window.opened();
    long until = System.nanoTime() + 300_000_000L;
    long spins = 0;
    while (System.nanoTime() - until < 0) {
      spins++;
    }
    window.closed();

    Usage measured = window.usage();
    assertTrue(spins > 0);
    assertTrue(measured.wall().toMillis() >= 300, "wall " + measured.wall());
    // One thread spun for the whole window: close to one core, never more than the machine has.
    assertTrue(measured.cores("this JVM") > 0.5, "cores " + measured.cores("this JVM"));
    assertTrue(measured.cores("this JVM") <= Runtime.getRuntime().availableProcessors() + 0.5, "cores " + measured.cores("this JVM"));
  }

  @Test
  void aProcessThatIsGoneIsLeftOutNotCountedAsZero() throws Exception {
    Process exited = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-version").start();
    exited.waitFor();
    ProcessCpu.OverWindow window =
        new ProcessCpu.OverWindow(
            List.of(new ProcessCpu.Watched("this JVM", ProcessHandle.current()), new ProcessCpu.Watched("gone", exited.toHandle())));
    window.opened();
    window.closed();

    assertEquals(List.of("this JVM"), List.copyOf(window.usage().cpu().keySet()));
  }

  @Test
  void theTableHasMillisPerEventAndCoresPerProcessAndPartAndTheirSum() {
    String table = ProcessCpu.table(twoParts());
    List<String> lines = List.of(table.split("\\R"));

    assertEquals(List.of("benchmark JVM", "0.400", "0.40", "1.200", "0.60"), ReportRows.cells(ReportRows.row(lines, "benchmark JVM")));
    assertEquals(List.of("Cassandra", "1.200", "1.20", "2.000", "1.00"), ReportRows.cells(ReportRows.row(lines, "Cassandra")));
    assertEquals(List.of("Kafka", "-", "-", "0.300", "0.15"), ReportRows.cells(ReportRows.row(lines, "Kafka")), "(b) does not measure Kafka");
    assertEquals(List.of("all of them", "1.600", "1.60", "3.500", "1.75"), ReportRows.cells(ReportRows.row(lines, "all of them")));
    assertTrue(ReportRows.row(lines, "process").contains("ms/event"));
    assertTrue(table.contains("JIT compilers and garbage collectors included"), "the table says what is measured");
  }

  @Test
  void theJsonHasEveryPartsCpuByProcess() {
    ObjectNode root = new ObjectMapper().createObjectNode();

    ProcessCpu.putJson(root, twoParts());

    JsonNode full = root.get("processCpu").get("parts").get(1);
    assertEquals("(c) medtrace full path", full.get("name").asText());
    assertEquals(5_000, full.get("events").asLong());
    assertEquals(10_000, full.get("windowMillis").asLong());
    JsonNode kafka = full.get("processes").get(2);
    assertEquals("Kafka", kafka.get("process").asText());
    assertEquals(1_500, kafka.get("cpuMillis").asLong());
    assertEquals(0.3, kafka.get("cpuMillisPerEvent").asDouble(), 1e-9);
    assertEquals(0.15, kafka.get("cores").asDouble(), 1e-9);
  }
}
