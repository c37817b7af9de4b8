package org.medtrace.cluster.local;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What one fault scenario did and what the journal holds afterwards, printed as the scenario's
 * figures. Times count from the injection of the fault.
 */
record ScenarioFigures(
    String scenario,
    long requestsSent,
    long commandsAcknowledged,
    Map<LoadClient.FailureKind, Long> failuresByKind,
    long commandsGivenUp,
    JournalAudit.Result journal,
    long acknowledgedAfterFault,
    OptionalLong firstAcknowledgedAfterMillis,
    OptionalLong recoveredAfterMillis,
    List<LoadClient.Failure> failures) {

  static ScenarioFigures of(String scenario, LoadClient load, JournalAudit.Result journal, long faultAtNanos) {
    Map<LoadClient.FailureKind, Long> byKind = new EnumMap<>(LoadClient.FailureKind.class);
    for (LoadClient.FailureKind kind : LoadClient.FailureKind.values()) {
      byKind.put(kind, 0L);
    }
    List<LoadClient.Failure> failures = load.failures();
    failures.forEach(failure -> byKind.merge(failure.kind(), 1L, Long::sum));
    return new ScenarioFigures(
        scenario,
        load.requestsSent(),
        load.acknowledgments().size(),
        byKind,
        load.commandsGivenUp(),
        journal,
        load.acknowledgedSince(faultAtNanos),
        firstAcknowledgedAfter(load, faultAtNanos, faultAtNanos),
        firstAcknowledgedAfter(load, lastFailureEnd(load, faultAtNanos), faultAtNanos),
        failures);
  }

  /** When the last failed request ended; the fault when nothing failed after it. */
  private static long lastFailureEnd(LoadClient load, long faultAtNanos) {
    return Math.max(
        faultAtNanos,
        load.failures().stream().mapToLong(failure -> failure.atNanos() + failure.tookNanos()).max().orElse(faultAtNanos));
  }

  /** Milliseconds from the fault to the first acknowledgment at or after {@code fromNanos}. */
  private static OptionalLong firstAcknowledgedAfter(LoadClient load, long fromNanos, long faultAtNanos) {
    return load.acknowledgments().stream()
        .mapToLong(LoadClient.Acknowledgment::atNanos)
        .filter(at -> at >= fromNanos)
        .min()
        .stream()
        .map(at -> (at - faultAtNanos) / 1_000_000)
        .findFirst();
  }

  long failures(LoadClient.FailureKind kind) {
    return failuresByKind.get(kind);
  }

  private static String seconds(OptionalLong millis) {
    return millis.isPresent() ? String.format(Locale.ROOT, "%.1f s", millis.getAsLong() / 1000.0) : "never";
  }

  String render() {
    StringBuilder text = new StringBuilder();
    text.append(String.format(Locale.ROOT, "%n=== fault scenario: %s ===%n", scenario));
    text.append(String.format(Locale.ROOT, "requests sent          %d%n", requestsSent));
    text.append(String.format(Locale.ROOT, "commands acknowledged  %d (%d after the fault)%n", commandsAcknowledged, acknowledgedAfterFault));
    text.append(String.format(Locale.ROOT, "failed requests        503 %d, timeout %d, connection refused/broken %d, other %d%n",
        failures(LoadClient.FailureKind.UNAVAILABLE_503), failures(LoadClient.FailureKind.TIMEOUT),
        failures(LoadClient.FailureKind.CONNECTION_REFUSED), failures(LoadClient.FailureKind.OTHER)));
    text.append(String.format(Locale.ROOT, "commands not acknowledged at the end  %d%n", commandsGivenUp));
    text.append(String.format(Locale.ROOT, "entities               %d%n", journal.entities()));
    text.append(String.format(Locale.ROOT, "events found           %d%n", journal.eventsFound()));
    text.append(String.format(Locale.ROOT, "lost                   %d (of %d acknowledged)%n", journal.lost(), journal.acknowledgedChecked()));
    text.append(String.format(Locale.ROOT, "doubled                %d%n", journal.doubled()));
    text.append(String.format(Locale.ROOT, "chains verified        %d, broken %d%n", journal.chainsVerified(), journal.chainsBroken()));
    text.append(String.format(Locale.ROOT, "first acknowledgment after the fault  %s%n", seconds(firstAcknowledgedAfterMillis)));
    text.append(String.format(Locale.ROOT, "time to recover        %s (the first acknowledgment after the last failed request)%n",
        seconds(recoveredAfterMillis)));
    failures.stream()
        .filter(failure -> failure.kind() == LoadClient.FailureKind.OTHER)
        .limit(5)
        .forEach(failure -> text.append("  other failure: ").append(failure.node()).append(' ').append(failure.detail()).append('\n'));
    journal.problems().stream().limit(10).forEach(problem -> text.append("  journal: ").append(problem).append('\n'));
    return text.toString();
  }
}
