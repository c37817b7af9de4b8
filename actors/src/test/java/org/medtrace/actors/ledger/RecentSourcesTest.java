package org.medtrace.actors.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The idempotency window: which ids it remembers, in which order, and its serialized form. */
class RecentSourcesTest {

  private static final String SENDER = "cold-logistics";

  private static RecentSources recordAll(RecentSources window, int size, String... ids) {
    long sequence = window.lastSequenceBySource().values().stream().mapToLong(Long::longValue).max().orElse(0);
    for (String id : ids) {
      window = window.recording(SENDER, id, ++sequence, size);
    }
    return window;
  }

  @Test
  void remembersTheNewestIdsUpToTheWindowAndForgetsTheOldest() {
    RecentSources window = recordAll(RecentSources.NONE, 3, "a", "b", "c", "d");

    assertEquals(Optional.empty(), window.stored(SENDER, "a"));
    assertEquals(Optional.of(2L), window.stored(SENDER, "b"));
    assertEquals(Optional.of(4L), window.stored(SENDER, "d"));
    assertEquals(List.of(SENDER + "\nb", SENDER + "\nc", SENDER + "\nd"), List.copyOf(window.lastSequenceBySource().keySet()));
  }

  @Test
  void anIdRecordedAgainBecomesTheNewestWithItsLastSequenceNumber() {
    RecentSources window = RecentSources.NONE;
    window = window.recording(SENDER, "a", 1, 2);
    window = window.recording(SENDER, "b", 2, 2);
    // One message that produced two events (a reading and the quarantine it caused).
    window = window.recording(SENDER, "a", 3, 2);
    window = window.recording(SENDER, "c", 4, 2);

    assertEquals(Optional.empty(), window.stored(SENDER, "b"));
    assertEquals(Optional.of(3L), window.stored(SENDER, "a"));
    assertEquals(List.of(SENDER + "\na", SENDER + "\nc"), List.copyOf(window.lastSequenceBySource().keySet()));
  }

  @Test
  void keepsExactlyTheLastIdsOverALongRun() {
    RecentSources window = RecentSources.NONE;
    long sequence = 0;
    for (int i = 1; i <= 10_000; i++) {
      window = window.recording(SENDER, "m-" + i, ++sequence, 1000);
      if (i % 7 == 0) {
        // A message with two events: its id is recorded twice and counts once.
        window = window.recording(SENDER, "m-" + i, ++sequence, 1000);
      }
    }

    assertEquals(1000, window.lastSequenceBySource().size());
    assertEquals(Optional.empty(), window.stored(SENDER, "m-9000"));
    assertEquals(Optional.of(sequence), window.stored(SENDER, "m-10000"));
    assertEquals(SENDER + "\nm-9001", window.lastSequenceBySource().keySet().iterator().next());
  }

  @Test
  void itsSerializedFormRestoresTheSameWindowInTheSameOrder() {
    RecentSources window = recordAll(RecentSources.NONE, 3, "a", "b", "a", "c");
    Map<String, Long> serialized = new LinkedHashMap<>(window.lastSequenceBySource());

    RecentSources restored = RecentSources.of(serialized);

    assertEquals(window, restored);
    assertEquals(List.copyOf(serialized.keySet()), List.copyOf(restored.lastSequenceBySource().keySet()));
    // Both forget the same id next.
    assertEquals(recordAll(window, 3, "d"), recordAll(restored, 3, "d"));
  }

  @Test
  void idsWithoutASourceAreNotRemembered() {
    assertEquals(RecentSources.NONE, RecentSources.NONE.recording(SENDER, "", 1, 3));
    assertEquals(Optional.empty(), RecentSources.NONE.stored(SENDER, ""));
  }
}
