package org.medtrace.loadtests;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Stream;

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

  /**
   * CPU time per process (in watching order) over {@code wall}, and of the benchmark's own JVM by
   * thread group ({@link #threadGroup}): its live threads' CPU in the window, not that of threads
   * that ended in it, nor of the JVM's own compiler and garbage collector threads, which are no
   * Java threads.
   */
  record Usage(Map<String, Duration> cpu, Duration wall, Map<String, Duration> ownThreads) {

    static final Usage NONE = new Usage(Map.of(), Duration.ZERO);

    Usage {
      cpu = Collections.unmodifiableMap(new LinkedHashMap<>(cpu));
      ownThreads = Collections.unmodifiableMap(new TreeMap<>(ownThreads));
    }

    Usage(Map<String, Duration> cpu, Duration wall) {
      this(cpu, wall, Map.of());
    }

    /** Cores the process kept busy on average; 0 when it was not measured. */
    double cores(String process) {
      return coresOf(cpu.get(process));
    }

    /** All the processes' CPU time together. */
    Duration total() {
      return sum(cpu.values());
    }

    /** The benchmark JVM's threads' CPU outside {@code groups}. */
    Duration threadsOutside(Collection<String> groups) {
      return sum(ownThreads.entrySet().stream().filter(entry -> !groups.contains(entry.getKey())).map(Map.Entry::getValue).toList());
    }

    /** Cores {@code used} kept busy over the window; 0 for none measured ({@code null}). */
    double coresOf(Duration used) {
      return used == null || wall.isZero() ? 0 : used.toNanos() / (double) wall.toNanos();
    }

    /** Milliseconds of {@code used} per event; 0 for none measured ({@code null}) or no event. */
    static double millisPerEventOf(Duration used, long events) {
      return used == null || events == 0 ? 0 : used.toNanos() / 1e6 / events;
    }

    private static Duration sum(Collection<Duration> durations) {
      return durations.stream().reduce(Duration.ZERO, Duration::plus);
    }
  }

  /** One part's usage and the events it stored in the same window. */
  record PartCpu(String part, long events, Usage usage) {}

  /** The processes' CPU time when the window opens and when it closes. Used by the part's thread. */
  static final class OverWindow implements LoadLoop.Window {

    private final List<Watched> processes;
    private Map<String, Duration> atOpening = Map.of();
    private Map<Long, ThreadCpu> threadsAtOpening = Map.of();
    private long openedAtNanos;
    private Usage usage = Usage.NONE;

    OverWindow(List<Watched> processes) {
      this.processes = List.copyOf(processes);
    }

    @Override
    public void opened() {
      atOpening = read(processes);
      threadsAtOpening = ownThreads();
      openedAtNanos = System.nanoTime();
    }

    @Override
    public void closed() {
      Duration wall = Duration.ofNanos(System.nanoTime() - openedAtNanos);
      Map<Long, ThreadCpu> threadsAtClosing = ownThreads();
      Map<String, Duration> atClosing = read(processes);
      Map<String, Duration> used = new LinkedHashMap<>();
      atClosing.forEach(
          (name, cpu) -> {
            Duration before = atOpening.get(name);
            // A process unreadable at opening, or whose counter went back (its pid reused), is not measured.
            if (before != null && cpu.compareTo(before) >= 0) {
              used.put(name, cpu.minus(before));
            }
          });
      usage = new Usage(used, wall, byGroup(threadsAtOpening, threadsAtClosing));
    }

    /** The usage between opening and closing ({@link Usage#NONE} before the window closed). */
    Usage usage() {
      return usage;
    }
  }

  private ProcessCpu() {}

  /** A live thread of this JVM: its name and its CPU time so far. */
  record ThreadCpu(String name, Duration cpu) {}

  /** This JVM's live threads, by thread id; threads the JVM does not measure are left out. */
  static Map<Long, ThreadCpu> ownThreads() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<Long, ThreadCpu> cpu = new HashMap<>();
    if (!threads.isThreadCpuTimeSupported()) {
      return cpu;
    }
    for (ThreadInfo thread : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (thread != null) {
        long nanos = threads.getThreadCpuTime(thread.getThreadId());
        if (nanos >= 0) {
          cpu.put(thread.getThreadId(), new ThreadCpu(thread.getThreadName(), Duration.ofNanos(nanos)));
        }
      }
    }
    return cpu;
  }

  /** The CPU each thread alive at closing used since opening (from 0 if it started since), summed by {@link #threadGroup}. */
  static Map<String, Duration> byGroup(Map<Long, ThreadCpu> atOpening, Map<Long, ThreadCpu> atClosing) {
    Map<String, Duration> groups = new TreeMap<>();
    atClosing.forEach(
        (id, thread) -> {
          ThreadCpu before = atOpening.get(id);
          Duration used = before == null ? thread.cpu() : thread.cpu().minus(before.cpu());
          if (!used.isNegative()) {
            groups.merge(threadGroup(thread.name()), used, Duration::plus);
          }
        });
    return groups;
  }

  /**
   * A thread's group: its name without the number a pool gives each of its threads ({@code
   * medtrace-pekko.actor.default-dispatcher-12} → {@code medtrace-pekko.actor.default-dispatcher},
   * {@code s0-io-3} → {@code s0-io}) and without a Kafka client's {@code " | client-id"}.
   */
  static String threadGroup(String threadName) {
    int client = threadName.indexOf(" | ");
    String name = client >= 0 ? threadName.substring(0, client) : threadName;
    String group = name.replaceAll("[-#_ ]?\\d+$", "");
    return group.isEmpty() ? name : group;
  }

  /** Each live process's CPU time so far; one the system does not account (gone, not permitted) is left out. */
  static Map<String, Duration> read(List<Watched> processes) {
    Map<String, Duration> cpu = new LinkedHashMap<>();
    for (Watched process : processes) {
      process.handle().info().totalCpuDuration().ifPresent(duration -> cpu.put(process.name(), duration));
    }
    return cpu;
  }

  /**
   * The printed table: a row per process and one for their sum, then the benchmark JVM's largest
   * thread groups and the rest of its threads; two columns (ms per event, cores) per part.
   */
  static String table(List<PartCpu> parts) {
    Set<String> processes = new LinkedHashSet<>();
    parts.forEach(part -> processes.addAll(part.usage().cpu().keySet()));
    List<String> groups = largestThreadGroups(parts);
    String total = "all of them";
    int nameWidth =
        Stream.of(processes.stream(), Stream.of(total, "  " + OTHER_THREADS), groups.stream().map(group -> "  " + group))
            .flatMap(names -> names)
            .mapToInt(String::length)
            .max()
            .orElse(0);
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
    BiConsumer<String, Function<Usage, Duration>> row =
        (label, used) -> {
          out.append(String.format(Locale.ROOT, name, label));
          parts.forEach(part -> out.append(cells(part, used.apply(part.usage()))));
          out.append(System.lineSeparator());
        };
    processes.forEach(process -> row.accept(process, usage -> usage.cpu().get(process)));
    row.accept(total, Usage::total);
    if (!groups.isEmpty()) {
      out.append(Text.wrap(THREADS_EXPLAINED, 100));
      groups.forEach(group -> row.accept("  " + group, usage -> usage.ownThreads().get(group)));
      row.accept("  " + OTHER_THREADS, usage -> usage.threadsOutside(groups));
    }
    return out.toString();
  }

  static final String OTHER_THREADS = "other threads";

  /** A thread group gets a row of its own from this share of the JVM's threads' CPU in some part. */
  static final double THREAD_GROUP_SHARE = 0.03;

  static final String THREADS_EXPLAINED =
      "Of the benchmark's JVM, by thread group (a pool's threads together, the names without their numbers),"
          + " each group with at least " + (int) (100 * THREAD_GROUP_SHARE) + " % of its threads' CPU in some part, largest first:"
          + " live Java threads only, so the JVM's compilers and garbage collectors, and threads that ended in"
          + " the window, are the difference to its row above.";

  /** The benchmark JVM's thread groups with at least {@link #THREAD_GROUP_SHARE} of its threads' CPU in some part, by their largest share. */
  static List<String> largestThreadGroups(List<PartCpu> parts) {
    Map<String, Double> largestShare = new HashMap<>();
    for (PartCpu part : parts) {
      Map<String, Duration> threads = part.usage().ownThreads();
      long all = threads.values().stream().mapToLong(Duration::toNanos).sum();
      if (all > 0) {
        threads.forEach((group, cpu) -> largestShare.merge(group, cpu.toNanos() / (double) all, Math::max));
      }
    }
    return largestShare.entrySet().stream()
        .filter(entry -> entry.getValue() >= THREAD_GROUP_SHARE)
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .map(Map.Entry::getKey)
        .toList();
  }

  /** A part's two cells for {@code used}: "-" for none measured ({@code null} or zero). */
  private static String cells(PartCpu part, Duration used) {
    return used == null || used.isZero()
        ? String.format(Locale.ROOT, " | %9s %7s", "-", "-")
        : String.format(Locale.ROOT, " | %9.3f %7.2f", Usage.millisPerEventOf(used, part.events()), part.usage().coresOf(used));
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
      putRows(node.putArray("processes"), "process", part.usage().cpu(), part);
      putRows(node.putArray("benchmarkJvmThreadGroups"), "group", part.usage().ownThreads(), part);
    }
  }

  private static void putRows(ArrayNode rows, String key, Map<String, Duration> cpu, PartCpu part) {
    cpu.forEach(
        (name, used) -> {
          ObjectNode row = rows.addObject();
          row.put(key, name);
          row.put("cpuMillis", used.toMillis());
          row.put("cpuMillisPerEvent", Usage.millisPerEventOf(used, part.events()));
          row.put("cores", part.usage().coresOf(used));
        });
  }
}
