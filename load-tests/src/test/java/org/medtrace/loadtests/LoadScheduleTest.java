package org.medtrace.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadScheduleTest {

  private static final long START = 1_000_000_000L;
  private static final long SECOND = 1_000_000_000L;

  /** 1,000/s: 2 s warm-up, 10 s measured, 5 s to catch up. */
  private final LoadSchedule fixedRate = new LoadSchedule(1000, START, Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(5));

  private final LoadSchedule closedLoop = new LoadSchedule(0, START, Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(5));

  @Test
  void atAFixedRateOperationsAreDueOnTheClockWhateverHappened() {
    assertEquals(START, fixedRate.dueNanos(0, START + 7 * SECOND));
    assertEquals(START + 2_500_000_000L, fixedRate.dueNanos(2_500, START + 7 * SECOND));
  }

  @Test
  void inAClosedLoopAnOperationIsDueWhenItCanStart() {
    assertEquals(START + 3 * SECOND, closedLoop.dueNanos(2_500, START + 3 * SECOND));
  }

  @Test
  void aFixedRatePartGoesOnUntilEveryOperationDueInTheWindowStarted() {
    // 12,000 operations are due before the window ends at start + 12 s.
    assertFalse(fixedRate.finished(11_999, START + 13 * SECOND), "behind: the last due ones have not started");
    assertTrue(fixedRate.finished(12_000, START + 13 * SECOND));
    assertTrue(fixedRate.finished(5_000, START + 17 * SECOND), "the catch-up time is over");
    assertFalse(closedLoop.finished(5, START + 12 * SECOND - 1));
    assertTrue(closedLoop.finished(5, START + 12 * SECOND));
  }

  @Test
  void operationsDueInTheWindowAndNeverStartedAreNotSent() {
    // The window holds the operations 2,000 .. 11,999.
    assertEquals(0, fixedRate.notSent(12_000));
    assertEquals(4_000, fixedRate.notSent(8_000));
    assertEquals(10_000, fixedRate.notSent(1_500), "none of the window's started");
    assertEquals(0, closedLoop.notSent(0));
  }
}
