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
  void aThreadsGroupIsItsNameWithoutItsPoolNumberOrKafkaClient() {
    assertEquals("medtrace-pekko.actor.default-dispatcher", ProcessCpu.threadGroup("medtrace-pekko.actor.default-dispatcher-12"));
    assertEquals("s0-io", ProcessCpu.threadGroup("s0-io-3"));
    assertEquals("kafka-producer-network-thread", ProcessCpu.threadGroup("kafka-producer-network-thread | producer-1"));
    assertEquals("main", ProcessCpu.threadGroup("main"));
    assertEquals("42", ProcessCpu.threadGroup("42"), "a name of digits alone stays whole");
  }

  @Test
  void threadGroupsSumTheCpuOfThreadsAliveAtClosingSinceOpening() {
    Map<Long, ProcessCpu.ThreadCpu> atOpening =
        Map.of(
            1L, new ProcessCpu.ThreadCpu("pool-1", Duration.ofMillis(100)),
            2L, new ProcessCpu.ThreadCpu("pool-2", Duration.ofMillis(50)),
            3L, new ProcessCpu.ThreadCpu("ended-1", Duration.ofMillis(70)));
    Map<Long, ProcessCpu.ThreadCpu> atClosing =
        Map.of(
            1L, new ProcessCpu.ThreadCpu("pool-1", Duration.ofMillis(160)),
            2L, new ProcessCpu.ThreadCpu("pool-2", Duration.ofMillis(90)),
            4L, new ProcessCpu.ThreadCpu("new-thread", Duration.ofMillis(30)));

    Map<String, Duration> groups = ProcessCpu.byGroup(atOpening, atClosing);

    assertEquals(Map.of("pool", Duration.ofMillis(100), "new-thread", Duration.ofMillis(30)), groups, "an ended thread's CPU is not seen");
  }

  @Test
  void theTableShowsTheBenchmarkJvmsLargestThreadGroupsAndTheRest() {
    Map<String, Duration> threads = new LinkedHashMap<>();
    threads.put("dispatcher", Duration.ofMillis(3_000));
    threads.put("kafka-producer-network-thread", Duration.ofMillis(1_000));
    threads.put("tiny-1", Duration.ofMillis(20));
    threads.put("tiny-2", Duration.ofMillis(30));
    List<PartCpu> parts =
        List.of(new PartCpu("(c) medtrace full path", 5_000, new Usage(Map.of("benchmark JVM", Duration.ofMillis(6_000)), Duration.ofMillis(10_000), threads)));

    List<String> lines = List.of(ProcessCpu.table(parts).split("\\R"));

    assertEquals(List.of("dispatcher", "0.600", "0.30"), ReportRows.cells(ReportRows.row(lines, "  dispatcher")));
    assertEquals(List.of("kafka-producer-network-thread", "0.200", "0.10"), ReportRows.cells(ReportRows.row(lines, "  kafka-producer-network-thread")));
    assertEquals(List.of(ProcessCpu.OTHER_THREADS, "0.010", "0.01"), ReportRows.cells(ReportRows.row(lines, "  " + ProcessCpu.OTHER_THREADS)),
        "groups under 3 % of the threads' CPU, together");
    assertEquals(List.of("dispatcher", "kafka-producer-network-thread"), ProcessCpu.largestThreadGroups(parts));
  }

  @Test
  void theJsonHasEveryPartsCpuByProcess() {
    ObjectNode root = new ObjectMapper().createObjectNode();

    ProcessCpu.putJson(root, twoParts());

    JsonNode full = root.get("processCpu").get("parts").get(1);
    assertEquals("(c) medtrace full path", full.get("name").asText());
    assertEquals(0, full.get("benchmarkJvmThreadGroups").size(), "no thread groups measured in this part");
    assertEquals(5_000, full.get("events").asLong());
    assertEquals(10_000, full.get("windowMillis").asLong());
    JsonNode kafka = full.get("processes").get(2);
    assertEquals("Kafka", kafka.get("process").asText());
    assertEquals(1_500, kafka.get("cpuMillis").asLong());
    assertEquals(0.3, kafka.get("cpuMillisPerEvent").asDouble(), 1e-9);
    assertEquals(0.15, kafka.get("cores").asDouble(), 1e-9);
  }
}
