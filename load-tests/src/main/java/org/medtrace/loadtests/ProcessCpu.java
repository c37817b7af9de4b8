package org.medtrace.loadtests;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The CPU time each of the benchmark's processes spent over a part's measured window: its own JVM
 * (the node and the load generators), Cassandra and Kafka, as the operating system accounts it
 * ({@link ProcessHandle.Info#totalCpuDuration}: user and system time of every thread). On a machine
 * where every part is CPU-bound this says where the cores went, per stored event, without a
 * profiler: the cost of an event that the events/s of one part alone cannot show.
 */
final class ProcessCpu {

  /** What is measured, printed above the table and put in the JSON with it. */
  static final String WHAT_IS_MEASURED =
      "user + system CPU time of each process over the part's measured window, from the operating system"
          + " (every thread, JIT compilers and garbage collectors included), divided by the events the part"
          + " stored in that window; cores is CPU time over the window's wall-clock time. The benchmark's JVM"
          + " holds the node and the load generators: (c)'s Kafka producer and (a)'s and (b)'s clients.";

  /** A process the benchmark watches, under the name its row gets. */
  record Watched(String name, ProcessHandle handle) {}

  /** CPU time per process (in watching order) over {@code wall}. */
  record Usage(Map<String, Duration> cpu, Duration wall) {

    static final Usage NONE = new Usage(Map.of(), Duration.ZERO);

    Usage {
      cpu = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(cpu));
    }

    /** Cores the process kept busy on average; 0 when it was not measured. */
    double cores(String process) {
      return cores(cpu.get(process));
    }

    /** Milliseconds of the process's CPU per event; 0 when it was not measured or nothing was stored. */
    double millisPerEvent(String process, long events) {
      return millisPerEvent(cpu.get(process), events);
    }

    /** Cores all the processes kept busy together. */
    double totalCores() {
      return cores(total());
    }

    /** Milliseconds of all the processes' CPU per event. */
    double totalMillisPerEvent(long events) {
      return millisPerEvent(total(), events);
    }

    private Duration total() {
      return cpu.values().stream().reduce(Duration.ZERO, Duration::plus);
    }

    private double cores(Duration used) {
      return used == null || wall.isZero() ? 0 : used.toNanos() / (double) wall.toNanos();
    }

    private static double millisPerEvent(Duration used, long events) {
      return used == null || events == 0 ? 0 : used.toNanos() / 1e6 / events;
    }
  }

  /** One part's usage and the events it stored in the same window. */
  record PartCpu(String part, long events, Usage usage) {}

  /** The processes' CPU time when the window opens and when it closes. Used by the part's thread. */
  static final class OverWindow implements LoadLoop.Window {

    private final List<Watched> processes;
    private Map<String, Duration> atOpening = Map.of();
    private long openedAtNanos;
    private Usage usage = Usage.NONE;

    OverWindow(List<Watched> processes) {
      this.processes = List.copyOf(processes);
    }

    @Override
    public void opened() {
      atOpening = read(processes);
      openedAtNanos = System.nanoTime();
    }

    @Override
    public void closed() {
      Duration wall = Duration.ofNanos(System.nanoTime() - openedAtNanos);
      Map<String, Duration> atClosing = read(processes);
      Map<String, Duration> used = new LinkedHashMap<>();
      atClosing.forEach(
          (name, cpu) -> {
            Duration before = atOpening.get(name);
            // A process that restarted in the window (new pid, counter from 0) is not measured.
            if (before != null && cpu.compareTo(before) >= 0) {
              used.put(name, cpu.minus(before));
            }
          });
      usage = new Usage(used, wall);
    }

    /** The usage between opening and closing ({@link Usage#NONE} before the window closed). */
    Usage usage() {
      return usage;
    }
  }

  private ProcessCpu() {}

  /** Each live process's CPU time so far; one the system does not account (gone, not permitted) is left out. */
  static Map<String, Duration> read(List<Watched> processes) {
    Map<String, Duration> cpu = new LinkedHashMap<>();
    for (Watched process : processes) {
      process.handle().info().totalCpuDuration().ifPresent(duration -> cpu.put(process.name(), duration));
    }
    return cpu;
  }

  /** The printed table: a row per process and one for their sum, two columns (ms per event, cores) per part. */
  static String table(List<PartCpu> parts) {
    Set<String> processes = new LinkedHashSet<>();
    parts.forEach(part -> processes.addAll(part.usage().cpu().keySet()));
    String total = "all of them";
    int nameWidth = Math.max(total.length(), processes.stream().mapToInt(String::length).max().orElse(0));
    String name = "%-" + nameWidth + "s";
    StringBuilder out = new StringBuilder();
    out.append(
        Text.partTableHead(
            "CPU per stored event, by process and part",
            WHAT_IS_MEASURED,
            nameWidth,
            "process",
            parts.stream().map(PartCpu::part).toList(),
            String.format(Locale.ROOT, "%9s %7s", "ms/event", "cores")));
    for (String process : processes) {
      out.append(String.format(Locale.ROOT, name, process));
      for (PartCpu part : parts) {
        out.append(cells(part.usage().millisPerEvent(process, part.events()), part.usage().cores(process)));
      }
      out.append(System.lineSeparator());
    }
    out.append(String.format(Locale.ROOT, name, total));
    for (PartCpu part : parts) {
      out.append(cells(part.usage().totalMillisPerEvent(part.events()), part.usage().totalCores()));
    }
    return out.append(System.lineSeparator()).toString();
  }

  private static String cells(double millisPerEvent, double cores) {
    return millisPerEvent == 0 && cores == 0
        ? String.format(Locale.ROOT, " | %9s %7s", "-", "-")
        : String.format(Locale.ROOT, " | %9.3f %7.2f", millisPerEvent, cores);
  }

  /** Adds the parts' CPU to the JSON result: what is measured, then per part and process CPU ms, per event and cores. */
  static void putJson(ObjectNode root, List<PartCpu> parts) {
    ObjectNode cpu = root.putObject("processCpu");
    cpu.put("measures", WHAT_IS_MEASURED);
    ArrayNode array = cpu.putArray("parts");
    for (PartCpu part : parts) {
      ObjectNode node = array.addObject();
      node.put("name", part.part());
      node.put("events", part.events());
      node.put("windowMillis", part.usage().wall().toMillis());
      ArrayNode processes = node.putArray("processes");
      part.usage().cpu().forEach(
          (process, used) -> {
            ObjectNode row = processes.addObject();
            row.put("process", process);
            row.put("cpuMillis", used.toMillis());
            row.put("cpuMillisPerEvent", part.usage().millisPerEvent(process, part.events()));
            row.put("cores", part.usage().cores(process));
          });
    }
  }
}
