package org.medtrace.loadtests.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What the node acknowledged during a run, and the checks of it against the ledger at the end:
 * every acknowledged write (its entity, Idempotency-Key and returned sequence number) MUST be in the
 * entity's trail exactly once, at that sequence number; every audited read MUST be in the patient's
 * access log. Thread-safe: virtual users and the set-up record concurrently.
 */
final class AcknowledgedWrites {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One acknowledged write: the Idempotency-Key it carried and the sequence number the node returned. */
  record Write(String idempotencyKey, long sequenceNumber) {}

  /** One event of a trail page, as far as the check needs it. */
  record TrailEvent(long sequenceNumber, String eventType, String sourceMessageId) {}

  /** One page of a trail: its events and where the next page starts, if there is one. */
  record TrailPage(List<TrailEvent> events, OptionalLong nextFrom) {}

  // Entity path (e.g. /api/v1/batches/<gtin>/<lot>) -> its acknowledged writes.
  private final Map<String, Queue<Write>> writes = new ConcurrentHashMap<>();
  // Patient path (/api/v1/patients/<key>) -> sequence numbers of the audited reads the node acknowledged.
  private final Map<String, Queue<Long>> auditedReads = new ConcurrentHashMap<>();

  void write(String entityPath, String idempotencyKey, long sequenceNumber) {
    writes.computeIfAbsent(entityPath, p -> new ConcurrentLinkedQueue<>()).add(new Write(idempotencyKey, sequenceNumber));
  }

  void auditedRead(String patientPath, long accessSequenceNumber) {
    auditedReads.computeIfAbsent(patientPath, p -> new ConcurrentLinkedQueue<>()).add(accessSequenceNumber);
  }

  /** Entities with a trail endpoint (batches and devices) that took writes. */
  List<String> entitiesWithTrails() {
    return writes.keySet().stream().filter(path -> !path.startsWith("/api/v1/patients/")).sorted().toList();
  }

  /** Patients that took writes or audited reads (their chains are checked with verify and the access log). */
  List<String> patients() {
    Set<String> patients = new TreeSet<>(auditedReads.keySet());
    writes.keySet().stream().filter(path -> path.startsWith("/api/v1/patients/")).forEach(patients::add);
    return List.copyOf(patients);
  }

  List<Write> writesTo(String entityPath) {
    return List.copyOf(writes.getOrDefault(entityPath, new ConcurrentLinkedQueue<>()));
  }

  long writeCount() {
    return writes.values().stream().mapToLong(Queue::size).sum();
  }

  long auditedReadCount() {
    return auditedReads.values().stream().mapToLong(Queue::size).sum();
  }

  /**
   * What is wrong with {@code acknowledged} against the entity's whole {@code trail}, or nothing.
   * A write is there exactly once when events carry its key, one of them at the acknowledged
   * sequence number, and no event type repeats among them (one command may store several events —
   * a reading and the quarantine it causes — but a write applied twice stores its event twice).
   */
  static Optional<String> trailProblems(List<Write> acknowledged, List<TrailEvent> trail) {
    List<String> problems = new ArrayList<>();
    Map<String, List<TrailEvent>> byKey = new ConcurrentHashMap<>();
    for (TrailEvent event : trail) {
      if (event.sourceMessageId() != null && !event.sourceMessageId().isEmpty()) {
        byKey.computeIfAbsent(event.sourceMessageId(), k -> new ArrayList<>()).add(event);
      }
    }
    for (Write write : acknowledged) {
      List<TrailEvent> stored = byKey.getOrDefault(write.idempotencyKey(), List.of());
      if (stored.isEmpty()) {
        problems.add("write " + write.idempotencyKey() + " (acknowledged as #" + write.sequenceNumber() + ") is not in the trail");
        continue;
      }
      if (stored.stream().noneMatch(e -> e.sequenceNumber() == write.sequenceNumber())) {
        problems.add("write " + write.idempotencyKey() + " was acknowledged as #" + write.sequenceNumber() + " but is stored as "
            + stored.stream().map(e -> "#" + e.sequenceNumber()).toList());
      }
      Set<String> types = new HashSet<>();
      for (TrailEvent event : stored) {
        if (!types.add(event.eventType())) {
          problems.add("write " + write.idempotencyKey() + " is stored more than once: " + stored);
          break;
        }
      }
    }
    return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
  }

  /** What is wrong with the audited reads of {@code patientPath} against its access log's body, or nothing. */
  Optional<String> accessLogProblems(String patientPath, String accessLogJson) {
    Set<Long> logged = new HashSet<>();
    for (JsonNode entry : parse(accessLogJson).path("entries")) {
      logged.add(entry.path("sequenceNumber").asLong());
    }
    List<Long> missing =
        auditedReads.getOrDefault(patientPath, new ConcurrentLinkedQueue<>()).stream().filter(s -> !logged.contains(s)).sorted().toList();
    return missing.isEmpty()
        ? Optional.empty()
        : Optional.of("audited reads acknowledged as " + missing.stream().map(s -> "#" + s).toList() + " are not in the access log");
  }

  static TrailPage parseTrailPage(String json) {
    JsonNode page = parse(json);
    List<TrailEvent> events = new ArrayList<>();
    for (JsonNode event : page.path("events")) {
      events.add(
          new TrailEvent(
              event.path("sequenceNumber").asLong(), event.path("eventType").asText(), event.path("sourceMessageId").asText("")));
    }
    JsonNode next = page.path("nextFrom");
    return new TrailPage(events, next.isIntegralNumber() ? OptionalLong.of(next.asLong()) : OptionalLong.empty());
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + json, e);
    }
  }
}
