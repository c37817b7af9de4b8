package org.medtrace.actors.ledger;

import org.medtrace.merkle.LogLeaf;
import org.medtrace.merkle.LogFormat;

/**
 * The journal tag that puts every ledger event on its way to the global verifiable log: each event
 * carries the tag of its entity's log slice ({@link LogLeaf#sliceOf}), so that the one writer of
 * that slice can follow it with an events-by-tag query and resume from an offset.
 *
 * <p>The tag is a fast path, not the guarantee: events-by-tag can miss late events, so the global
 * log's reconciler compares the journal itself with the log.
 */
public final class LogSliceTag {

  public static final String PREFIX = "log-slice-";

  private LogSliceTag() {}

  /** The tag of {@code slice}. */
  public static String forSlice(int slice) {
    if (slice < 0 || slice >= LogFormat.SLICE_COUNT) {
      throw new IllegalArgumentException("slice " + slice + " is not between 0 and " + (LogFormat.SLICE_COUNT - 1));
    }
    return PREFIX + slice;
  }

  /** The tag of the slice of an entity. */
  public static String of(String entityType, String entityId) {
    return forSlice(LogLeaf.sliceOf(entityType, entityId));
  }

  public static boolean isSliceTag(String tag) {
    return tag.startsWith(PREFIX);
  }
}
