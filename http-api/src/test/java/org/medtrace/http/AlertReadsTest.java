package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertReadsTest {

  private static final long HOUR = Duration.ofHours(1).toMillis();

  @Test
  void readsEveryBucketFromTheOneHoldingTheStartToTheOneHoldingTheEnd() {
    long from = Instant.parse("2026-11-29T10:30:00Z").toEpochMilli();
    long to = Instant.parse("2026-11-29T12:00:00Z").toEpochMilli();
    assertEquals(
        List.of(
            Instant.parse("2026-11-29T10:00:00Z").toEpochMilli(),
            Instant.parse("2026-11-29T11:00:00Z").toEpochMilli(),
            Instant.parse("2026-11-29T12:00:00Z").toEpochMilli()),
        AlertReads.buckets(from, to, HOUR));
    assertEquals(List.of(Instant.parse("2026-11-29T10:00:00Z").toEpochMilli()), AlertReads.buckets(from, from, HOUR));
    assertEquals(List.of(), AlertReads.buckets(to + HOUR, to, HOUR), "a start after the end reads nothing");
  }

  @Test
  void knowsThePluginsBucketSizes() {
    assertEquals(Duration.ofDays(1).toMillis(), AlertReads.bucketMillis("Day"));
    assertEquals(HOUR, AlertReads.bucketMillis("Hour"));
    assertEquals(60_000, AlertReads.bucketMillis("Minute"));
    assertEquals(1_000, AlertReads.bucketMillis("Second"));
    assertThrows(IllegalArgumentException.class, () -> AlertReads.bucketMillis("Week"));
  }
}
